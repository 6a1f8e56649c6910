"""``wijknet user / grant / token`` beside a running server, and the audit log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.api.server import Server
from tests.identity_helpers import audit_log, make_account

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "beheerder wachtwoord"


def _cli(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    assert server.identity_db is not None
    env = {**os.environ, "WIJKNET_NEW_PASSWORD": PASSWORD}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args, "--identity-db", str(server.identity_db)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def _gql(server: Server, token: str, query: str) -> dict[str, Any]:
    r = httpx.post(
        server.url,
        json={"query": query},
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert "errors" not in body, body
    return body["data"]


def _store_of(server: Server) -> str:
    return str(next(server.identity_db.parent.glob("*.db")).parent / "mail.db")  # type: ignore[union-attr]


async def test_first_admin_grants_and_tokens_from_the_shell(mail_server: Server) -> None:
    made = _cli(mail_server, "user", "create", "Beheer@Example.org", "--admin")
    assert made.returncode == 0, made.stderr
    tok = _cli(mail_server, "token", "create", "beheer@example.org", "--name", "ops")
    assert tok.returncode == 0, tok.stderr
    admin_token = tok.stdout.strip()
    assert admin_token.startswith("wjk_")
    me = _gql(mail_server, admin_token, "{ me { email isAdmin } }")["me"]
    assert me == {"email": "beheer@example.org", "isAdmin": True}

    member = await make_account(mail_server, actor="res-0000010")
    org = _gql(
        mail_server,
        admin_token,
        "{ actors(kind: [ORGANISATION], first: 1) { edges { node { id } } } }",
    )["actors"]["edges"][0]["node"]["id"]
    store = ["--db", _store_of(mail_server)]
    for grant in (["--staff-of", org], ["--officer-of", "GM0518"]):
        done = _cli(mail_server, "grant", member.email, *grant, *store)
        assert done.returncode == 0, done.stderr
    refused = _cli(mail_server, "grant", member.email, "--officer-of", "GM9999", *store)
    assert refused.returncode == 1 and "GM9999" in refused.stderr
    refused = _cli(mail_server, "grant", member.email, "--staff-of", "res-0000001", *store)
    assert refused.returncode == 1
    grants = _gql(mail_server, member.token, "{ me { grants { kind target } } }")["me"]["grants"]
    assert sorted((g["kind"], g["target"]) for g in grants) == [
        ("officer", "GM0518"),
        ("staff", org),
    ]
    granted = [
        e["details"]
        for e in await audit_log(mail_server, admin_token)
        if e["action"] == "cli:grant" and e["target"] == member.account_id
    ]
    assert granted == [
        {"kind": "staff", "target": org},
        {"kind": "officer", "target": "GM0518"},
    ]
    listed = _cli(mail_server, "user", "list")
    assert "beheer@example.org" in listed.stdout and member.email in listed.stdout

    # revoke a token, disable an account: both stop working at once
    tokens = _cli(mail_server, "token", "list", "beheer@example.org").stdout.split()
    revoke = _cli(mail_server, "token", "revoke", next(t for t in tokens if t.startswith("tok-")))
    assert revoke.returncode == 0
    assert _gql(mail_server, admin_token, "{ me { id } }")["me"] is None
    assert _cli(mail_server, "user", "disable", member.email).returncode == 0
    assert _gql(mail_server, member.token, "{ me { id } }")["me"] is None
    assert _cli(mail_server, "user", "disable", member.email, "--enable").returncode == 0
    assert _gql(mail_server, member.token, "{ me { id } }")["me"] is not None


AUDIT = "{ auditLog(first: 500) { seq accountId actorId action target details } }"


async def _entries(server: Server, admin: str, after: int = 0) -> list[dict[str, Any]]:
    return await audit_log(server, admin, after)


async def test_audit_log_records_what_was_written_and_refused(mail_server: Server) -> None:
    """Each entry says who, which mutation or event, which ids were written, and when;
    refusals are recorded as refusals whatever the client selected; only admins read it,
    and an erasure blanks every entry that names the erased person."""
    admin = await make_account(mail_server, admin=True)
    person = await make_account(mail_server, actor="res-0000011")
    start = max((e["seq"] for e in await _entries(mail_server, admin.token)), default=0)
    base = mail_server.base
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        wrong = {"email": person.email, "password": "niet het wachtwoord"}
        assert (await http.post("/auth/signin", json=wrong)).status_code == 401
        right = {"email": person.email, "password": person.password}
        r = await http.post("/auth/signin", json=right)
        assert r.status_code == 200
        csrf = r.json()["csrf"]

    made = _gql(
        mail_server,
        person.token,
        'mutation { createToken(name: "tablet van Gerrit Zonneveld") '
        "{ ... on CreateTokenSuccess { token { id } } } }",
    )["createToken"]["token"]["id"]
    wrote = _gql(
        mail_server,
        person.token,
        "mutation { setVisibility(visibility: NETWORK) { __typename } }",
    )
    assert wrote["setVisibility"]["__typename"] != "Error"
    # `link` has an argument the resolver calls `source`: recorded like any other
    asked = _gql(
        mail_server,
        person.token,
        'mutation { link(type: KNOWS, from: "res-0000011", to: "res-0000013") { __typename } }',
    )
    assert asked["link"]["__typename"] == "LinkSuccess", asked
    # a refusal selected only by __typename-less fields is still a refusal
    someone_else = "res-0000012"
    refused = _gql(
        mail_server,
        person.token,
        f'mutation {{ setVisibility(visibility: PUBLIC, actor: "{someone_else}") '
        "{ ... on ActorSuccess { actor { id } } } }",
    )
    assert refused["setVisibility"] == {}
    not_found = _gql(
        mail_server,
        person.token,
        'mutation { revokeToken(id: "tok-nope") { ... on Error { code } } }',
    )
    assert not_found["revokeToken"]["code"] == "NOT_FOUND"  # neither written nor refused
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        anon = await http.post(base + "/graphql", json={"query": AUDIT})
    assert anon.json()["data"]["auditLog"] == []  # only admins read the log
    assert _gql(mail_server, person.token, AUDIT)["auditLog"] == []

    entries = await _entries(mail_server, admin.token, start)
    mine = [e for e in entries if e["accountId"] == person.account_id]
    by_action = {e["action"]: e for e in mine}
    assert [e["action"] for e in mine] == [
        "signin-failed",
        "signin",
        "token-create",
        "setVisibility",
        "link",
        "setVisibility",
    ]
    assert by_action["link"]["details"] == {
        "outcome": "done",
        "relationships": [["REQUESTS", "res-0000011", "res-0000013"]],
    }
    assert by_action["signin-failed"]["details"] == {"reason": "wrong password"}
    assert by_action["token-create"]["target"] == made
    assert "Gerrit" not in str(mine)  # ids, not values
    done, no = (e for e in mine if e["action"] == "setVisibility")
    assert done["actorId"] == "res-0000011"
    assert done["details"] == {"outcome": "done", "nodes": ["res-0000011"]}
    assert done["target"] == "res-0000011"
    assert no["details"]["outcome"] == "refused" and no["details"]["code"] == "FORBIDDEN"
    assert no["target"] == someone_else

    # signing out, then erasure: the person's entries are blanked, the erasure recorded
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        r = await http.post("/auth/signin", json=right)
        csrf = r.json()["csrf"]
        headers = {"x-csrf-token": csrf, "content-type": "application/json"}
        assert (await http.post("/auth/signout", headers=headers)).status_code == 200
    done = _gql(mail_server, person.token, "mutation { eraseMe { __typename } }")
    assert done["eraseMe"] == {"__typename": "Done"}
    after = await _entries(mail_server, admin.token, start)
    text = str(after)
    assert person.account_id not in text and "res-0000011" not in text
    assert made not in text and person.email not in text
    assert [e["action"] for e in after if e["action"] in ("signout", "erase")] == [
        "signout",
        "erase",
    ]
    erased = next(e for e in after if e["action"] == "erase")
    assert erased["accountId"] is None and erased["target"] == ""
    blanked = next(e for e in after if e["seq"] == by_action["token-create"]["seq"])
    assert blanked == {
        "seq": blanked["seq"],
        "accountId": "[erased]",
        "actorId": "[erased]",
        "action": "token-create",
        "target": "[erased]",
        "details": "[erased]",
    }
