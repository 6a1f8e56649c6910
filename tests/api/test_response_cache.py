"""The cache of answers to repeated reads (api.response_cache) over real HTTP: a cached
answer never reaches a viewer with other sight, and a change of visibility, a tie or a
grant (written by another process, as ``wijknet grant`` does) shows on the next request.

Every check asks the same read at least twice before the change, so the answer is
served from the cache (the server's /healthz counts the hits), then once after it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.identity import Grant, GrantKind, Identity, IdentityConfig, Mailer
from api.response_cache import MAX_BYTES, ResponseCache
from tests.api.server import Server, start_server
from tests.identity_helpers import make_account, open_identity_store

pytestmark = pytest.mark.slow

BUURT, WIJK = "BU05181785", "WK051817"
ACTOR = "query($id: ID!) { actor(id: $id) { id name redacted email } }"
REGISTER = """mutation($input: RegisterActorInput!) { registerActor(input: $input) {
  __typename ... on RegisterActorSuccess { actor { id } } ... on Error { code message } } }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("response-cache")
    # the cache on, whatever the environment of the test run says
    env = {"WIJKNET_RESPONSE_CACHE": "1024"}
    srv = start_server(str(folder / "cache.db"), folder, seed_actors=60, env=env)
    yield srv
    srv.stop()


@dataclass
class People:
    server: Server
    tag: str
    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=lambda: {"anonymous": None})
    accounts: dict[str, str] = field(default_factory=dict)

    def post(self, who: str, query: str, lang: str = "nl", **variables: Any) -> dict[str, Any]:
        token = self.tokens[who]
        headers = {
            "Accept-Language": lang,
            **({"Authorization": f"Bearer {token}"} if token else {}),
        }
        r = httpx.post(
            self.server.url,
            json={"query": query, "variables": variables or None},
            headers=headers,
            timeout=120,
        )
        body = r.json()
        assert r.status_code == 200 and not body.get("errors"), body
        return dict(body["data"])

    def actor(self, who: str, subject: str, lang: str = "nl") -> dict[str, Any]:
        found = self.post(who, ACTOR, lang=lang, id=self.ids[subject])["actor"]
        assert found is not None
        return dict(found)

    def twice(self, who: str, subject: str, lang: str = "nl") -> dict[str, Any]:
        """Ask twice; the second answer comes from the cache and equals the first."""
        hits = cache_stats(self.server)["hits"]
        first, second = self.actor(who, subject, lang), self.actor(who, subject, lang)
        assert first == second
        assert cache_stats(self.server)["hits"] > hits, "the second answer was not cached"
        return first


def cache_stats(server: Server) -> dict[str, int]:
    stats = httpx.get(f"{server.base}/healthz", timeout=60).json()["responseCache"]
    assert stats is not None, "the embedded store keeps a response cache"
    return dict(stats)


@pytest.fixture(scope="module")
async def people(server: Server) -> People:
    p = People(server, uuid.uuid4().hex[:8])
    spec = {
        "ann": ("NETWORK", BUURT),  # seen in full by those she knows
        "bob": ("PRIVATE", WIJK),
        "cas": ("PRIVATE", WIJK),  # signed in, tied to no one at first
    }
    for who, (visibility, place) in spec.items():
        creds = await make_account(server, email=f"{who}-{p.tag}@example.org")
        p.tokens[who], p.accounts[who] = creds.token, creds.account_id
        p.ids[who] = f"{who}-{p.tag}"
        got = p.post(
            who,
            REGISTER,
            input={
                "id": p.ids[who],
                "kind": "RESIDENT",
                "name": f"Naam {who} {p.tag}",
                "visibility": visibility,
                "placeCode": place,
                "email": f"{who}-{p.tag}@example.org",
            },
        )
        assert got["registerActor"]["__typename"] == "RegisterActorSuccess", got
    admin = await make_account(server, admin=True)
    p.tokens["admin"] = admin.token
    p.ids["ent"] = f"ent-{p.tag}"
    got = p.post(
        "admin",
        REGISTER,
        input={
            "id": p.ids["ent"],
            "kind": "ENTERPRISE",
            "name": f"Verborgen Bedrijf {p.tag}",
            "visibility": "PRIVATE",
            "placeCode": WIJK,
        },
    )
    assert got["registerActor"]["__typename"] == "RegisterActorSuccess", got
    return p


def test_a_cached_answer_never_reaches_another_viewer(people: People) -> None:
    name = f"Naam ann {people.tag}"
    # ann sees herself in full, twice (the second from the cache) ...
    own = people.twice("ann", "ann")
    assert own["name"] == name and own["email"] and not own["redacted"]
    # ... and nobody else gets that answer: anonymous, another resident, either language
    for who in ("anonymous", "cas"):
        for lang in ("nl", "en"):
            seen = people.twice(who, "ann", lang)
            assert seen["redacted"] and seen["email"] is None
            assert name not in seen["name"]
            assert seen["name"].startswith("Bewoner in" if lang == "nl" else "Resident in")
    # the other way round: the public's cached answer does not reach the person herself
    assert people.twice("anonymous", "bob")["redacted"]
    own = people.actor("bob", "bob")
    assert own["name"] == f"Naam bob {people.tag}" and not own["redacted"]
    # an admin sees everyone in full; that answer is the admin's alone
    assert not people.twice("admin", "bob")["redacted"]
    assert people.actor("cas", "bob")["redacted"]


