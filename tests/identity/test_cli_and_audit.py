"""``wijknet user / grant / token`` beside a running server, and the audit log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.api.server import Server
from tests.identity_helpers import make_account

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


async def test_audit_log_for_admins_with_erased_people_blanked(mail_server: Server) -> None:
    admin = await make_account(mail_server, admin=True)
    person = await make_account(mail_server, actor="res-0000011")
    answer = _gql(
        mail_server,
        person.token,
        'mutation { createToken(name: "tablet van Gerrit Zonneveld") { __typename } }',
    )
    assert answer["createToken"]["__typename"] == "CreateTokenSuccess"
    refused = _gql(
        mail_server,
        person.token,
        'mutation { revokeToken(id: "tok-nope") { ... on Error { code message } } }',
    )
    assert refused["revokeToken"]["code"] == "NOT_FOUND"  # refused: not in the log below
    # only admins read the log
    assert _gql(mail_server, person.token, AUDIT)["auditLog"] == []
    entries = _gql(mail_server, admin.token, AUDIT)["auditLog"]
    mine = [e for e in entries if e["accountId"] == person.account_id]
    assert [e["action"] for e in mine] == ["createToken"]
    assert mine[0]["actorId"] == "res-0000011"
    assert mine[0]["details"] == {"name": "tablet van Gerrit Zonneveld"}

    done = _gql(mail_server, person.token, "mutation { eraseMe { __typename } }")
    assert done["eraseMe"] == {"__typename": "Done"}
    after = _gql(mail_server, admin.token, AUDIT)["auditLog"]
    text = str(after)
    assert person.account_id not in text and "res-0000011" not in text
    assert "Gerrit Zonneveld" not in text
    blanked = [e for e in after if e["seq"] == mine[0]["seq"]]
    assert blanked == [
        {
            "seq": mine[0]["seq"],
            "accountId": "[erased]",
            "actorId": "[erased]",
            "action": "createToken",
            "target": "[erased]",
            "details": "[erased]",
        }
    ]
