"""Introduction tests: the API server of every store (shared with tests/api), and an
embedded server that mails a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import server
from tests.api.server import Server, free_port, start_server
from tests.mailbox import Mailbox, smtp_server

__all__ = ["mail_server", "mailbox", "server"]


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="session")
def mail_server(mailbox: Mailbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``wijknet serve`` (embedded, 100 actors) whose mail goes to ``mailbox``."""
    folder = tmp_path_factory.mktemp("intro-mail-server")
    port = free_port()
    env = {**mailbox.env(), "WIJKNET_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    srv = start_server(str(folder / "intro.db"), folder, seed_actors=100, env=env, port=port)
    try:
        yield srv
    finally:
        srv.stop()