def test_a_visibility_change_shows_at_once(people: People) -> None:
    assert people.twice("anonymous", "bob")["redacted"]
    people.post("bob", "mutation { setVisibility(visibility: PUBLIC) { __typename } }")
    seen = people.actor("anonymous", "bob")
    assert not seen["redacted"] and seen["name"] == f"Naam bob {people.tag}"
    people.post("bob", "mutation { setVisibility(visibility: PRIVATE) { __typename } }")
    assert people.actor("anonymous", "bob")["redacted"]


def test_a_tie_shows_at_once(people: People) -> None:
    assert people.twice("cas", "ann")["redacted"]
    people.post(
        "cas",
        "mutation($a: ID!, $b: ID!) { link(type: KNOWS, from: $a, to: $b) { __typename } }",
        a=people.ids["cas"],
        b=people.ids["ann"],
    )
    assert people.twice("cas", "ann")["redacted"]  # asked, not yet agreed
    agreed = people.post(
        "ann",
        "mutation($a: ID!) { acceptKnows(from: $a) { ... on LinkSuccess { status } } }",
        a=people.ids["cas"],
    )
    assert agreed["acceptKnows"]["status"] == "LINKED"
    seen = people.actor("cas", "ann")
    assert not seen["redacted"] and seen["name"] == f"Naam ann {people.tag}"
    # and the public still gets its own, redacted answer
    assert people.actor("anonymous", "ann")["redacted"]


async def test_a_grant_from_another_process_shows_at_once(people: People) -> None:
    creds = await make_account(people.server, email=f"staff-{people.tag}@example.org")
    people.tokens["staff"] = creds.token
    assert people.twice("staff", "ent")["redacted"]
    # as `wijknet grant --staff-of` does: another connection to the account store
    store = await open_identity_store(people.server)
    try:
        identity = Identity(store, Mailer(None), IdentityConfig())
        await identity.grant(creds.account_id, Grant(GrantKind.STAFF, people.ids["ent"]))
        seen = people.actor("staff", "ent")
        assert not seen["redacted"] and seen["name"] == f"Verborgen Bedrijf {people.tag}"
        assert not people.twice("staff", "ent")["redacted"]
        await identity.grant(creds.account_id, Grant(GrantKind.STAFF, people.ids["ent"]), on=False)
    finally:
        await store.close()
    assert people.actor("staff", "ent")["redacted"]


def test_a_write_in_between_is_seen(people: People) -> None:
    query = "query($t: String!) { actors(text: $t, first: 50) { totalCount } }"
    count = people.post("anonymous", query, t=people.tag)["actors"]["totalCount"]
    assert people.post("anonymous", query, t=people.tag)["actors"]["totalCount"] == count
    got = people.post(
        "admin",
        REGISTER,
        input={
            "id": f"pub-{people.tag}",
            "kind": "ENTERPRISE",
            "name": f"Open Bedrijf {people.tag}",
            "visibility": "PUBLIC",
            "placeCode": WIJK,
        },
    )
    assert got["registerActor"]["__typename"] == "RegisterActorSuccess", got
    assert people.post("anonymous", query, t=people.tag)["actors"]["totalCount"] == count + 1


# --- the cache itself -------------------------------------------------------------------


class _Store:
    version = 0


class _File:
    def __init__(self) -> None:
        self.at: tuple[int, int] | None = (1, 0)

    def version(self) -> tuple[int, int] | None:
        return self.at


def test_entries_last_one_version_of_the_data() -> None:
    store, file = _Store(), _File()
    cache = ResponseCache(store, (file,), max_entries=2)  # type: ignore[arg-type]
    v1 = cache.version()
    assert v1 is not None
    assert cache.get("a", v1) is None
    cache.put("a", v1, b"1")
    assert cache.get("a", v1) == b"1"
    store.version += 1  # a write: nothing kept before it is served after it
    v2 = cache.version()
    assert v2 != v1 and v2 is not None
    assert cache.get("a", v2) is None and len(cache) == 0
    cache.put("b", v1, b"old")  # computed before the write: not kept
    assert len(cache) == 0
    file.at = (2, 0)  # another process wrote the account store
    assert cache.version() not in (v1, v2)
    file.at = None  # busy: the version cannot be vouched for
    assert cache.version() is None
    file.at = (2, 0)
    v3 = cache.version()
    assert v3 is not None
    cache.get("x", v3)
    for key in ("a", "b", "c"):
        cache.put(key, v3, b"x")
    assert len(cache) == 2 and cache.get("a", v3) is None  # the oldest went first
    cache.put("big", v3, b"x" * (MAX_BYTES + 1))
    assert cache.get("big", v3) is None


def test_no_cache_without_a_write_version(tmp_path: Path) -> None:
    class Neo4jLike:
        pass

    class Identityish:
        store = introductions = None

    assert ResponseCache.for_app(Neo4jLike(), Identityish(), max_entries=10) is None  # type: ignore[arg-type]
