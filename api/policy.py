"""Who may see and do what. Every resolver, filter, count, path, suggestion,
map, download and mutation asks here; no other module decides.

An anonymous viewer sees public actors in full. Anyone else (``network`` or
``private`` visibility) appears only as "<kind> in <wijk>": no name, no contact,
no ties, no skills.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from graph.errors import GraphError
from graph.model import (
    ACTOR_KINDS,
    BODY_KINDS,
    REQUEST_TYPES,
    Actor,
    ActorKind,
    MemberRole,
    Node,
    NodeId,
    NodeKind,
    RelType,
    Visibility,
)
from graph.store import Direction, GraphStore, Neighbour, Sight
from matching import MatchIndex
from matching.index import KIND_CODE

KIND_LABEL_NL = {
    ActorKind.RESIDENT: "Bewoner",
    ActorKind.FREELANCER: "ZZP'er",
    ActorKind.PROFESSIONAL: "Professional",
    ActorKind.ENTERPRISE: "Onderneming",
    ActorKind.ORGANISATION: "Organisatie",
    ActorKind.MUNICIPALITY: "Gemeente",
}
KIND_LABEL_EN = {
    ActorKind.RESIDENT: "Resident",
    ActorKind.FREELANCER: "Freelancer",
    ActorKind.PROFESSIONAL: "Professional",
    ActorKind.ENTERPRISE: "Enterprise",
    ActorKind.ORGANISATION: "Organisation",
    ActorKind.MUNICIPALITY: "Municipality",
}


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking, as identity derived it from the request's cookie or token.

    Attributes:
        account_id: the signed-in account, None when anonymous.
        actor_id: the actor (person) the account acts as, None when it has none.
        is_admin: may do anything an admin may (grant, create bodies, ...).
        staff_of: ids of bodies (enterprise, organisation, gemeente) it may act for.
        officer_of: gemeente place codes (``GMxxxx``) it is an officer of; it sees
            what policy needs (counts, kinds, places) of that gemeente's places.

    Coordinating an initiative is not a grant: it follows from the graph
    (an initiator, board or coordinator ``MEMBER_OF`` role).
    """

    account_id: str | None = None
    actor_id: str | None = None
    is_admin: bool = False
    staff_of: frozenset[str] = frozenset()
    officer_of: frozenset[str] = frozenset()

    @property
    def anonymous(self) -> bool:
        return self.account_id is None and self.actor_id is None


ANONYMOUS = Viewer()


#: MEMBER_OF roles that make an actor a coordinator of the group (may edit it, accept joins).
COORDINATOR_ROLES = frozenset({MemberRole.INITIATOR, MemberRole.BOARD, MemberRole.COORDINATOR})
#: Ties through which ``network`` visibility opens up (both ways).
TIE_TYPES = (RelType.KNOWS, RelType.PARTNERS_WITH)


class Unauthenticated(GraphError):
    """The request must come from a signed-in account."""

    code = "UNAUTHENTICATED"


class Forbidden(GraphError):
    """The signed-in account may not do this."""

    code = "FORBIDDEN"


_PUBLIC = Sight()


