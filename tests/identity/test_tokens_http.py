"""Bearer tokens over real HTTP: who a request is, forged credentials, listing, revoking."""

from __future__ import annotations

import sqlite3

import httpx
from gql import GraphQLRequest, gql

from tests.api.server import Server
from tests.conftest import NEO4J_PASSWORD, NEO4J_URI, NEO4J_USER
from tests.identity_helpers import gql_session, make_account, open_identity_store

ME = gql("{ me { id email actorId isAdmin grants { kind target } signedInWith } }")


async def _me(server: Server, headers: dict[str, str] | None = None, **kw: object) -> object:
    async with httpx.AsyncClient(headers=headers, **kw) as http:  # type: ignore[arg-type]
        r = await http.post(server.url, json={"query": "{ me { id actorId } }"})
        assert r.status_code == 200, r.text
        return r.json()["data"]["me"]


async def test_a_token_makes_the_request_its_account(server: Server) -> None:
    creds = await make_account(server, actor="res-0000001", staff_of=["GM0518"], admin=False)
    async with gql_session(server, creds.token) as session:
        me = (await session.execute(ME))["me"]
    assert me == {
        "id": creds.account_id,
        "email": creds.email,
        "actorId": "res-0000001",
        "isAdmin": False,
        "grants": [{"kind": "staff", "target": "GM0518"}],
        "signedInWith": "token",
    }
    async with gql_session(server) as session:
        assert (await session.execute(ME))["me"] is None


async def test_forged_credentials_change_nothing(server: Server) -> None:
    creds = await make_account(server, actor="res-0000002")
    forged = [
        {"Authorization": "Bearer wjk_" + "A" * 43},
        {"Authorization": f"Bearer {creds.token[:-2]}xx"},
        {"Authorization": f"Basic {creds.token}"},
        {"Authorization": creds.token},
        {"X-Account": creds.account_id, "X-Actor": "res-0000002"},
        {"Cookie": f"wijknet_session={creds.token}"},
        {"Cookie": "wijknet_session=abc.0000"},
    ]
    for headers in forged:
        assert await _me(server, headers) is None, headers
    assert await _me(server, creds.headers) == {"id": creds.account_id, "actorId": "res-0000002"}


async def test_tokens_are_listed_created_and_revoked_by_their_owner(server: Server) -> None:
    owner = await make_account(server, actor="res-0000003")
    other = await make_account(server, actor="res-0000004")
    async with gql_session(server, owner.token) as session:
        made = await session.execute(
            gql(
                'mutation { createToken(name: "script", days: 7) { __typename '
                "... on CreateTokenSuccess { secret token { id name expires } } } }"
            )
        )
        created = made["createToken"]
        assert created["__typename"] == "CreateTokenSuccess"
        listed = await session.execute(gql("{ myTokens { id name } }"))
        names = sorted(t["name"] for t in listed["myTokens"])
        assert names == ["script", "test"]
        assert all("secret" not in t for t in listed["myTokens"])
    new_token = created["secret"]
    assert await _me(server, {"Authorization": f"Bearer {new_token}"}) is not None

    # another account cannot revoke it, and is told only that it has no such token
    revoke_q = "mutation($id: ID!) { revokeToken(id: $id) { __typename ... on Error { code } } }"

    def revoke(token_id: str) -> GraphQLRequest:
        return GraphQLRequest(revoke_q, variable_values={"id": token_id})

    async with gql_session(server, other.token) as session:
        answer = await session.execute(revoke(created["token"]["id"]))
        assert answer["revokeToken"] == {"__typename": "Error", "code": "NOT_FOUND"}
    assert await _me(server, {"Authorization": f"Bearer {new_token}"}) is not None

    async with gql_session(server, owner.token) as session:
        answer = await session.execute(revoke(created["token"]["id"]))
        assert answer["revokeToken"] == {"__typename": "Done"}
    assert await _me(server, {"Authorization": f"Bearer {new_token}"}) is None
    # anonymous: UNAUTHENTICATED
    async with gql_session(server) as session:
        answer = await session.execute(revoke("tok-x"))
        assert answer["revokeToken"] == {"__typename": "Error", "code": "UNAUTHENTICATED"}


async def _stored_tokens(server: Server, account_id: str, expire: bool = False) -> list[str]:
    """Every stored value of an account's tokens (and, with ``expire``, backdate them)."""
    past = "2000-01-01T00:00:00+00:00"
    if server.identity_db is not None:
        with sqlite3.connect(server.identity_db) as conn:
            if expire:
                conn.execute(
                    "UPDATE tokens SET expires = ? WHERE account_id = ?", (past, account_id)
                )
            rows = conn.execute("SELECT * FROM tokens WHERE account_id = ?", (account_id,))
            return [str(v) for row in rows for v in row]
    import neo4j

    async with neo4j.AsyncGraphDatabase.driver(
        NEO4J_URI or "", auth=(NEO4J_USER, NEO4J_PASSWORD)
    ) as driver:
        if expire:
            await driver.execute_query(
                "MATCH (t:IdToken {account_id: $id}) SET t.expires = $past",
                id=account_id,
                past=past,
            )
        records, _, _ = await driver.execute_query(
            "MATCH (t:IdToken {account_id: $id}) RETURN properties(t) AS p", id=account_id
        )
        return [str(v) for r in records for v in r["p"].values()]


async def test_tokens_are_stored_hashed_and_expire(server: Server) -> None:
    creds = await make_account(server, actor="res-0000005")
    stored = await _stored_tokens(server, creds.account_id)
    assert stored and not any(creds.token in v for v in stored)
    assert await _me(server, creds.headers) is not None
    await _stored_tokens(server, creds.account_id, expire=True)
    assert await _me(server, creds.headers) is None


async def test_my_data_and_erase_me_with_a_token(server: Server) -> None:
    creds = await make_account(server, actor="res-0000020")
    async with gql_session(server, creds.token) as session:
        mine = (await session.execute(gql("{ myData }")))["myData"]
        assert mine["account"]["email"] == creds.email
        assert mine["actor"]["id"] == "res-0000020" and mine["actor"]["name"]
        assert [t["name"] for t in mine["tokens"]] == ["test"]
        assert all("digest" not in t and "secret" not in t for t in mine["tokens"])
        done = await session.execute(gql("mutation { eraseMe { __typename } }"))
        assert done["eraseMe"] == {"__typename": "Done"}
    assert await _me(server, creds.headers) is None
    async with gql_session(server) as session:
        gone = await session.execute(gql('{ actor(id: "res-0000020") { id } }'))
        assert gone["actor"] is None
        assert (await session.execute(gql("{ myData }")))["myData"] is None
    store = await open_identity_store(server)
    try:
        assert await store.account(creds.account_id) is None
        assert await store.tokens(creds.account_id) == []
    finally:
        await store.close()
