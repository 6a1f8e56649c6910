"""Instruments as a tool and the business side, over real HTTP."""

from __future__ import annotations

import pytest
from gql.client import AsyncClientSession

from tests.api.conftest import run

pytestmark = pytest.mark.slow


async def test_instruments_say_who_offers_them_how_and_who_uses_them(
    client: AsyncClientSession,
) -> None:
    q = """{ instruments { id offeredBy conditions steps(lang: EN) source { kind detail }
             initiatives(first: 5) { totalCount edges { node { id instruments { id } } } } } }"""
    instruments = {i["id"]: i for i in (await run(client, q))["instruments"]}
    rtc = instruments["inst-right-to-challenge"]
    assert rtc["offeredBy"] and rtc["conditions"] and len(rtc["steps"]) >= 3
    assert rtc["source"]["kind"] == "REFERENCE" and rtc["source"]["detail"]
    used = instruments["inst-wijkbudget"]["initiatives"]
    assert used["totalCount"] > 0
    for edge in used["edges"]:
        assert "inst-wijkbudget" in {i["id"] for i in edge["node"]["instruments"]}


async def test_initiatives_filter_by_instrument_and_place(client: AsyncClientSession) -> None:
    q = """query($after: String) { initiatives(instrument: "inst-wijkbudget", place: "GM0518",
             first: 3, after: $after) {
             totalCount pageInfo { hasNextPage endCursor }
             edges { node { id place { code } instruments { id } } } } }"""
    first = (await run(client, q))["initiatives"]
    assert first["totalCount"] >= len(first["edges"]) > 0
    ids = [e["node"]["id"] for e in first["edges"]]
    assert ids == sorted(ids)
    for edge in first["edges"]:
        assert "inst-wijkbudget" in {i["id"] for i in edge["node"]["instruments"]}
    if first["pageInfo"]["hasNextPage"]:
        more = (await run(client, q, after=first["pageInfo"]["endCursor"]))["initiatives"]
        assert more["edges"][0]["node"]["id"] > ids[-1]
    everywhere = await run(client, '{ initiatives(instrument: "inst-wijkbudget") { totalCount } }')
    assert everywhere["initiatives"]["totalCount"] >= first["totalCount"]


async def test_network_figures_say_what_pays_for_the_enterprises(
    client: AsyncClientSession,
) -> None:
    q = """{ network(place: "GM0518") { business { enterprises demoShare
             legalForms { name count } revenueModels { name count } support { name count }
             instruments { instrument { id } count } } } }"""
    biz = (await run(client, q))["network"]["business"]
    assert biz["enterprises"] > 0 and 0.0 <= biz["demoShare"] <= 1.0
    assert sum(r["count"] for r in biz["revenueModels"]) >= biz["enterprises"]
    assert {f["name"] for f in biz["legalForms"]} <= {
        "stichting",
        "cooperatie",
        "vereniging",
        "bv",
        "none",
        "unknown",
    }
    assert biz["instruments"] and all(i["count"] > 0 for i in biz["instruments"])


async def test_initiatives_like_yours_and_the_instrument_reason(
    client: AsyncClientSession,
) -> None:
    q = """{ initiatives(first: 100) { edges { node { id instrumentsLikeYours(lang: EN) } } } }"""
    nodes = [e["node"] for e in (await run(client, q))["initiatives"]["edges"]]
    hinted = [n for n in nodes if n["instrumentsLikeYours"]]
    assert hinted, "initiatives on a shared theme used an instrument these do not"
    for node in hinted:
        for hint in node["instrumentsLikeYours"]:
            assert " like yours " in hint and " used " in hint
    # a partner who was in such an initiative is told so
    seen = 0
    for node in hinted[:30]:
        found = await run(
            client,
            """query($i: ID!) { suggestPartners(initiative: $i, first: 10, lang: EN) {
                 reasons { code text } } }""",
            i=node["id"],
        )
        for suggestion in found["suggestPartners"]:
            for reason in suggestion["reasons"]:
                if reason["code"] == "INSTRUMENT":
                    assert "an initiative like yours that used" in reason["text"]
                    seen += 1
    assert seen, "some suggestion carries the INSTRUMENT reason"