@dataclass(frozen=True, slots=True)
class Circle:
    """What one viewer may see and act for, derived once per request from the graph.

    Attributes:
        viewer: who is asking.
        sight: the actors and initiatives seen in full (None: all of them, for admins).
        acts_as: the actors the viewer may act for: itself and the bodies it is staff of.
        coordinates: the initiatives and enterprises the viewer coordinates.
        contacts: the people whose contact details (e-mail, website) the viewer sees:
            those it has a tie with that both agreed to (KNOWS, membership of a group it
            coordinates, a request to it) and the other side of an accepted introduction.
    """

    viewer: Viewer
    sight: Sight | None = _PUBLIC
    acts_as: frozenset[str] = frozenset()
    coordinates: frozenset[str] = frozenset()
    contacts: frozenset[str] = frozenset()

    def sees(self, node: Node) -> bool:
        """True when the viewer may see every field of ``node``."""
        return self.sight is None or self.sight.admits(node)

    def shows_contact(self, node: Node) -> bool:
        """True when the viewer may see how to reach ``node`` (e-mail, website).

        A body (enterprise, organisation, gemeente) seen in full shows its contact: that
        is what it is there for. A person's contact goes further than their profile only
        with their consent: to themselves, to whom they are tied (both agreed), to the
        coordinators of the groups they are in, and to the other side of an introduction
        they accepted; never merely because the profile is public.
        """
        if self.sight is None or node.id in self.acts_as or node.id in self.contacts:
            return True
        return node.node_kind in BODY_KINDS and self.sees(node)

    def acts_for(self, actor_id: str, node: Node | None = None) -> bool:
        """True when the viewer may act as ``actor_id``: itself, or a body it is staff of.
        Admins act for any body (``node`` tells whether it is one), never for a person."""
        if actor_id in self.acts_as:
            return True
        return self.viewer.is_admin and isinstance(node, Actor) and node.node_kind in BODY_KINDS

    def coordinator_of(self, group_id: str) -> bool:
        """True when the viewer may edit ``group_id`` and decide who joins it (admins may)."""
        return self.viewer.is_admin or group_id in self.coordinates

    def shown(self, index: MatchIndex) -> Callable[[int], bool]:
        """:meth:`sees` by index position, for matching and the network map."""
        if self.sight is None:
            return lambda i: True
        public, ids, pos = index.public, self.sight.ids, index.pos
        extra = {pos[i] for i in ids if i in pos}
        kind, private_kinds = index.kind, _VISIBLE_KIND_CODES
        return lambda i: bool(public[i]) or i in extra or kind[i] not in private_kinds


PUBLIC_CIRCLE = Circle(ANONYMOUS)
#: Index kind codes of the nodes that have a visibility (actors and initiatives).
_VISIBLE_KIND_CODES = frozenset(
    KIND_CODE[k] for k in NodeKind if k in ACTOR_KINDS or k is NodeKind.INITIATIVE
)


async def circle_of(
    viewer: Viewer,
    store: GraphStore,
    *,
    asking: Iterable[str] = (),
    introduced: Iterable[str] = (),
) -> Circle:
    """The viewer's circle: the people and groups it sees in full beyond public ones.

    A viewer sees in full: itself and the bodies it acts for; ``network``-visible
    actors tied to those (KNOWS, PARTNERS_WITH) or in a group it coordinates;
    whoever asks to know it or to join a group it coordinates, or asks it for an
    introduction (``asking``: asking shows oneself); the other side of an accepted
    introduction (``introduced``); the groups it is in or is invited to. Admins see
    everything. The same people, but not the public, see a person's contact details.
    """
    if viewer.anonymous:
        return PUBLIC_CIRCLE
    acts_as = frozenset({*([viewer.actor_id] if viewer.actor_id else []), *viewer.staff_of})
    if viewer.is_admin:
        return Circle(viewer, None, acts_as, await _coordinated(store, acts_as, viewer))
    me = [NodeId(i) for i in sorted(acts_as)]
    seen: set[str] = set(acts_as)
    network: set[str] = set()
    ties = await store.neighbours(me, types=TIE_TYPES, direction=Direction.BOTH)
    for found in ties.values():
        network.update(n.node.id for n in found if _network(n.node))
    groups = await store.neighbours(me, types=[RelType.MEMBER_OF])
    coordinates = set(await _coordinated(store, acts_as, viewer, groups))
    seen.update(n.node.id for found in groups.values() for n in found)
    asked = await store.neighbours(
        me, types=[RelType.REQUESTS, RelType.INVITES], direction=Direction.IN
    )
    seen.update(n.node.id for found in asked.values() for n in found)
    if coordinates:
        inside = await store.neighbours(
            [NodeId(g) for g in sorted(coordinates)],
            types=[RelType.MEMBER_OF, RelType.REQUESTS],
            direction=Direction.IN,
        )
        for found in inside.values():
            for n in found:
                if n.rel.type is RelType.REQUESTS or _network(n.node):
                    seen.add(n.node.id)
        seen.update(coordinates)
    introduced = frozenset(introduced)
    seen.update(asking)
    seen.update(introduced)
    everyone = frozenset(seen | network)
    return Circle(viewer, Sight(ids=everyone), acts_as, frozenset(coordinates), everyone)


def own_circle(viewer: Viewer) -> Circle:
    """What a viewer sees when its circle cannot be read (the store is down): itself."""
    acts_as = frozenset({*([viewer.actor_id] if viewer.actor_id else []), *viewer.staff_of})
    return Circle(viewer, Sight(ids=acts_as), acts_as)


