"""Who may see and do what. Every resolver, filter, count, path, suggestion,
map, download and mutation asks here; no other module decides.

An anonymous viewer sees public actors in full. Anyone else (``network`` or
``private`` visibility) appears only as "<kind> in <wijk>": no name, no contact,
no ties, no skills.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.model import Actor, ActorKind, Initiative, Node, Visibility

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


def sees_in_full(viewer: Viewer, node: Node) -> bool:
    """True when ``viewer`` may see every field of ``node``."""
    if isinstance(node, Actor):
        if viewer.actor_id == node.id:
            return True
        return node.visibility is Visibility.PUBLIC
    if isinstance(node, Initiative):
        return node.visibility is Visibility.PUBLIC or not viewer.anonymous
    return True


def text_search_visibility(viewer: Viewer) -> frozenset[Visibility]:
    """Searching by text may only find what the viewer can read the text of
    (actors and initiatives alike; see :func:`sees_in_full`)."""
    return frozenset({Visibility.PUBLIC})


def redacted_name(actor: Actor, place_name: str | None, lang: str = "nl") -> str:
    labels = KIND_LABEL_NL if lang == "nl" else KIND_LABEL_EN
    label = labels[actor.kind]
    if place_name:
        return f"{label} in {place_name}"
    return f"{label} (afgeschermd)" if lang == "nl" else f"{label} (private)"


def redacted_initiative_name(place_name: str | None) -> str:
    return f"Initiatief in {place_name}" if place_name else "Initiatief (afgeschermd)"
