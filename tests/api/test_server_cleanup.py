"""Servers started by a test never outlive it, also when the test fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api import server as servers
from tests.api.server import start_server
from tests.conftest import pytest_runtest_call


def test_a_failing_test_does_not_leave_its_server_running(tmp_path: Path) -> None:
    # drive the hook that wraps every test's body around a body that starts a server, then
    # fails: the server is stopped before the failure reaches pytest
    hook = pytest_runtest_call(None)  # type: ignore[arg-type]
    next(hook)
    srv = start_server(str(tmp_path / "x.db"), tmp_path, seed_actors=10, timeout=300)
    assert srv in servers.running()
    with pytest.raises(AssertionError, match="the body failed"):
        hook.throw(AssertionError("the body failed"))
    assert srv.proc.poll() is not None
    assert srv not in servers.running()
