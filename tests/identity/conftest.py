"""Identity tests: the API server of every store, and a server that mails a real SMTP
server on loopback (started and stopped by the test session)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import server
from tests.api.server import Server, free_port, start_server
from tests.mailbox import Mailbox, smtp_server
from tests.oidc_provider import Provider, oidc_provider

__all__ = ["mail_server", "mailbox", "provider", "server"]


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with oidc_provider(tmp_path_factory.mktemp("oidc")) as found:
        yield found


@pytest.fixture(scope="session")
def mail_server(
    mailbox: Mailbox, provider: Provider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """``wijknet serve`` (embedded, 50 actors) whose mail goes to ``mailbox`` and whose
    OpenID Connect sign-in goes to ``provider``."""
    folder = tmp_path_factory.mktemp("mail-server")
    port = free_port()
    env = {
        **mailbox.env(),
        **provider.env(),
        "WIJKNET_PUBLIC_URL": f"http://127.0.0.1:{port}",
        # one process: every write must reach its matching index on the request path,
        # not through the change log a worker reads (tests of "at once" rely on this)
        "WIJKNET_FOLLOW_MS": "60000",
    }
    srv = start_server(str(folder / "mail.db"), folder, seed_actors=50, env=env, port=port)
    try:
        yield srv
    finally:
        srv.stop()
