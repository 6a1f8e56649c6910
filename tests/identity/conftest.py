"""Identity tests run against the same kind of server as the API tests (every store)."""

from tests.api.conftest import server

__all__ = ["server"]
