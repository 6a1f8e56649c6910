"""Over real HTTP: places carry display names and published inhabitants; figures use them."""

from __future__ import annotations

from gql.client import AsyncClientSession

from tests.api.conftest import run


async def test_a_place_shows_its_display_name_and_inhabitants(client: AsyncClientSession) -> None:
    data = await run(
        client,
        """{ place(code: "GM0518") { name displayName inhabitants { count year source } }
             eindhoven: place(code: "GM0772") { displayName children { code level } } }""",
    )
    place = data["place"]
    assert place["name"] == "'s-Gravenhage" and place["displayName"] == "Den Haag"
    assert place["inhabitants"]["count"] == 566_221 and place["inhabitants"]["year"] == 2024
    assert "85984NED" in place["inhabitants"]["source"]
    kids = data["eindhoven"]["children"]
    assert len(kids) == 20 and {k["level"] for k in kids} == {"NEIGHBOURHOOD"}


async def test_network_figures_for_den_haag_report_inhabitants_with_source(
    client: AsyncClientSession,
) -> None:
    data = await run(
        client,
        """{ network(place: "GM0518", maxNodes: 10, maxEdges: 10) {
             figures { place { code } residents residentsInvolved shareInvolved shareBasis
                       inhabitants { count year source } }
             totals { place { displayName } residents residentsInvolved shareInvolved
                      shareBasis shareOfRegistered inhabitants { count year source } } } }""",
    )
    net = data["network"]
    totals = net["totals"]
    assert totals["place"]["displayName"] == "Den Haag"
    assert totals["inhabitants"]["count"] == 566_221
    assert totals["inhabitants"]["year"] == 2024 and "CBS" in totals["inhabitants"]["source"]
    assert totals["shareBasis"] == "INHABITANTS"
    assert totals["shareInvolved"] == totals["residentsInvolved"] / 566_221
    assert totals["shareOfRegistered"] == totals["residentsInvolved"] / totals["residents"]
    assert len(net["figures"]) == 44
    for f in net["figures"]:
        count = f["inhabitants"]["count"]
        if count:
            assert f["shareBasis"] == "INHABITANTS"
            assert f["shareInvolved"] == f["residentsInvolved"] / count
        else:  # a wijk without inhabitants (dunes, a business park) falls back, and says so
            assert f["shareBasis"] == "REGISTERED_RESIDENTS"


async def test_reference_examples_and_initiatives_like_yours(client: AsyncClientSession) -> None:
    data = await run(
        client,
        """{ referenceExamples { id name city verified runs earns revenueModels source report
               enterprise { id } place { code } partners { id } themes { id } }
             initiatives(first: 100) { edges { node { id redacted themes { id }
               similarExamples { example { id name } sharedThemes { id } reason } } } } }""",
    )
    examples = {e["city"]: e for e in data["referenceExamples"]}
    assert set(examples) == {"Eindhoven", "Zaandam", "Schiedam", "Zwolle"}
    dieze = examples["Zwolle"]
    assert dieze["enterprise"]["id"] == "org-wijbedrijf-dieze" and dieze["place"]["code"]
    assert "ENERGY_REVENUE" in dieze["revenueModels"] and dieze["source"]
    assert {"id": "org-gemeente-zwolle"} in dieze["partners"]
    assert "empower instrument" in dieze["report"]
    assert not examples["Eindhoven"]["verified"]
    seen = 0
    for edge in data["initiatives"]["edges"]:
        node = edge["node"]
        themes = {th["id"] for th in node["themes"]}
        for hit in node["similarExamples"]:
            shared = {th["id"] for th in hit["sharedThemes"]}
            assert shared and shared <= themes and hit["example"]["name"] in hit["reason"]
            seen += 1
        if node["redacted"]:
            assert node["similarExamples"] == []
    assert seen, "some seeded initiative shares a theme with an interviewed wijkonderneming"


async def test_an_unchecked_organisation_is_not_shown(client: AsyncClientSession) -> None:
    data = await run(client, '{ actor(id: "org-socreatie") { name redacted matchable } }')
    actor = data["actor"]
    assert actor["redacted"] and actor["name"] != "So/creatie" and not actor["matchable"]


async def test_eindhoven_figures_are_per_cbs_wijk_not_the_city(client: AsyncClientSession) -> None:
    data = await run(
        client,
        """{ network(place: "GM0772", maxNodes: 10, maxEdges: 10) {
             figures { place { code level } inhabitants { count } }
             gaps { neighbourhoods { place { code } } } } }""",
    )
    net = data["network"]
    codes = [f["place"]["code"] for f in net["figures"]]
    assert len(codes) == 20 and all(c.startswith("WK0772") for c in codes)
    assert all(f["inhabitants"]["count"] > 0 for f in net["figures"])
    assert "GM0772" not in {g["place"]["code"] for g in net["gaps"]["neighbourhoods"]}
