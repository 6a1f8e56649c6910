"""The GraphQL schema: queries, the mutations of ``api.mutations``, and safety limits."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension
from strawberry.types import ExecutionContext

from api import instruments, policy
from api import types as t
from api.context import Context
from api.events import EventMutation, EventQuery
from api.examples import ExamplesQuery
from api.identity.audit import audit_mutations
from api.identity.graphql import IdentityMutation, IdentityQuery
from api.initiatives import InitiativeMutation
from api.introductions.graphql import IntroductionMutation, IntroductionQuery
from api.limits import RequestLimits, current_policy
from api.matching import MatchingQuery
from api.mutations import Mutation
from api.network import NetworkQuery
from api.profile import ProfileMutation
from api.relay import NODES, Connection, asks_total, connection
from api.resolvers import FastExecutionContext, streamline
from api.response_cache import CachedResponses
from api.ties import TieMutation
from api.types import DEFAULT_PAGE
from api.validation import Limits
from graph import model as m
from graph.errors import GraphError, StoreUnavailable
from graph.store import MAX_PAGE, MAX_SEARCH, NodeFilter, Page, encode_cursor
from seed_data.postcodes import places_for_postcode

log = logging.getLogger("wijknet.api")
SOCIAL_TYPES = (
    m.RelType.KNOWS,
    m.RelType.MEMBER_OF,
    m.RelType.PARTNERS_WITH,
    m.RelType.SUPPORTS,
    m.RelType.WORKS_FOR,
)


@strawberry.type
class PathStep:
    type: m.RelType
    source: strawberry.ID = strawberry.field(name="from")
    target: strawberry.ID = strawberry.field(name="to")
    origin: t.Source = strawberry.field(name="source", description="Where this tie comes from.")


@strawberry.type(description="How two nodes are connected: nodes in order and the ties between.")
class Path:
    length: int
    nodes: list[t.Node]
    steps: list[PathStep]


@strawberry.type
class Count:
    name: str
    count: int


@strawberry.type
class Stats:
    nodes: list[Count]
    relationships: list[Count]
    node_count: int
    relationship_count: int


@strawberry.type
class Query(
    MatchingQuery, NetworkQuery, IdentityQuery, ExamplesQuery, EventQuery, IntroductionQuery
):
    @strawberry.field(description="Any node by id.")
    async def node(self, info: t.Ctx, id: strawberry.ID) -> t.Node | None:
        found = await info.context.nodes.load(str(id))
        return await t.wrap(found, info, ()) if found else None

    @strawberry.field(description="An actor by id.")
    async def actor(self, info: t.Ctx, id: strawberry.ID) -> t.Actor | None:
        found = await info.context.nodes.load(str(id))
        return await t.wrap(found, info, ()) if isinstance(found, m.Actor) else None  # type: ignore[return-value]

    @strawberry.field(
        description="Actors, filtered and paged. `place` includes everything inside it; "
        "`skill` matches HAS_SKILL and OFFERS; `text` matches every word in name or "
        f"description (at most {MAX_SEARCH} characters). At most {MAX_PAGE} per page."
    )
    async def actors(
        self,
        info: t.Ctx,
        kind: list[m.ActorKind] | None = None,
        place: str | None = None,
        skill: strawberry.ID | None = None,
        theme: strawberry.ID | None = None,
        text: str | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> Connection[t.Actor]:
        flt = NodeFilter(
            kinds=t.actor_kinds(kind),
            place=m.NodeId(place) if place else None,
            skill=m.NodeId(skill) if skill else None,
            theme=m.NodeId(theme) if theme else None,
            text=text or None,
            sight=info.context.circle.sight,
        )
        page = await info.context.store.list_nodes(
            flt, first=first, after=after, count=asks_total(info)
        )
        return connection(page, await t.wrap_all(page.items, info, NODES), after=after)  # type: ignore[arg-type]

    @strawberry.field(description="An initiative by id.")
    async def initiative(self, info: t.Ctx, id: strawberry.ID) -> t.Initiative | None:
        found = await info.context.nodes.load(str(id))
        return await t.wrap(found, info, ()) if isinstance(found, m.Initiative) else None  # type: ignore[return-value]

    @strawberry.field(
        description="Initiatives, filtered and paged. `skill` matches what they NEED; "
        f"`theme` what they are ABOUT; `text` (at most {MAX_SEARCH} characters) every word "
        "in name or description."
    )
    async def initiatives(
        self,
        info: t.Ctx,
        place: str | None = None,
        skill: strawberry.ID | None = None,
        theme: strawberry.ID | None = None,
        text: str | None = None,
        stage: m.InitiativeStage | None = None,
        instrument: strawberry.ID | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> Connection[t.Initiative]:
        if instrument:
            page = await instruments.users(
                info,
                str(instrument),
                place=place,
                theme=str(theme) if theme else None,
                skill=str(skill) if skill else None,
                stage=stage,
                text=text,
                first=first,
                after=after,
            )
            return connection(page, await t.wrap_all(page.items, info, NODES), after=after)  # type: ignore[arg-type]
        flt = NodeFilter(
            kinds=frozenset({m.NodeKind.INITIATIVE}),
            place=m.NodeId(place) if place else None,
            skill=m.NodeId(skill) if skill else None,
            theme=m.NodeId(theme) if theme else None,
            text=text or None,
            stage=stage,
            sight=info.context.circle.sight,
        )
        page = await info.context.store.list_nodes(
            flt, first=first, after=after, count=asks_total(info)
        )
        return connection(page, await t.wrap_all(page.items, info, NODES), after=after)  # type: ignore[arg-type]

    @strawberry.field(description="A place by code: GM0518, WK051801, SD0518-ESC, PV28, ...")
    async def place(self, info: t.Ctx, code: str) -> t.Place | None:
        found = await info.context.nodes.load(code)
        return t.Place.of(found) if isinstance(found, m.Place) else None

    @strawberry.field(
        description=(
            f"Places, by name text (at most {MAX_SEARCH} characters), in code order. A "
            "postcode as text (2532 or 2532 AB) finds the wijken its 4 digits lie in "
            "(largest share first; known for the five seed gemeenten only)."
        )
    )
    async def places(
        self,
        info: t.Ctx,
        text: str | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> Connection[t.Place]:
        by_postcode = places_for_postcode(text) if text else None
        if by_postcode is not None:
            return await _postcode_places(info, by_postcode, first=first, after=after)
        flt = NodeFilter(kinds=frozenset({m.NodeKind.PLACE}), text=text or None)
        page = await info.context.store.list_nodes(
            flt, first=first, after=after, count=asks_total(info)
        )
        return connection(page, [t.Place.of(n) for n in page.items], after=after)

    @strawberry.field(description="The skill taxonomy.")
    async def skills(self, info: t.Ctx, text: str | None = None) -> list[t.Skill]:
        return [t.Skill.of(n) for n in await _all(info, m.NodeKind.SKILL, text)]

    @strawberry.field(description="All themes.")
    async def themes(self, info: t.Ctx) -> list[t.Theme]:
        return [t.Theme.of(n) for n in await _all(info, m.NodeKind.THEME, None)]

    @strawberry.field(description="All instruments.")
    async def instruments(self, info: t.Ctx) -> list[t.Instrument]:
        return [t.Instrument.of(n) for n in await _all(info, m.NodeKind.INSTRUMENT, None)]

    @strawberry.field(
        description="The shortest chain of ties between two nodes (ignoring direction), at "
        "most `maxHops` long; by default through social ties only (KNOWS, MEMBER_OF, "
        "PARTNERS_WITH, SUPPORTS, WORKS_FOR), and only through people, bodies and initiatives "
        "you may see. Null when there is none that short."
    )
    async def path(
        self,
        info: t.Ctx,
        source: Annotated[strawberry.ID, strawberry.argument(name="from")],
        target: Annotated[strawberry.ID, strawberry.argument(name="to")],
        max_hops: int = 4,
        via: list[m.RelType] | None = None,
    ) -> Path | None:
        found = await info.context.store.shortest_path(
            m.NodeId(source),
            m.NodeId(target),
            max_hops=max_hops,
            types=policy.path_types(via or SOCIAL_TYPES),
            sight=info.context.circle.sight,
        )
        if found is None:
            return None
        by_id = {n.id: n for n in found.nodes}
        return Path(
            length=len(found.rels),
            nodes=await t.wrap_all(found.nodes, info, ("nodes",)),
            steps=[
                PathStep(
                    type=r.type,
                    source=strawberry.ID(r.source),
                    target=strawberry.ID(r.target),
                    origin=t.Source.of_rel(r, by_id.get(r.source), by_id.get(r.target)),
                )
                for r in found.rels
            ],
        )

    @strawberry.field(description="How many nodes and relationships of each kind there are.")
    async def stats(self, info: t.Ctx) -> Stats:
        s = await info.context.store.stats()
        return Stats(
            nodes=[Count(name=k, count=v) for k, v in sorted(s.nodes.items())],
            relationships=[Count(name=k, count=v) for k, v in sorted(s.relationships.items())],
            node_count=s.node_count,
            relationship_count=s.relationship_count,
        )


async def _postcode_places(
    info: t.Ctx, codes: tuple[str, ...], *, first: int, after: str | None
) -> Connection[t.Place]:
    """The places of a postcode as one connection page (a postcode has a few)."""
    found = await info.context.nodes.load_many(list(codes))
    places: list[m.Node] = [n for n in found if isinstance(n, m.Place)] if after is None else []
    items = places[: max(first, 0)]
    page = Page(
        items=items,
        total=len(places),
        end_cursor=encode_cursor(items[-1].id) if items else None,
        has_next=len(places) > len(items),
    )
    return connection(page, [t.Place.of(n) for n in page.items], after=after)


async def _all(info: t.Ctx, kind: m.NodeKind, text: str | None) -> list[m.Node]:
    out: list[m.Node] = []
    after: str | None = None
    while True:
        flt = NodeFilter(kinds=frozenset({kind}), text=text or None)
        page = await info.context.store.list_nodes(flt, first=MAX_PAGE, after=after)
        out += page.items
        if not page.has_next:
            return out
        after = page.end_cursor


CLIENT_ERROR = "BAD_USER_INPUT"
"""``extensions.classification`` of an error the request caused (bad input, unknown id,
a conflict, a limit): the marker GraphQL tools read as "the client's fault, not a crash"."""


class ViewerCircle(SchemaExtension):
    """Before anything resolves, derive what the request's viewer sees and acts for."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        # an answer already there (a refusal, or from the response cache) needs no circle
        if isinstance(context, Context) and self.execution_context.result is None:
            try:
                await context.see_as_viewer()
            except GraphError:  # the store is down: what needs it will say so itself
                context.circle = policy.own_circle(context.viewer)
                context.circle_exact = False
        yield


