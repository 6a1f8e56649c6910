"""The web app in process: a seeded embedded store, the real app, an httpx client.

``web_app`` is one app for the test session (seeded with 300 synthetic actors);
``client`` a fresh anonymous client; ``signed_in(name)`` a client signed in as a new
resident (a private, not matchable actor, as sign-up makes one).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from graph.embedded import EmbeddedStore

PASSWORD = "een lang wachtwoord"


@pytest.fixture(scope="session")
async def web_app(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Starlette]:
    folder = tmp_path_factory.mktemp("web")
    store = EmbeddedStore.open(str(folder / "web.db"))
    settings = Settings(seed_actors=300, identity_db=str(folder / "web.identity.db"))
    app = create_app(settings, store=store)
    try:
        async with app.router.lifespan_context(app):
            deadline = time.monotonic() + 300  # generous: the machine is shared
            while not app.state.status.ready:
                if app.state.status.error or time.monotonic() > deadline:
                    pytest.fail(f"the app did not load: {app.state.status.phase}")
                await asyncio.sleep(0.05)
            yield app
    finally:
        await store.close()


def _client(app: Starlette) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def client(web_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(web_app) as http:
        yield http


@dataclass
class Person:
    http: httpx.AsyncClient
    email: str
    actor_id: str
    csrf: str


@pytest.fixture
async def signed_in(web_app: Starlette) -> AsyncIterator[Callable[[str], Awaitable[Person]]]:
    clients: list[httpx.AsyncClient] = []

    async def make(name: str) -> Person:
        identity = web_app.state.identity
        email = f"{name.split()[0].lower()}.{secrets.token_hex(4)}@voorbeeld.nl"
        account = await identity.create_account(email, PASSWORD, verified=True)
        actor_id = await identity.create_actor(web_app.state.store, name)
        await identity.bind_actor(account.id, actor_id)
        http = _client(web_app)
        clients.append(http)
        # a session as signing in makes one, without the sign-in endpoint's rate limit
        # (every test here comes from one client address)
        cookie, session = await identity.start_session(account, "tests")
        http.cookies.set("wijknet_session", cookie)
        return Person(http=http, email=email, actor_id=actor_id, csrf=session.csrf)

    yield make
    for http in clients:
        await http.aclose()
