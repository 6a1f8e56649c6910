"""``eraseMe`` on a running server leaves no byte of the person in the store's files."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx

from tests.api.server import Server
from tests.mailbox import Mailbox, link_in


def _db_files(folder: Path) -> list[Path]:
    suffixes = (".db", ".db-wal", ".db-shm", ".snapshot", ".tmp")
    return sorted(p for p in folder.iterdir() if p.name.endswith(suffixes))


def _holding(folder: Path, needles: list[bytes]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in _db_files(folder):
        data = path.read_bytes()
        hits = [n.decode() for n in needles if n in data]
        if hits:
            found[path.name] = hits
    return found


async def test_erase_me_leaves_no_byte_of_the_person(mail_server: Server, mailbox: Mailbox) -> None:
    tag = secrets.token_hex(3)
    name = f"Zwaantje Kwakkelstein{tag}"
    email = f"zwaantje.{tag}@voorbeeld.nl"
    description = f"Ik kook graag voor de buren in de Schilderswijk {tag}"
    folder = mail_server.identity_db.parent
    async with httpx.AsyncClient(base_url=mail_server.base) as http:
        r = await http.post(
            "/auth/signup", json={"email": email, "password": "een lang wachtwoord", "name": name}
        )
        assert r.status_code == 202
        link = link_in(mailbox.wait_for(email, "bevestig"), "/auth/verify")
        csrf = (await http.get(link, headers={"accept": "application/json"})).json()["csrf"]
        headers = {"x-csrf-token": csrf}
        r = await http.post(
            "/me/profile",
            json={"visibility": "network", "description": description},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        me = (await http.get("/graphql", params={"query": "{ me { actorId } }"})).json()
        actor_id = me["data"]["me"]["actorId"]
        # leave traces elsewhere: a tie, a token named after the person (audit log too)
        link_q = (
            f'mutation {{ link(type: KNOWS, from: "{actor_id}", to: "res-0000001") '
            "{ __typename } }"
        )
        r = await http.post("/graphql", json={"query": link_q}, headers=headers)
        assert r.json()["data"]["link"]["__typename"] == "LinkSuccess", r.text
        token_q = f'mutation {{ createToken(name: "laptop van {name}") {{ __typename }} }}'
        r = await http.post("/graphql", json={"query": token_q}, headers=headers)
        assert r.json()["data"]["createToken"]["__typename"] == "CreateTokenSuccess"

        data = (await http.get("/me/data.json")).json()
        assert data["account"]["email"] == email
        assert data["actor"]["name"] == name and data["actor"]["description"] == description
        assert any(t["name"] == f"laptop van {name}" for t in data["tokens"])
        assert {"type": "REQUESTS", "from": actor_id, "to": "res-0000001"}.items() <= next(
            r for r in data["relationships"] if r["type"] == "REQUESTS"
        ).items()
        assert data["sessions"]

        needles = [s.encode() for s in (name, email, description)]
        assert _holding(folder, needles), "the person should be in the files before erasure"

        r = await http.post(
            "/graphql", json={"query": "mutation { eraseMe { __typename } }"}, headers=headers
        )
        assert r.json()["data"]["eraseMe"] == {"__typename": "Done"}

        # the server is still running, and the person is gone from every file
        assert mail_server.proc.poll() is None
        assert _holding(folder, needles) == {}
        files = [p.name for p in _db_files(folder)]
        assert any(f.endswith(".identity.db") for f in files) or any("identity" in f for f in files)
        assert any(f == "mail.db" for f in files)

        # and from the API: the cookie is dead, the account and actor gone
        r = await http.get("/graphql", params={"query": "{ me { id } }"})
        assert r.json()["data"]["me"] is None
        r = await http.get("/graphql", params={"query": f'{{ actor(id: "{actor_id}") {{ id }} }}'})
        assert r.json()["data"]["actor"] is None
        r = await http.post(
            "/auth/signin", json={"email": email, "password": "een lang wachtwoord"}
        )
        assert r.status_code == 401