class GraphErrorCodes(SchemaExtension):
    """Give expected errors a machine-readable ``extensions.code`` and ``field``, and
    ``classification`` when the request, not the server, was at fault."""

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        for error in result.errors:
            original = error.original_error
            if isinstance(original, GraphError):
                extensions = dict(error.extensions or {})
                extensions["code"] = original.code
                if original.field:
                    extensions["field"] = original.field
                if not isinstance(original, StoreUnavailable):
                    extensions["classification"] = CLIENT_ERROR
                error.extensions = extensions


def _unexpected(error: GraphQLError) -> bool:
    """True for a crash: an exception that is neither ours (GraphError) nor GraphQL's own
    (parse, validation, variable coercion, limits), whose message must not leak."""
    return error.original_error is not None and not isinstance(
        error.original_error, GraphError | GraphQLError
    )


_mask = _unexpected


class WijknetSchema(strawberry.Schema):
    """Logs expected errors (bad input, store unavailable, a malformed or refused query) as
    one line, not a traceback; hides suggestions when the app's policy says so."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        unexpected = []
        for error in errors:
            if isinstance(error.original_error, GraphError):
                log.info("%s: %s", error.original_error.code, error.original_error)
            elif _unexpected(error):
                unexpected.append(error)
            else:
                log.info("refused: %s", error.message.splitlines()[0][:200])
        super().process_errors(unexpected, execution_context)

    def _get_custom_context_kwargs(
        self, operation_extensions: dict[str, Any] | None = None, *, sync: bool = False
    ) -> dict[str, Any]:
        kwargs = super()._get_custom_context_kwargs(operation_extensions, sync=sync)
        kwargs["hide_suggestions"] = not current_policy.get().suggestions
        return kwargs


@strawberry.type(name="Mutation")
class RootMutation(
    Mutation,
    TieMutation,
    ProfileMutation,
    InitiativeMutation,
    IdentityMutation,
    EventMutation,
    IntroductionMutation,
):
    """The graph's mutations, identity's (tokens, eraseMe) and events'."""


