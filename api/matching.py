"""GraphQL for matching: partner suggestions and coalitions, with reasons."""

from __future__ import annotations

from enum import Enum

import strawberry

from api import types as t
from graph import model as m
from graph.errors import NotFound, StoreUnavailable
from matching import Coalition as CoalitionResult
from matching import Draft, MatchIndex, suggest_coalition, suggest_partners
from matching import Reason as ReasonResult
from matching import Requirement as RequirementResult


@strawberry.input(description="An initiative that does not exist yet.")
class InitiativeDraftInput:
    themes: list[strawberry.ID] | None = None
    place_code: str | None = None
    needed_skills: list[strawberry.ID] | None = None
    founders: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Actors who would start it (they count as members)."
    )


@strawberry.type(description="Why this partner, in words a resident understands.")
class Reason:
    code: str = strawberry.field(
        description="SKILL, KNOWS_MEMBER, CO_MEMBER, PLACE, THEME, ROLE or INSTRUMENT."
    )
    text: str


@strawberry.type(description="The parts of a score, each between 0 and 1.")
class ScoreParts:
    skills: float = strawberry.field(description="Needed skills offered, rarer skills count more.")
    proximity: float = strawberry.field(description="Same buurt > wijk > adjacent > district.")
    warmth: float = strawberry.field(description="Warm paths: local PageRank from the members.")
    network: float = strawberry.field(
        description="Teams shared with the members: Adamic-Adar over co-membership, "
        "relative to the best candidate's."
    )
    theme: float = strawberry.field(description="Interest in or experience with the theme.")
    role: float = strawberry.field(description="Fills a role the team still lacks.")


@strawberry.type
class PartnerSuggestion:
    actor: t.Actor
    score: float
    parts: ScoreParts
    reasons: list[Reason]
    path: list[strawberry.ID] = strawberry.field(
        description="Warm path as node ids: candidate, ..., member, initiative (empty if none)."
    )


@strawberry.enum
class RequirementKind(Enum):
    SKILL = "skill"
    ROLE = "role"


@strawberry.type(description="A needed skill or a role a wijkonderneming needs.")
class Requirement:
    kind: RequirementKind
    id: strawberry.ID
    label: str


@strawberry.type
class CoalitionMember:
    actor: t.Actor
    score: float
    covers: list[Requirement]
    reasons: list[Reason]
    path: list[strawberry.ID]


@strawberry.type(description="A small team that together covers what the initiative needs.")
class Coalition:
    members: list[CoalitionMember]
    covered: list[Requirement]
    missing: list[Requirement]
    score: float = strawberry.field(description="Share of the needed weight covered, 0 to 1.")


def _draft(draft: InitiativeDraftInput | None) -> Draft | None:
    if draft is None:
        return None
    return Draft(
        themes=tuple(str(x) for x in draft.themes or ()),
        place=draft.place_code,
        needs=tuple(str(x) for x in draft.needed_skills or ()),
        founders=tuple(str(x) for x in draft.founders or ()),
    )


def _target(initiative: strawberry.ID | None, draft: InitiativeDraftInput | None) -> str | Draft:
    from graph.errors import InvalidInput

    if (initiative is None) == (draft is None):
        raise InvalidInput("give either an initiative id or a draft", field="initiative")
    return str(initiative) if initiative is not None else _draft(draft)  # type: ignore[return-value]


def _reasons(reasons: tuple[ReasonResult, ...], lang: str) -> list[Reason]:
    return [Reason(code=r.code, text=r.text(lang)) for r in reasons]


def _requirement(r: RequirementResult, lang: str) -> Requirement:
    return Requirement(
        kind=RequirementKind(r.kind), id=strawberry.ID(r.id), label=r.en if lang == "en" else r.nl
    )


def _index(info: t.Ctx) -> MatchIndex:
    index = info.context.index
    if index is None:
        raise StoreUnavailable("the matching index is still being built; try again shortly")
    return index


