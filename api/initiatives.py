"""Mutations that change or end an initiative: only its coordinators (initiator,
board, coordinator members) and admins may, as :mod:`api.policy` decides.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import strawberry

from api import policy
from api import types as t
from api.mutations import (
    INITIATIVE,
    INSTRUMENT,
    PLACE,
    SKILL,
    THEME,
    Error,
    Refused,
    by_user,
    expect_nodes,
    expect_one,
    refusing,
)
from graph import model as m
from graph.errors import InvalidInput, NotFound
from graph.store import Direction

R = m.RelType


@strawberry.input(description="What to change; fields left out stay as they are.")
class UpdateInitiativeInput:
    name: str | None = None
    description: str | None = None
    stage: m.InitiativeStage | None = strawberry.field(
        default=None, description="ENDED ends the initiative."
    )
    started: str | None = None
    visibility: m.Visibility | None = None
    place_code: str | None = None
    themes: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Replaces all themes (at least one)."
    )
    instruments: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Replaces the instruments it uses (an empty list: none)."
    )


@strawberry.type
class InitiativeSuccess:
    initiative: t.Initiative


@strawberry.type
class DeleteInitiativeSuccess:
    id: strawberry.ID


InitiativeResult = Annotated[InitiativeSuccess | Error, strawberry.union("InitiativeResult")]
DeleteInitiativeResult = Annotated[
    DeleteInitiativeSuccess | Error, strawberry.union("DeleteInitiativeResult")
]


async def _coordinated(info: t.Ctx, initiative: strawberry.ID | None, what: str) -> m.Initiative:
    node = await expect_one(info, initiative, INITIATIVE, "initiative", "initiative")
    policy.require_coordinator(info.context.circle, node, what, "initiative")
    assert isinstance(node, m.Initiative)
    return node


@strawberry.type
class InitiativeMutation:
    @strawberry.mutation(description="Change an initiative (coordinators); stage ENDED ends it.")
    async def update_initiative(
        self,
        info: t.Ctx,
        input: UpdateInitiativeInput,
        initiative: strawberry.ID | None = None,
    ) -> InitiativeResult:
        ctx = info.context
        try:
            with refusing():
                node = await _coordinated(info, initiative, "change it")
                changes: dict[str, Any] = {
                    k: v
                    for k, v in {
                        "name": input.name.strip() if input.name is not None else None,
                        "description": input.description,
                        "stage": input.stage,
                        "started": input.started,
                        "visibility": input.visibility,
                    }.items()
                    if v is not None
                }
                updated = dataclasses.replace(node, **changes)
                old: list[m.Relationship] = []
                new: list[m.Relationship] = []
                if input.place_code is not None:
                    await expect_nodes(ctx.store, [input.place_code], PLACE, "placeCode", "place")
                    old += [n.rel for n in await ctx.neighbours(node.id, [R.LOCATED_IN])]
                    new.append(m.Relationship(R.LOCATED_IN, node.id, m.NodeId(input.place_code)))
                if input.themes is not None:
                    themes = list(dict.fromkeys(str(x) for x in input.themes))
                    if not themes:
                        raise InvalidInput("name at least one theme", field="themes")
                    await expect_nodes(ctx.store, themes, THEME, "themes", "theme")
                    old += [n.rel for n in await ctx.neighbours(node.id, [R.ABOUT])]
                    new += [m.Relationship(R.ABOUT, node.id, m.NodeId(x)) for x in themes]
                if input.instruments is not None:
                    used = list(dict.fromkeys(str(x) for x in input.instruments))
                    await expect_nodes(ctx.store, used, INSTRUMENT, "instruments", "instrument")
                    old += [n.rel for n in await ctx.neighbours(node.id, [R.USES])]
                    new += [m.Relationship(R.USES, node.id, m.NodeId(x)) for x in used]
                keep = {r.key for r in new}
                gone = [r for r in old if r.key not in keep]
                if gone:
                    await ctx.store.delete(rels=gone)
                    ctx.removed(gone)
                new = by_user(new)
                await ctx.store.upsert([updated], new)
                ctx.wrote([updated], new)
        except Refused as refused:
            return refused.error
        return InitiativeSuccess(initiative=await t.wrap(updated, info))  # type: ignore[arg-type]

    @strawberry.mutation(description="Say that an initiative no longer looks for a skill.")
    async def remove_need(
        self,
        info: t.Ctx,
        initiative: strawberry.ID | None = None,
        skill: strawberry.ID | None = None,
    ) -> InitiativeResult:
        ctx = info.context
        try:
            with refusing():
                node = await _coordinated(info, initiative, "remove a need")
                wanted = await expect_one(info, skill, SKILL, "skill", "skill")
                found = [
                    n.rel
                    for n in await ctx.neighbours(node.id, [R.NEEDS])
                    if n.node.id == wanted.id
                ]
                if not found:
                    raise NotFound("this initiative does not look for that skill", field="skill")
                await ctx.store.delete(rels=found)
                ctx.removed(found)
        except Refused as refused:
            return refused.error
        return InitiativeSuccess(initiative=await t.wrap(node, info))  # type: ignore[arg-type]

    @strawberry.mutation(
        description="Delete an initiative and every tie to it (coordinators). To keep its "
        "history, end it instead (updateInitiative with stage ENDED)."
    )
    async def delete_initiative(
        self, info: t.Ctx, initiative: strawberry.ID | None = None
    ) -> DeleteInitiativeResult:
        ctx = info.context
        try:
            with refusing():
                node = await _coordinated(info, initiative, "delete it")
                found = await ctx.store.neighbours([node.id], direction=Direction.BOTH)
                rels = [n.rel for n in found.get(node.id, [])]
                await ctx.store.delete(nodes=[node.id])
                ctx.removed(rels, [node.id])
                await ctx.see_as_viewer()
        except Refused as refused:
            return refused.error
        return DeleteInitiativeSuccess(id=strawberry.ID(node.id))
