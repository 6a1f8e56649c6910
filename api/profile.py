"""Mutations on one's own profile: what it says, who may see it, whether it may be
suggested. Consent takes effect at once: the matching index (and with it
suggestions and the network map) hears of every change before the answer goes out.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import strawberry

from api import types as t
from api.mutations import (
    PLACE,
    SKILL,
    THEME,
    Error,
    Refused,
    acting_actor,
    by_user,
    expect_nodes,
    refusing,
)
from graph import model as m
from graph.errors import InvalidInput

R = m.RelType
_LOCATED = (R.LIVES_IN, R.LOCATED_IN)


@strawberry.input(description="What to change; fields left out stay as they are.")
class UpdateProfileInput:
    name: str | None = None
    description: str | None = None
    email: str | None = None
    website: str | None = None
    profession: str | None = None
    subtype: str | None = None
    legal_form: m.LegalForm | None = None
    revenue_models: list[m.RevenueModel] | None = None
    place_code: str | None = None
    skills: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Replaces all skills."
    )
    offers: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Replaces all offers."
    )
    interests: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Replaces all interests (theme ids)."
    )


@strawberry.type
class ActorSuccess:
    actor: t.Actor


ActorResult = Annotated[ActorSuccess | Error, strawberry.union("ActorResult")]


async def _save(info: t.Ctx, actor: m.Actor) -> ActorResult:
    await info.context.store.upsert([actor])
    info.context.wrote([actor])
    return ActorSuccess(actor=await t.wrap(actor, info))  # type: ignore[arg-type]


@strawberry.type
class ProfileMutation:
    @strawberry.mutation(
        description="Change your profile (or that of a body you act for); lists replace."
    )
    async def update_profile(
        self, info: t.Ctx, input: UpdateProfileInput, actor: strawberry.ID | None = None
    ) -> ActorResult:
        ctx = info.context
        try:
            with refusing():
                node = await acting_actor(info, actor, "change a profile")
                changes: dict[str, Any] = {
                    k: v
                    for k, v in {
                        "name": input.name.strip() if input.name is not None else None,
                        "description": input.description,
                        "email": input.email.strip() if input.email is not None else None,
                        "website": input.website,
                        "profession": input.profession,
                        "subtype": input.subtype,
                        "legal_form": input.legal_form,
                        "revenue_models": tuple(input.revenue_models)
                        if input.revenue_models is not None
                        else None,
                    }.items()
                    if v is not None
                }
                updated = dataclasses.replace(node, **changes)
                old_rels: list[m.Relationship] = []
                new_rels: list[m.Relationship] = []
                if input.place_code is not None:
                    await expect_nodes(ctx.store, [input.place_code], PLACE, "placeCode", "place")
                    located = R.LIVES_IN if node.node_kind in m.PERSON_KINDS else R.LOCATED_IN
                    old_rels += [n.rel for n in await ctx.neighbours(node.id, _LOCATED)]
                    new_rels.append(m.Relationship(located, node.id, m.NodeId(input.place_code)))
                for ids, rtype, kinds, field, what in (
                    (input.skills, R.HAS_SKILL, SKILL, "skills", "skill"),
                    (input.offers, R.OFFERS, SKILL, "offers", "skill"),
                    (input.interests, R.INTERESTED_IN, THEME, "interests", "theme"),
                ):
                    if ids is None:
                        continue
                    unique = list(dict.fromkeys(str(i) for i in ids))
                    await expect_nodes(ctx.store, unique, kinds, field, what)
                    old_rels += [n.rel for n in await ctx.neighbours(node.id, [rtype])]
                    new_rels += [m.Relationship(rtype, node.id, m.NodeId(i)) for i in unique]
                keep = {r.key for r in new_rels}
                gone = [r for r in old_rels if r.key not in keep]
                if gone:
                    await ctx.store.delete(rels=gone)
                    ctx.removed(gone)
                new_rels = by_user(new_rels)
                await ctx.store.upsert([updated], new_rels)
                ctx.wrote([updated], new_rels)
        except Refused as refused:
            return refused.error
        return ActorSuccess(actor=await t.wrap(updated, info))  # type: ignore[arg-type]

    @strawberry.mutation(
        description="Who may see you in full: PUBLIC (everyone), NETWORK (people you are tied "
        "to and coordinators of your initiatives) or PRIVATE (you). Takes effect at once."
    )
    async def set_visibility(
        self,
        info: t.Ctx,
        visibility: m.Visibility | None = None,
        actor: strawberry.ID | None = None,
    ) -> ActorResult:
        try:
            with refusing():
                if visibility is None:
                    raise InvalidInput("is required", field="visibility")
                node = await acting_actor(info, actor, "change visibility")
                return await _save(info, dataclasses.replace(node, visibility=visibility))
        except Refused as refused:
            return refused.error

    @strawberry.mutation(
        description="Whether wijknet may suggest you to initiatives (to those who may see "
        "you). Takes effect at once."
    )
    async def set_matchable(
        self, info: t.Ctx, matchable: bool | None = None, actor: strawberry.ID | None = None
    ) -> ActorResult:
        try:
            with refusing():
                if matchable is None:
                    raise InvalidInput("is required", field="matchable")
                node = await acting_actor(info, actor, "change whether you may be suggested")
                return await _save(info, dataclasses.replace(node, matchable=matchable))
        except Refused as refused:
            return refused.error