async def _actors(info: t.Ctx, ids: list[str]) -> dict[str, m.Node]:
    found = await info.context.store.get_nodes([m.NodeId(i) for i in ids])
    return {str(k): v for k, v in found.items()}


async def _visible_target(
    info: t.Ctx, initiative: strawberry.ID | None, draft: InitiativeDraftInput | None
) -> str | Draft:
    """The target, refusing what the viewer may not see as if it did not exist."""
    target = _target(initiative, draft)
    circle = info.context.circle
    if isinstance(target, str):
        found = await info.context.nodes.load(target)
        if found is None or not circle.sees(found):
            raise NotFound(f"there is no initiative with id {target!r}", field="initiative")
    else:
        for founder in target.founders:
            found = await info.context.nodes.load(founder)
            if found is None or not circle.sees(found):
                raise NotFound(f"there is no actor with id {founder!r}", field="draft.founders")
    return target


def _lang(info: t.Ctx, lang: t.Lang | None) -> str:
    return lang.value if lang is not None else info.context.lang


@strawberry.type
class MatchingQuery:
    @strawberry.field(
        description="Who should join this initiative (or draft)? Only matchable actors you "
        "may see in full, never current members, best first, each with reasons and a warm "
        "path that name only what you may see."
    )
    async def suggest_partners(
        self,
        info: t.Ctx,
        initiative: strawberry.ID | None = None,
        draft: InitiativeDraftInput | None = None,
        first: int = 10,
        kinds: list[m.ActorKind] | None = None,
        lang: t.Lang | None = None,
    ) -> list[PartnerSuggestion]:
        index = _index(info)
        target = await _visible_target(info, initiative, draft)
        shown = info.context.circle.shown(index)
        found = suggest_partners(index, target, k=first, kinds=kinds, shown=shown)
        nodes = await _actors(info, [s.actor for s in found])
        found = [s for s in found if s.actor in nodes]
        actors = await t.wrap_all([nodes[s.actor] for s in found], info, ("actor",))
        language = _lang(info, lang)
        return [
            PartnerSuggestion(
                actor=actor,  # type: ignore[arg-type]
                score=s.score,
                parts=ScoreParts(
                    skills=s.parts.skills,
                    proximity=s.parts.proximity,
                    warmth=s.parts.warmth,
                    network=s.parts.network,
                    theme=s.parts.theme,
                    role=s.parts.role,
                ),
                reasons=_reasons(s.reasons, language),
                path=[strawberry.ID(x) for x in s.path],
            )
            for s, actor in zip(found, actors, strict=True)
        ]

    @strawberry.field(
        description="A complementary team for this initiative (or draft): a weighted set "
        "cover of its needed skills and the roles a wijkonderneming needs."
    )
    async def suggest_coalition(
        self,
        info: t.Ctx,
        initiative: strawberry.ID | None = None,
        draft: InitiativeDraftInput | None = None,
        size: int = 7,
        lang: t.Lang | None = None,
    ) -> Coalition:
        index = _index(info)
        target = await _visible_target(info, initiative, draft)
        shown = info.context.circle.shown(index)
        result: CoalitionResult = suggest_coalition(index, target, size=size, shown=shown)
        nodes = await _actors(info, [x.actor for x in result.members])
        chosen = [x for x in result.members if x.actor in nodes]
        actors = await t.wrap_all([nodes[x.actor] for x in chosen], info, ("members", "actor"))
        language = _lang(info, lang)
        return Coalition(
            members=[
                CoalitionMember(
                    actor=actor,  # type: ignore[arg-type]
                    score=x.score,
                    covers=[_requirement(r, language) for r in x.covers],
                    reasons=_reasons(x.reasons, language),
                    path=[strawberry.ID(p) for p in x.path],
                )
                for x, actor in zip(chosen, actors, strict=True)
            ],
            covered=[_requirement(r, language) for r in result.covered],
            missing=[_requirement(r, language) for r in result.missing],
            score=result.score,
        )
