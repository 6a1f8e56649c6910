"""One contract for every IdentityStore: SQLite (beside the embedded store) and Neo4j."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from api.identity.model import (
    Account,
    ApiToken,
    AuditEntry,
    CodePurpose,
    Grant,
    GrantKind,
    Session,
    digest,
    now,
)
from api.identity.store import REDACTED, EmailTaken, IdentityStore, SqliteIdentityStore
from tests.conftest import (
    NEO4J_PASSWORD,
    NEO4J_URI,
    NEO4J_USER,
    STORE_KINDS,
    clear_neo4j,
    need_neo4j,
)


async def _open(kind: str, tmp_path: Path) -> IdentityStore:
    if kind == "embedded":
        return await SqliteIdentityStore.open(str(tmp_path / "identity.db"))
    from api.identity.neo4j_store import Neo4jIdentityStore

    return await Neo4jIdentityStore.open(NEO4J_URI or "", user=NEO4J_USER, password=NEO4J_PASSWORD)


@pytest.fixture(params=STORE_KINDS)
async def ids(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[IdentityStore]:
    if request.param == "neo4j":
        need_neo4j()
        await clear_neo4j()
    store = await _open(request.param, tmp_path)
    store.kind = request.param  # type: ignore[attr-defined]
    try:
        yield store
    finally:
        await store.close()


def _account(n: int = 1, **kw: object) -> Account:
    values: dict[str, object] = {
        "id": f"acc-{n}",
        "email": f"p{n}@example.org",
        "password_hash": "$argon2id$x",
        "verified": True,
        "name": f"Persoon {n}",
    }
    values.update(kw)
    return Account(**values)  # type: ignore[arg-type]


async def test_accounts_round_trip_and_emails_are_unique(ids: IdentityStore) -> None:
    acc = _account(1, grants=(Grant(GrantKind.ADMIN),), actor_id="res-1")
    await ids.add_account(acc)
    assert await ids.account("acc-1") == acc
    assert await ids.account_by_email("p1@example.org") == acc
    assert await ids.account_by_actor("res-1") == acc
    assert await ids.account("acc-9") is None
    with pytest.raises(EmailTaken):
        await ids.add_account(_account(2, email="p1@example.org"))
    await ids.add_account(_account(2))
    assert [a.id for a in await ids.accounts()] == ["acc-1", "acc-2"]
    await ids.update_account("acc-2", disabled=True, actor_id="res-2", name="")
    got = await ids.account("acc-2")
    assert got is not None and got.disabled and got.actor_id == "res-2" and got.name == ""
    with pytest.raises(EmailTaken):
        await ids.update_account("acc-2", email="p1@example.org")


async def test_grants_are_added_once_and_removed(ids: IdentityStore) -> None:
    await ids.add_account(_account(1))
    staff, officer = Grant(GrantKind.STAFF, "org-1"), Grant(GrantKind.OFFICER, "GM0518")
    for grant in (staff, officer, staff):
        await ids.set_grant("acc-1", grant)
    got = await ids.account("acc-1")
    assert got is not None and set(got.grants) == {staff, officer} and len(got.grants) == 2
    await ids.set_grant("acc-1", staff, on=False)
    got = await ids.account("acc-1")
    assert got is not None and got.grants == (officer,) and not got.is_admin


async def test_sessions_tokens_and_codes(ids: IdentityStore) -> None:
    await ids.add_account(_account(1))
    t0 = now()
    session = Session(digest("s1"), "acc-1", "csrf", t0, t0 + timedelta(days=1), "ua")
    await ids.add_session(session)
    assert await ids.session(digest("s1")) == session
    assert await ids.sessions("acc-1") == [session]
    token = ApiToken("tok-1", "acc-1", "script", digest("wjk_1"), t0, t0 + timedelta(days=9))
    await ids.add_token(token)
    assert await ids.token(digest("wjk_1")) == token
    await ids.touch_token("tok-1", t0 + timedelta(minutes=5))
    assert [t.last_used for t in await ids.tokens("acc-1")] == [t0 + timedelta(minutes=5)]
    await ids.delete_token("tok-1")
    assert await ids.token(digest("wjk_1")) is None
    await ids.delete_session(digest("s1"))
    assert await ids.session(digest("s1")) is None

    await ids.add_code(digest("c1"), "acc-1", CodePurpose.VERIFY, t0 + timedelta(hours=1))
    await ids.add_code(digest("c2"), "acc-1", CodePurpose.RESET, t0 - timedelta(hours=1))
    assert await ids.take_code(digest("c1"), CodePurpose.RESET) is None  # wrong purpose
    assert await ids.take_code(digest("c1"), CodePurpose.VERIFY) == "acc-1"
    assert await ids.take_code(digest("c1"), CodePurpose.VERIFY) is None  # once only
    assert await ids.take_code(digest("c2"), CodePurpose.RESET) is None  # expired


async def test_deleting_an_account_takes_everything_of_it(ids: IdentityStore) -> None:
    await ids.add_account(_account(1))
    await ids.add_account(_account(2))
    t0 = now()
    for n in (1, 2):
        await ids.add_session(Session(digest(f"s{n}"), f"acc-{n}", "c", t0, t0 + timedelta(1)))
        await ids.add_token(
            ApiToken(f"tok-{n}", f"acc-{n}", "t", digest(f"k{n}"), t0, t0 + timedelta(1))
        )
        await ids.link_oidc("https://idp.example", f"sub-{n}", f"acc-{n}")
        await ids.add_code(digest(f"c{n}"), f"acc-{n}", CodePurpose.RESET, t0 + timedelta(1))
    await ids.delete_account("acc-1")
    assert await ids.account("acc-1") is None
    assert await ids.session(digest("s1")) is None and await ids.token(digest("k1")) is None
    assert await ids.account_by_oidc("https://idp.example", "sub-1") is None
    assert await ids.take_code(digest("c1"), CodePurpose.RESET) is None
    # the other account keeps all of its own
    assert await ids.session(digest("s2")) is not None and await ids.token(digest("k2"))
    assert await ids.account_by_oidc("https://idp.example", "sub-2") == "acc-2"


async def test_audit_log_is_ordered_and_redacts_erased_people(ids: IdentityStore) -> None:
    for n, details in enumerate(('{"name": "Fatima"}', '{"x": 1}', '{"about": "res-7"}')):
        await ids.audit(
            AuditEntry(0, now(), f"acc-{n}", f"res-{n}", "link", f"res-{n} ini-1", details)
        )
    log = await ids.audit_log()
    assert [e.seq for e in log] == sorted(e.seq for e in log) and len(log) == 3
    assert [e.account_id for e in await ids.audit_log(after=log[0].seq)] == ["acc-1", "acc-2"]
    touched = await ids.redact_audit(["acc-0", "res-0", "res-7"], ["Fatima"])
    assert touched == 2
    after = await ids.audit_log()
    assert after[0].account_id == REDACTED and after[0].actor_id == REDACTED
    assert "Fatima" not in after[0].details and after[0].target == REDACTED
    assert after[1] == log[1]
    assert "res-7" not in after[2].details and after[2].account_id == "acc-2"


async def test_everything_survives_a_reopen(ids: IdentityStore, tmp_path: Path) -> None:
    await ids.add_account(_account(1, grants=(Grant(GrantKind.STAFF, "org-1"),)))
    t0 = now()
    await ids.add_token(ApiToken("tok-1", "acc-1", "t", digest("k"), t0, t0 + timedelta(1)))
    await ids.add_session(Session(digest("s"), "acc-1", "c", t0, t0 + timedelta(1)))
    key = await ids.secret_key()
    await ids.close()
    again = await _open(ids.kind, tmp_path)  # type: ignore[attr-defined]
    try:
        got = await again.account("acc-1")
        assert got is not None and got.grants == (Grant(GrantKind.STAFF, "org-1"),)
        assert await again.token(digest("k")) is not None
        assert await again.session(digest("s")) is not None
        assert await again.secret_key() == key
    finally:
        await again.close()
    ids.close = _noop  # type: ignore[method-assign]


async def _noop() -> None:
    return None


async def test_rate_counters_are_shared_by_every_opener(ids: IdentityStore, tmp_path: Path) -> None:
    """Two openers of one store (two API workers) count against the same budget."""
    other = await _open(ids.kind, tmp_path)  # type: ignore[attr-defined]
    try:
        results = [await (ids if i % 2 else other).hit("k-signin", 5, 60) for i in range(8)]
        assert results == [True] * 5 + [False] * 3
        assert await ids.hit("k-other", 5, 60)  # another key has its own budget
        # the window slides: hits older than it no longer count
        assert await ids.hit("k-short", 1, 0.5)
        assert not await other.hit("k-short", 1, 0.5)
        await asyncio.sleep(0.7)
        assert await other.hit("k-short", 1, 0.5)
    finally:
        await other.close()


async def test_rate_counters_hold_under_concurrent_hits(ids: IdentityStore, tmp_path: Path) -> None:
    other = await _open(ids.kind, tmp_path)  # type: ignore[attr-defined]
    try:
        hits = [(ids if i % 2 else other).hit("k-burst", 7, 60) for i in range(20)]
        assert sum(await asyncio.gather(*hits)) == 7
    finally:
        await other.close()
