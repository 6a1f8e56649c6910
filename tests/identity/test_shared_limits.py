"""Two API workers sharing one account store share its rate counters: N workers do not
give an attacker N times the sign-in attempts or mails."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx

from tests.api.server import Server, Servers
from tests.conftest import NEO4J_PASSWORD, NEO4J_URI, NEO4J_USER
from tests.identity_helpers import make_account


def _second_worker(server: Server, servers: Servers, folder: Path) -> Server:
    """Another ``wijknet serve`` over the same accounts as ``server``."""
    if server.identity_db is not None:  # embedded: its own graph, the same accounts file
        env = {"WIJKNET_IDENTITY_DB": str(server.identity_db)}
        return servers.start(str(folder / "second.db"), seed_actors=10, env=env)
    env = {"WIJKNET_NEO4J_USER": NEO4J_USER, "WIJKNET_NEO4J_PASSWORD": NEO4J_PASSWORD}
    return servers.start(NEO4J_URI or "", seed_actors=0, env=env)


async def test_sign_in_and_mail_limits_hold_across_workers(
    server: Server, servers: Servers, tmp_path: Path
) -> None:
    other = _second_worker(server, servers, tmp_path)
    person = await make_account(server)
    workers = [server, other]
    async with httpx.AsyncClient(timeout=60) as http:
        wrong = {"email": person.email, "password": "niet het goede wachtwoord"}
        statuses = [
            (await http.post(f"{workers[i % 2].base}/auth/signin", json=wrong)).status_code
            for i in range(6)
        ]
        assert statuses == [401] * 5 + [429]  # 5 a minute per address, whichever worker
        right = {"email": person.email, "password": person.password}
        for worker in workers:
            assert (await http.post(f"{worker.base}/auth/signin", json=right)).status_code == 429

        email = f"bom-{secrets.token_hex(4)}@example.org"
        body = {"email": email, "password": "een lang wachtwoord", "name": "Bom"}
        statuses = [
            (await http.post(f"{workers[i % 2].base}/auth/signup", json=body)).status_code
            for i in range(11)
        ]
        assert statuses == [202] * 10 + [429]  # 10 mails an hour per address, all workers
