"""suggestPartners and suggestCoalition over real HTTP on the default seed."""

from __future__ import annotations

import httpx
import pytest
from gql.client import AsyncClientSession

from tests.api.conftest import run
from tests.api.server import Server
from tests.identity_helpers import gql_session, make_account

pytestmark = pytest.mark.slow

SUGGEST = """query($i: ID, $lang: Lang) { suggestPartners(initiative: $i, first: 10, lang: $lang) {
  actor { id kind matchable } score parts { skills proximity warmth network theme role }
  reasons { code text } path } }"""


async def test_ten_matchable_non_members_with_reasons_and_paths(client: AsyncClientSession) -> None:
    found = (
        await run(
            client,
            "{ initiatives(first: 50, stage: RUNNING) { edges { node { id "
            "members { actor { id } } } } } }",
        )
    )["initiatives"]["edges"]
    initiative = max(found, key=lambda e: len(e["node"]["members"]))["node"]
    members = {m["actor"]["id"] for m in initiative["members"]}
    result = (await run(client, SUGGEST, i=initiative["id"]))["suggestPartners"]
    assert len(result) == 10
    assert all(s["actor"]["matchable"] for s in result)
    assert not members & {s["actor"]["id"] for s in result}
    assert [s["score"] for s in result] == sorted((s["score"] for s in result), reverse=True)
    assert all(s["reasons"] for s in result)
    warm = [s for s in result if s["path"]]
    assert warm, "some suggestion should come with a warm path"
    for s in warm:
        assert s["path"][0] == s["actor"]["id"] and s["path"][-1] == initiative["id"]
        assert s["path"][-2] in members
    english = (await run(client, SUGGEST, i=initiative["id"], lang="EN"))["suggestPartners"]
    assert [s["actor"]["id"] for s in english] == [s["actor"]["id"] for s in result]
    codes = {r["code"] for s in result for r in s["reasons"]}
    assert codes & {"SKILL", "KNOWS_MEMBER", "CO_MEMBER", "PLACE", "THEME", "ROLE"}


async def test_coalition_covers_needs_or_names_what_is_missing(client: AsyncClientSession) -> None:
    data = await run(
        client,
        """{ initiative(id: "ini-0000002") { needs { skill { id } } }
            suggestCoalition(initiative: "ini-0000002", size: 7) { score
              members { actor { id } covers { kind id label } reasons { text } }
              covered { kind id } missing { kind id label } } }""",
    )
    team = data["suggestCoalition"]
    needed = {n["skill"]["id"] for n in data["initiative"]["needs"]}
    accounted = {r["id"] for r in team["covered"]} | {r["id"] for r in team["missing"]}
    assert 1 <= len(team["members"]) <= 7
    assert all(m["covers"] for m in team["members"])
    roles = {"residents", "entrepreneur", "professional", "municipal", "funder_host"}
    # every open need and role is either covered by someone or named as missing
    assert accounted <= needed | roles
    assert 0 <= team["score"] <= 1


async def test_a_draft_gets_suggestions(client: AsyncClientSession) -> None:
    data = await run(
        client,
        """{ suggestPartners(draft: { themes: ["theme-energy"], placeCode: "GM0518",
             neededSkills: ["skill-solar-installation", "skill-grant-writing"] }, first: 5) {
             actor { id } reasons { code } } }""",
    )
    assert len(data["suggestPartners"]) == 5


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ('{ suggestPartners(initiative: "ini-nope") { score } }', "initiative"),
        ("{ suggestPartners { score } }", "initiative"),
        ("{ suggestPartners(draft: {}) { score } }", "draft"),
        ('{ suggestPartners(draft: { themes: ["nope"] }) { score } }', "draft.themes"),
        ('{ suggestPartners(initiative: "ini-0000001", first: 0) { score } }', "first"),
        ('{ suggestCoalition(initiative: "ini-0000001", size: 99) { score } }', "size"),
        ('{ suggestCoalition(initiative: "res-0000001") { score } }', "initiative"),
    ],
)
async def test_clear_errors(server: Server, query: str, field: str) -> None:
    r = httpx.post(server.url, json={"query": query}, timeout=30)
    assert r.status_code == 200
    (error,) = r.json()["errors"]
    assert error["extensions"]["field"] == field
    assert error["extensions"]["code"] in ("NOT_FOUND", "INVALID_INPUT")


async def test_new_members_and_skills_are_matched_at_once(server: Server) -> None:
    """The index follows the API's writes: a newly registered, matchable ZZP'er with the
    needed skill whom the initiator agreed to know shows up in the initiator's next
    suggestions."""
    admin = await make_account(server, admin=True)  # sees every member, also private ones
    async with gql_session(server, admin.token) as session:
        data = await run(
            session,
            '{ initiative(id: "ini-0000004") { members { role actor { id } } '
            "needs { skill { id } } place { code } } }",
        )
    ini = data["initiative"]
    initiator = next(m["actor"]["id"] for m in ini["members"] if m["role"] == "INITIATOR")
    skill = ini["needs"][0]["skill"]["id"]
    zzp = await make_account(server)
    boss = await make_account(server, actor=initiator)
    async with gql_session(server, zzp.token) as session:
        new = await run(
            session,
            """mutation($skill: ID!, $place: String!) { registerActor(input: {
                 id: "zzp-fresh-1", kind: FREELANCER, name: "Nieuwe ZZP'er", skills: [$skill],
                 placeCode: $place }) { __typename } }""",
            skill=skill,
            place=ini["place"]["code"],
        )
        assert new["registerActor"]["__typename"] == "RegisterActorSuccess"
        asked = await run(
            session,
            'mutation($a: ID!) { link(type: KNOWS, from: "zzp-fresh-1", to: $a) '
            "{ ... on LinkSuccess { status } } }",
            a=initiator,
        )
        assert asked["link"]["status"] == "REQUESTED"
    async with gql_session(server, boss.token) as session:
        agreed = await run(
            session,
            'mutation { acceptKnows(from: "zzp-fresh-1") { ... on LinkSuccess { status } } }',
        )
        assert agreed["acceptKnows"]["status"] == "LINKED"
        found = (await run(session, SUGGEST, i="ini-0000004"))["suggestPartners"]
    fresh = [s for s in found if s["actor"]["id"] == "zzp-fresh-1"]
    assert fresh, found
    assert {"SKILL", "KNOWS_MEMBER"} <= {r["code"] for r in fresh[0]["reasons"]}
    assert fresh[0]["path"] == ["zzp-fresh-1", initiator, "ini-0000004"]
