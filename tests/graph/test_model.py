"""Domain rules: every violation is an InvalidInput that names the field."""

from __future__ import annotations

import doctest

import pytest

import graph.model
from graph.errors import InvalidInput
from graph.model import (
    Actor,
    ActorKind,
    Initiative,
    NodeId,
    NodeKind,
    Place,
    Relationship,
    RelType,
    Visibility,
    check_endpoints,
    node_from_record,
    node_props,
)


def test_doctests() -> None:
    assert doctest.testmod(graph.model).failed == 0


def test_residents_are_private_and_unmatchable_until_they_opt_in() -> None:
    ann = Actor(id=NodeId("a"), kind=ActorKind.RESIDENT, name="Ann")
    assert (ann.visibility, ann.matchable) == (Visibility.PRIVATE, False)
    bob = Actor(id=NodeId("b"), kind=ActorKind.FREELANCER, name="Bob")
    assert (bob.visibility, bob.matchable) == (Visibility.PUBLIC, True)
    opted = Actor(
        id=NodeId("c"),
        kind=ActorKind.RESIDENT,
        name="C",
        matchable=True,
        visibility=Visibility.NETWORK,
    )
    assert (opted.visibility, opted.matchable) == (Visibility.NETWORK, True)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"id": "bad id"}, "id"),
        ({"id": ""}, "id"),
        ({"kind": "Alien"}, "kind"),
        ({"email": "not-an-email"}, "email"),
        ({"visibility": "secret"}, "visibility"),
        ({"profession": "baker"}, "profession"),
        ({"subtype": "x"}, "subtype"),
        ({"legal_form": "stichting"}, "legalForm"),
        ({"revenue_models": ("sales",)}, "revenueModels"),
        ({"matchable": "yes"}, "matchable"),
    ],
)
def test_actor_validation_names_the_field(kwargs: dict[str, object], field: str) -> None:
    base: dict[str, object] = {"id": "r1", "kind": ActorKind.RESIDENT, "name": "Ann"}
    with pytest.raises(InvalidInput) as err:
        Actor(**{**base, **kwargs})  # type: ignore[arg-type]
    assert err.value.field == field


def test_enterprise_fields() -> None:
    ent = Actor(
        id=NodeId("e"),
        kind=ActorKind.ENTERPRISE,
        name="E",
        legal_form="cooperatie",  # type: ignore[arg-type]
        revenue_models=("energy_revenue", "member_contributions"),
    )  # type: ignore[arg-type]
    assert ent.legal_form == "cooperatie"
    with pytest.raises(InvalidInput) as err:
        Actor(
            id=NodeId("e"), kind=ActorKind.ENTERPRISE, name="E", revenue_models=("sales", "sales")
        )  # type: ignore[arg-type]
    assert err.value.field == "revenueModels"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"stage": "dreaming"}, "stage"),
        ({"started": "yesterday"}, "started"),
        ({"name": " "}, "name"),
    ],
)
def test_initiative_validation(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        Initiative(**{"id": "i", "name": "I", **kwargs})  # type: ignore[arg-type]
    assert err.value.field == field


def test_place_level_must_be_known() -> None:
    with pytest.raises(InvalidInput) as err:
        Place(id=NodeId("X"), name="X", level="galaxy")  # type: ignore[arg-type]
    assert err.value.field == "level"


@pytest.mark.parametrize(
    ("rtype", "props", "field"),
    [
        (RelType.MEMBER_OF, {"role": "king"}, "role"),
        (RelType.SUPPORTS, {"how": "vibes"}, "how"),
        (RelType.NEEDS, {"urgency": "now"}, "urgency"),
        (RelType.KNOWS, {"weight": 2}, "weight"),
        (RelType.KNOWS, {"colour": "red"}, "colour"),
        (RelType.MEMBER_OF, {"since": "once"}, "since"),
    ],
)
def test_relationship_props_are_checked(
    rtype: RelType, props: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        Relationship(rtype, NodeId("a"), NodeId("b"), props)
    assert err.value.field == field


def test_symmetric_relationships_have_one_direction() -> None:
    assert Relationship(RelType.KNOWS, NodeId("z"), NodeId("a")).key == ("KNOWS", "a", "z")
    assert Relationship(RelType.MEMBER_OF, NodeId("z"), NodeId("a")).key == ("MEMBER_OF", "z", "a")
    assert Relationship.trusted(RelType.KNOWS, "z", "a", {}).key == ("KNOWS", "a", "z")
    with pytest.raises(InvalidInput) as err:
        Relationship(RelType.KNOWS, NodeId("a"), NodeId("a"))
    assert err.value.field == "target"


def test_endpoint_kinds() -> None:
    rel = Relationship(RelType.WORKS_FOR, NodeId("a"), NodeId("b"))
    check_endpoints(rel, NodeKind.PROFESSIONAL, NodeKind.ORGANISATION)
    with pytest.raises(InvalidInput) as err:
        check_endpoints(rel, NodeKind.RESIDENT, NodeKind.ORGANISATION)
    assert err.value.field == "source"


def test_records_round_trip() -> None:
    ent = Actor(
        id=NodeId("e"),
        kind=ActorKind.ENTERPRISE,
        name="E",
        legal_form="bv",  # type: ignore[arg-type]
        revenue_models=("sales",),
        description="d",
    )  # type: ignore[arg-type]
    props = node_props(ent)
    assert props == {
        "name": "E",
        "description": "d",
        "visibility": "public",
        "matchable": True,
        "legal_form": "bv",
        "revenue_models": ["sales"],
        "provenance": "user",
    }
    assert node_from_record("Enterprise", "e", props) == ent