def build_schema(*, streamlined: bool = True) -> strawberry.Schema:
    """The schema; ``streamlined=False`` keeps strawberry's own resolvers and execution
    (to check that :func:`api.resolvers.streamline` changes no answer)."""
    audit_mutations(RootMutation)  # every mutation's writes and refusals into the audit log
    built = WijknetSchema(
        query=Query,
        mutation=RootMutation,
        types=[
            t.Resident,
            t.Freelancer,
            t.Professional,
            t.Enterprise,
            t.Organisation,
            t.Municipality,
        ],
        execution_context_class=FastExecutionContext if streamlined else None,
        # factories, so every request gets fresh extensions; `**_` accepts the
        # `execution_context=` that older strawberry releases pass to them. The limits'
        # rules are built once (api.validation), so validation is cached across requests.
        extensions=[
            lambda **_: ParserCache(maxsize=1024),
            Limits,
            RequestLimits,
            CachedResponses,  # after the limits, before the circle: see api.response_cache
            ViewerCircle,
            GraphErrorCodes,
            lambda **_: MaskErrors(
                should_mask_error=_mask,
                error_message="Unexpected error on the server; it has been logged.",
            ),
        ],
    )
    if streamlined:  # the cheapest resolver per field; async ones complete in one step
        streamline(built)
    return built


schema = build_schema()
