"""What the initiative page asks of an initiative beyond its members, in process on the
tiny city: pending requests and invitations (coordinators and the person concerned
only), where the viewer stands, and who covers each need (only people the viewer sees).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from api.context import Context
from api.policy import Viewer
from api.schema import schema
from graph import model as m
from graph.embedded import EmbeddedStore
from tests.contract import tiny

R = m.RelType

PAGE = """query($id: ID!) { initiative(id: $id) {
  viewerStatus viewerCoordinates
  joinRequests { actor { id name redacted } role }
  openInvitations { actor { id name redacted } role }
  needs { skill { id } coveredBy { id name } }
} }"""


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[EmbeddedStore]:
    st = EmbeddedStore.open(str(tmp_path / "tiny.db"))
    private = {"bob"}  # a freelancer who hides himself
    nodes = [
        dataclasses.replace(n, visibility=m.Visibility.PRIVATE) if n.id in private else n
        for n in tiny.nodes()
    ]
    await st.upsert(
        nodes,
        [
            *tiny.rels(),
            m.Relationship(R.REQUESTS, m.NodeId("cas"), m.NodeId("ini1"), {"role": "member"}),
            m.Relationship(R.INVITES, m.NodeId("ini1"), m.NodeId("dora"), {"role": "advisor"}),
        ],
    )
    yield st
    await st.close()


async def execute(
    store: EmbeddedStore, query: str, who: str | None, **variables: Any
) -> dict[str, Any]:
    viewer = Viewer(account_id=f"acc-{who}", actor_id=who) if who else Viewer()
    result = await schema.execute(
        query, context_value=Context(store=store, viewer=viewer), variable_values=variables
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


async def page(store: EmbeddedStore, who: str | None) -> dict[str, Any]:
    data = await execute(store, PAGE, who, id="ini1")
    return data["initiative"]  # type: ignore[no-any-return]


def ids(members: list[dict[str, Any]]) -> list[str]:
    return sorted(x["actor"]["id"] for x in members)


async def test_a_coordinator_sees_who_asked_and_who_was_invited(store: EmbeddedStore) -> None:
    got = await page(store, "ann")  # initiator of ini1
    assert got["viewerCoordinates"] is True
    assert got["viewerStatus"] == "MEMBER"
    assert ids(got["joinRequests"]) == ["cas"]
    assert got["joinRequests"][0]["role"] == "MEMBER"
    # who asks to join shows themselves in full to the coordinators
    assert got["joinRequests"][0]["actor"]["name"] == "Cas Jansen"
    assert ids(got["openInvitations"]) == ["dora"]
    assert got["openInvitations"][0]["role"] == "ADVISOR"


@pytest.mark.parametrize("who", [None, "bob", "ent"])
async def test_others_see_no_pending_request_or_invitation(
    store: EmbeddedStore, who: str | None
) -> None:
    got = await page(store, who)
    assert got["joinRequests"] == []
    assert got["openInvitations"] == []
    assert got["viewerCoordinates"] is False


async def test_each_side_sees_its_own_request_or_invitation(store: EmbeddedStore) -> None:
    asker = await page(store, "cas")
    assert asker["viewerStatus"] == "REQUESTED"
    assert ids(asker["joinRequests"]) == ["cas"]
    assert asker["openInvitations"] == []
    invitee = await page(store, "dora")
    assert invitee["viewerStatus"] == "INVITED"
    assert ids(invitee["openInvitations"]) == ["dora"]
    assert invitee["joinRequests"] == []
    assert (await page(store, None))["viewerStatus"] == "NONE"
    assert (await page(store, "gem"))["viewerStatus"] == "NONE"


def covered(got: dict[str, Any]) -> dict[str, list[str]]:
    return {n["skill"]["id"]: [a["id"] for a in n["coveredBy"]] for n in got["needs"]}


async def test_a_need_is_covered_only_by_members_the_viewer_sees(store: EmbeddedStore) -> None:
    # bob (a private freelancer) has the skill ini1 needs: only he sees that he covers it
    assert covered(await page(store, "bob")) == {"solar": ["bob"], "grants": []}
    assert covered(await page(store, None)) == {"solar": [], "grants": []}
    assert covered(await page(store, "ann")) == {"solar": [], "grants": []}
    # once bob shows himself to his network, the coordinator (who knows him) sees it too
    bob = (await store.get_nodes([m.NodeId("bob")]))[m.NodeId("bob")]
    assert isinstance(bob, m.Actor)
    await store.upsert([dataclasses.replace(bob, visibility=m.Visibility.NETWORK)])
    assert covered(await page(store, "ann")) == {"solar": ["bob"], "grants": []}
    assert covered(await page(store, None)) == {"solar": [], "grants": []}
    public = dataclasses.replace(bob, visibility=m.Visibility.PUBLIC)
    await store.upsert([public])
    assert covered(await page(store, None)) == {"solar": ["bob"], "grants": []}


ACCEPT = """mutation($i: ID!, $a: ID!) { acceptJoinRequest(initiative: $i, actor: $a) {
  __typename ... on MembershipSuccess { status initiative { joinRequests { actor { id } } } }
  ... on Error { code } } }"""
JOIN = """mutation($i: ID!) { joinInitiative(initiative: $i) {
  __typename ... on JoinInitiativeSuccess { status initiative { viewerStatus } } } }"""


async def test_a_request_moves_from_pending_to_members(store: EmbeddedStore) -> None:
    joined = (await execute(store, JOIN, "ent", i="ini1"))["joinInitiative"]
    assert joined["status"] == "REQUESTED"
    assert joined["initiative"]["viewerStatus"] == "REQUESTED"
    assert ids((await page(store, "ann"))["joinRequests"]) == ["cas", "ent"]
    refused = await execute(store, ACCEPT, "bob", i="ini1", a="cas")
    assert refused["acceptJoinRequest"] == {"__typename": "Error", "code": "FORBIDDEN"}
    done = (await execute(store, ACCEPT, "ann", i="ini1", a="cas"))["acceptJoinRequest"]
    assert done["status"] == "MEMBER"
    assert [x["actor"]["id"] for x in done["initiative"]["joinRequests"]] == ["ent"]
    assert (await page(store, "cas"))["viewerStatus"] == "MEMBER"


UPDATE = """mutation($i: ID!, $input: UpdateInitiativeInput!) {
  updateInitiative(initiative: $i, input: $input) {
  __typename ... on InitiativeSuccess { initiative { instruments { id } } }
  ... on Error { code field } } }"""


async def test_a_coordinator_replaces_the_instruments_it_uses(store: EmbeddedStore) -> None:
    done = await execute(store, UPDATE, "ann", i="ini1", input={"instruments": ["rtc"]})
    assert done["updateInitiative"]["initiative"]["instruments"] == [{"id": "rtc"}]
    unknown = await execute(store, UPDATE, "ann", i="ini1", input={"instruments": ["nope"]})
    assert unknown["updateInitiative"] == {
        "__typename": "Error",
        "code": "NOT_FOUND",
        "field": "instruments",
    }
    refused = await execute(store, UPDATE, "bob", i="ini1", input={"instruments": []})
    assert refused["updateInitiative"]["code"] == "FORBIDDEN"
    cleared = await execute(store, UPDATE, "ann", i="ini1", input={"instruments": []})
    assert cleared["updateInitiative"]["initiative"]["instruments"] == []