def _network(node: Node) -> bool:
    return getattr(node, "visibility", None) in (Visibility.NETWORK, Visibility.PUBLIC)


async def _coordinated(
    store: GraphStore,
    acts_as: frozenset[str],
    viewer: Viewer,
    groups: dict[NodeId, list[Neighbour]] | None = None,
) -> frozenset[str]:
    if groups is None:
        groups = await store.neighbours(
            [NodeId(i) for i in sorted(acts_as)], types=[RelType.MEMBER_OF]
        )
    out: set[str] = {
        n.node.id
        for found in groups.values()
        for n in found
        if n.rel.props.get("role") in COORDINATOR_ROLES
    }
    # staff of an enterprise coordinate who joins it
    out.update(viewer.staff_of)
    return frozenset(out)


def require_signed_in(circle: Circle, what: str) -> None:
    if circle.viewer.anonymous:
        raise Unauthenticated(f"sign in to {what}")


def require_acts_for(circle: Circle, node: Node, what: str, field: str) -> None:
    """Refuse unless the viewer may act as ``node`` (itself, or a body it is staff of)."""
    require_signed_in(circle, what)
    if not circle.acts_for(node.id, node):
        raise Forbidden(f"you may not {what} for someone else", field=field)


def require_coordinator(circle: Circle, group: Node, what: str, field: str) -> None:
    """Refuse unless the viewer coordinates ``group`` (or is an admin)."""
    require_signed_in(circle, what)
    if not circle.coordinator_of(group.id):
        raise Forbidden(f"only a coordinator of this initiative may {what}", field=field)


def path_types(types: Sequence[RelType]) -> list[RelType]:
    """The relationship types a path may step through: never pending requests."""
    return [t for t in types if t not in REQUEST_TYPES]


def redacted_name(actor: Actor, place_name: str | None, lang: str = "nl") -> str:
    return redacted_kind_name(actor.kind, place_name, lang)


def redacted_kind_name(kind: ActorKind, place_name: str | None, lang: str = "nl") -> str:
    """What an actor of ``kind`` the viewer may not see in full is called ("Bewoner in
    Moerwijk"): :func:`redacted_name` for callers that hold no :class:`Actor`."""
    labels = KIND_LABEL_NL if lang == "nl" else KIND_LABEL_EN
    label = labels[kind]
    if place_name:
        return f"{label} in {place_name}"
    return f"{label} (afgeschermd)" if lang == "nl" else f"{label} (private)"


def redacted_initiative_name(place_name: str | None) -> str:
    return f"Initiatief in {place_name}" if place_name else "Initiatief (afgeschermd)"


def sees_pending(circle: Circle, group_id: str, actor_id: str) -> bool:
    """A pending request to join, or an invitation, is private to its two sides: the
    group's coordinators and the actor it concerns (or whoever acts for it)."""
    return circle.coordinator_of(group_id) or actor_id in circle.acts_as


def reveals_skills(circle: Circle, actor: Node) -> bool:
    """Whether the viewer may learn an actor's skills (as covering an initiative's need):
    only of actors it sees in full."""
    return circle.sees(actor)


def organises(circle: Circle, organisers: Iterable[Node]) -> bool:
    """True when the viewer acts for one of an event's organisers (or is an admin)."""
    return circle.viewer.is_admin or any(circle.acts_for(o.id, o) for o in organisers)


def shown_invitations(
    circle: Circle, organisers: Iterable[Node], invitations: Sequence[Neighbour]
) -> list[Neighbour]:
    """The invitations to an event (``INVITED_TO``, with answers) the viewer may read.

    Who is invited and what they answered is the invitee's to share: the whole list goes
    to the event's organisers (whoever acts for an organising actor) and admins, and each
    invitee sees only their own invitation (or those of a body they act for). Anyone else
    reads none: at most :func:`counted_invitations`.
    """
    if organises(circle, organisers):
        return list(invitations)
    return [n for n in invitations if n.node.id in circle.acts_as]


def counted_invitations(
    circle: Circle, organisers: Iterable[Node], invitations: Sequence[Neighbour]
) -> list[Neighbour]:
    """The invitations that count in the answers a viewer may tally: all of them for the
    organisers and admins, else those of invitees the viewer sees in full, so a count
    never tells anything about someone hidden from the viewer."""
    if organises(circle, organisers):
        return list(invitations)
    return [n for n in invitations if circle.sees(n.node)]
