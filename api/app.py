"""The Starlette application: the lifespan owns the store, GraphQL at /graphql."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from api import events, network
from api.graphiql import GRAPHIQL_DIR
from api.http import GraphQLView
from api.identity import oidc, open_identity
from api.identity import routes as identity_routes
from api.limits import Budgets, Policy, RateLimiter
from api.schema import schema
from api.settings import Settings
from api.stores import open_store
from graph.errors import GraphError
from graph.store import GraphStore
from matching import MatchIndex, build_index
from matching.features import FEATURES
from matching.ranker import Ranker, beside
from seed_data import seed_store

log = logging.getLogger("wijknet")


def load_ranker(settings: Settings) -> Ranker | None:
    """The trained matching ranker (``wijknet train``): WIJKNET_RANKER, else the file
    beside the embedded store; None (hand weights) when there is none or it is unusable."""
    path = Path(settings.ranker) if settings.ranker else beside(settings.store)
    if path is None or not path.is_file():
        return None
    try:
        model = Ranker.load(path)
        model.columns(FEATURES)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("ignoring the ranker in %s (hand weights instead): %s", path, exc)
        return None
    log.info("matching ranker from %s, trained %s", path, model.trained_at)
    return model


async def _matching_index(store: GraphStore, ranker: Ranker | None) -> MatchIndex:
    index = await build_index(store.stream())
    index.ranker = ranker
    return index


async def _refresh_index(app: Starlette, store: GraphStore, every: float) -> None:
    """Rebuild the matching index from the store every ``every`` seconds, so that API
    workers sharing one Neo4j also see each other's writes."""
    while True:
        await asyncio.sleep(every)
        try:
            app.state.index = await _matching_index(store, app.state.index.ranker)
        except GraphError as exc:
            log.warning("could not refresh the matching index: %s", exc)


def policy_of(settings: Settings) -> Policy:
    """The limits ``settings`` ask for; ``limits=False`` lifts the cost limit and budgets."""
    limiter = RateLimiter(
        Budgets(
            cost=settings.cost_budget,
            mutations=settings.mutation_budget,
            expensive=settings.expensive_budget,
            sign_in=settings.sign_in_budget,
        )
    )
    return Policy(
        limiter=limiter if settings.limits else None,
        max_cost=settings.max_cost if settings.limits else 10**18,
        introspection=not settings.production,
        suggestions=not settings.production,
    )


def create_app(
    settings: Settings,
    *,
    store: GraphStore | None = None,
    on_ready: Callable[[], None] | None = None,
) -> Starlette:
    """Build the app. The store opens in the lifespan (or is handed in) and closes after."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        st = store if store is not None else await open_store(settings)
        where = settings
        if store is not None and not settings.identity_db and hasattr(store, "path"):
            where = settings.with_overrides(store=str(store.path))  # identity beside it
        identity = await open_identity(where)
        app.state.identity = identity
        try:
            if settings.seed_actors and (await st.stats()).node_count == 0:
                log.info("empty store: seeding %d synthetic actors", settings.seed_actors)
                await seed_store(st, actors=settings.seed_actors, seed=settings.seed)
            app.state.store = st
            app.state.index = await _matching_index(st, load_ranker(settings))
            # The graph and the index are millions of long-lived objects: move them out of
            # the cyclic collector's sight, or its full passes stall every request.
            gc.collect()
            gc.freeze()
            refresher = (
                asyncio.create_task(_refresh_index(app, st, settings.index_refresh))
                if settings.index_refresh
                else None
            )
            if on_ready is not None:
                on_ready()
            yield
            if refresher is not None:
                refresher.cancel()
        finally:
            await identity.store.close()
            if store is None:
                await st.close()

    async def health(request: Request) -> Response:
        try:
            stats = await request.app.state.store.stats()
        except GraphError as exc:
            return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)
        return JSONResponse(
            {"status": "ok", "nodes": stats.node_count, "relationships": stats.relationship_count}
        )

    graphql = GraphQLView(
        schema,
        policy=policy_of(settings),
        graphql_ide="graphiql" if settings.graphiql and not settings.production else None,
        deadline=float(settings.deadline),
    )
    routes = [
        *network.routes(),  # the map page at /, its assets, /network/{place}.{format}
        *events.routes(),  # /events/{id}.ics
        *identity_routes.routes(),  # sign-up, sign-in, /me, tokens
        *oidc.routes(),  # sign-in with an external OpenID Connect provider
        Route("/healthz", health),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Mount("/static/graphiql", StaticFiles(directory=GRAPHIQL_DIR), name="graphiql"),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
