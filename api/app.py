"""The Starlette application: the lifespan owns the store, GraphQL at /graphql."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from api import events, network, web
from api.graphiql import GRAPHIQL_DIR
from api.http import GraphQLView
from api.identity import oidc, open_identity
from api.identity import routes as identity_routes
from api.limits import Budgets, Policy, RateLimiter
from api.response_cache import ResponseCache, changed
from api.schema import schema
from api.settings import Settings
from api.stores import open_store
from api.workers import Worker
from graph import snapshot
from graph.embedded import EmbeddedStore
from graph.errors import GraphError
from graph.model import Relationship
from graph.store import Change, GraphStore
from matching import MatchIndex, build_index
from matching.features import FEATURES
from matching.index import from_snapshot, snapshot_code, snapshot_state
from matching.ranker import Ranker, beside
from network.analytics import note_write
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


async def _index_from_snapshot(store: EmbeddedStore) -> tuple[MatchIndex, bool] | None:
    """The matching index from its snapshot beside the store, brought up to date with the
    store's changes after it, and whether it needed any; None if it cannot be used."""
    found = await asyncio.to_thread(snapshot.read, store.snapshot_path("index"), snapshot_code())
    if found is None:
        return None
    stamp, state = found
    index = from_snapshot(state)
    changes = await store.changes_since(stamp) if index is not None else None
    if index is None or changes is None:
        return None
    for change in changes:
        apply_change(index, change)
    return index, bool(changes)


async def _save_snapshots(app: Starlette, store: EmbeddedStore) -> None:
    """Write the graph's and the index's snapshots where they are behind the store, then
    forget the changelog both hold. Call it while nothing writes (shutdown; in a serve
    group, only the last worker out)."""
    async with store.holding_still():
        await asyncio.to_thread(store.save_snapshot)
        saved = await _save_index_snapshot(app, store)
    if saved:
        await store.prune_changes(app.state.index_stamp["seq"])


async def _save_index_snapshot(app: Starlette, store: EmbeddedStore) -> bool:
    """Write the index's snapshot if it is behind the store; False if that failed. Call it
    inside ``store.holding_still()`` (in a group, one worker writes snapshots at a time)."""
    stamp = store.stamp()
    if app.state.index_stamp != stamp:
        state = snapshot_state(app.state.index)
        path, code = store.snapshot_path("index"), snapshot_code()
        try:
            await asyncio.to_thread(snapshot.write, path, stamp, code, state)
        except Exception as exc:  # only a cache: never a reason to stop
            log.warning("could not write the index snapshot %s: %s", path, exc)
            return False
        app.state.index_stamp = stamp
    return True


async def _start_index(app: Starlette, st: GraphStore, ranker: Ranker | None) -> None:
    """``app.state.index``: from its snapshot where the embedded store keeps snapshots,
    else (and when the snapshot cannot be used) streamed from the store.

    A snapshot is written at start only after a full build (the store writes its own
    after a full load); one that needed changes replayed is left as it is, so a start
    after ``kill -9`` is not slowed by writing: the changelog keeps those changes until
    a clean shutdown writes both snapshots anew."""
    app.state.index_stamp = None
    app.state.index_from = "store"
    if isinstance(st, EmbeddedStore):
        # in a serve group, what other workers wrote reaches the index with the graph
        st.on_changes(lambda changes: _apply_all(app, changes))
    if isinstance(st, EmbeddedStore) and st.keeps_snapshots:
        await st.load()
        stamp = st.stamp()
        found = await _index_from_snapshot(st)
        if found is not None:
            index, replayed = found
            index.ranker = ranker
            index.social()
            app.state.index = index
            app.state.index_stamp = None if replayed else stamp
            app.state.index_from = "snapshot"
        else:
            app.state.index = await _matching_index(st, ranker)
            async with st.holding_still():
                await _save_index_snapshot(app, st)
        log.info("graph from %s, matching index from %s", st.loaded_from, app.state.index_from)
        return
    app.state.index = await _matching_index(st, ranker)


@dataclass(slots=True)
class Status:
    """Where start-up is: /healthz reports it, and until ``ready`` only /healthz and
    /readyz answer (everything else is 503 "loading")."""

    phase: str = "starting"
    ready: bool = False
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    catch_up: Callable[[], Awaitable[None]] | None = None
    """In a serve group: applies the other workers' writes; run before every request."""


class _LoadingGate:
    """ASGI middleware: 503 while the app loads, for every path but the health checks;
    once ready, in a serve group, the other workers' writes are applied first (so a
    request sees every write acknowledged before it began)."""

    def __init__(self, app: ASGIApp, status: Status) -> None:
        self.app = app
        self.status = status

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.status.ready and self.status.catch_up is not None and scope["type"] == "http":
            try:
                await self.status.catch_up()
            except GraphError as exc:
                body = {"status": "unavailable", "error": str(exc)}
                response = JSONResponse(body, status_code=503, headers={"retry-after": "1"})
                await response(scope, receive, send)
                return
        if self.status.ready or scope["type"] != "http" or scope["path"] in ("/healthz", "/readyz"):
            await self.app(scope, receive, send)
            return
        response = JSONResponse(
            {"status": "failed" if self.status.error else "loading", "phase": self.status.phase},
            status_code=503,
            headers={"retry-after": "1"},
        )
        await response(scope, receive, send)


def _apply_all(app: Starlette, changes: list[Change]) -> None:
    index = app.state.index
    if index is not None:
        for change in changes:
            apply_change(index, change)


def apply_change(index: MatchIndex, change: Change) -> None:
    """Bring ``index`` up to date with one change of the store's log (idempotent)."""
    for rtype, source, target in change.gone_rels:
        index.remove_rel(Relationship(type=rtype, source=source, target=target))
    for gone in change.gone_nodes:
        index.remove_actor(gone)
    index.apply(change.nodes, change.rels)
    note_write(index, change.nodes, change.rels)
    changed()


async def _follow(app: Starlette, store: GraphStore, after: int, every: float) -> None:
    """Apply the store's change log to this worker's index, so that API workers sharing
    one Neo4j see each other's writes within about ``every`` seconds."""
    while True:
        await asyncio.sleep(every)
        try:
            found = await store.changes(after)
            gap = found.changes and found.changes[0].seq != after + 1
            if found.head < after or gap:
                # the log was reset or pruned past us: read everything again
                head = (await store.changes(found.head)).head
                app.state.index = await _matching_index(store, app.state.index.ranker)
                changed()
                after = head
                continue
            for change in found.changes:
                apply_change(app.state.index, change)
                after = change.seq
        except GraphError as exc:
            log.warning("could not follow the store's changes: %s", exc)


async def _load(
    app: Starlette,
    settings: Settings,
    st: GraphStore,
    status: Status,
    on_ready: Callable[[], None] | None,
) -> None:
    """Seed an empty store, build the matching index, then follow the change log."""
    # Loading makes millions of long-lived objects and no garbage: the cyclic collector
    # would only walk them again and again (1.6x the load time at 1M actors).
    gc.disable()
    try:
        if settings.seed_actors and await st.is_empty():
            status.phase = "seeding"
            log.info("empty store: seeding %d synthetic actors", settings.seed_actors)
            await seed_store(st, actors=settings.seed_actors, seed=settings.seed)
        status.phase = "loading"
        # changes after this are replayed onto the index (Neo4j; the embedded store's
        # memory is where the index is built from, and it follows that)
        head = 0 if isinstance(st, EmbeddedStore) else (await st.changes(0)).head
        await _start_index(app, st, load_ranker(settings))
        # The graph and the index are millions of long-lived objects: move them out of
        # the cyclic collector's sight, or its full passes stall every request. Frozen
        # before the collector is back on and without a full pass first (0.7 s of CPU
        # at 100k actors): loading leaves next to no cyclic garbage.
        gc.freeze()
    finally:
        gc.enable()
    status.phase, status.ready = "ready", True
    if on_ready is not None:
        on_ready()
    if not isinstance(st, EmbeddedStore):  # the embedded store's group catches up per request
        await _follow(app, st, head, settings.follow_ms / 1000)


def _worker_health(worker: Worker | None) -> dict[str, object]:
    """What /healthz says of the worker that answers, in a serve group."""
    if worker is None:
        return {}
    return {
        "worker": {
            "rank": worker.rank,
            "pid": os.getpid(),
            "workers": worker.count,
            "ready": worker.ready_count(),
        }
    }


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
    on_failed: Callable[[BaseException], None] | None = None,
    worker: Worker | None = None,
) -> Starlette:
    """Build the app. The store opens in the lifespan (or is handed in) and closes after.

    The lifespan returns as soon as the store is open; seeding and loading go on in the
    background (``app.state.loading``, a task) while /healthz says how far it is. A
    failure there is logged and handed to ``on_failed``. ``worker``: this app is one
    worker of ``serve --workers N`` (see :mod:`api.workers`).
    """
    status = Status()

    def ready() -> None:
        if worker is not None:
            worker.mark_ready(True)
        if on_ready is not None:
            on_ready()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        st = (
            store
            if store is not None
            else await open_store(
                settings,
                for_import=True,
                snapshot=settings.snapshots,
                group_lock=worker.lock if worker is not None else None,
            )
        )
        if isinstance(st, EmbeddedStore) and worker is not None:
            status.catch_up = st.catch_up
        where = settings
        if store is not None and not settings.identity_db and hasattr(store, "path"):
            where = settings.with_overrides(store=str(store.path))  # identity beside it
        identity = await open_identity(where)
        app.state.identity = identity
        app.state.store = st
        app.state.response_cache = ResponseCache.for_app(
            st, identity, max_entries=settings.response_cache
        )
        app.state.index = None
        app.state.status = status

        async def load() -> None:
            try:
                await _load(app, settings, st, status, ready)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                status.phase, status.error = "failed", str(exc)
                log.error("wijknet could not start: %s", exc)
                if on_failed is not None:
                    on_failed(exc)
                raise

        app.state.loading = asyncio.create_task(load())
        try:
            yield
        finally:
            app.state.loading.cancel()
            with contextlib.suppress(BaseException):
                await app.state.loading
            if worker is not None:
                worker.mark_ready(False)
            # in a serve group, only the last worker out writes them (the others' memory
            # may be as current, but two writers would only do the work twice)
            if (
                status.ready
                and isinstance(st, EmbeddedStore)
                and st.keeps_snapshots
                and st.last_member()
            ):
                try:
                    await _save_snapshots(app, st)
                except GraphError as exc:
                    log.warning("could not write the snapshots on shutdown: %s", exc)
            if identity.introductions is not None:
                await identity.introductions.close()
            await identity.store.close()
            if store is None:
                await st.close()

    async def health(request: Request) -> Response:
        if not status.ready:
            return JSONResponse(
                {
                    "status": "failed" if status.error else "loading",
                    "phase": status.phase,
                    "seconds": round(time.monotonic() - status.started, 1),
                    **({"error": status.error} if status.error else {}),
                },
                status_code=503 if status.error else 200,
            )
        try:
            stats = await request.app.state.store.stats()
        except GraphError as exc:
            return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)
        cache: ResponseCache | None = request.app.state.response_cache
        return JSONResponse(
            {
                "status": "ok",
                "ready": True,
                "nodes": stats.node_count,
                "relationships": stats.relationship_count,
                "responseCache": asdict(cache.stats) if cache is not None else None,
                **_worker_health(worker),
            }
        )

    async def readiness(request: Request) -> Response:
        if status.ready and (worker is None or worker.all_ready()):
            return JSONResponse({"status": "ready"})
        if status.ready and worker is not None:  # this worker is, another is not yet
            body = {"status": "loading", "phase": "other workers", **_worker_health(worker)}
            return JSONResponse(body, status_code=503, headers={"retry-after": "1"})
        body = {"status": "failed" if status.error else "loading", "phase": status.phase}
        return JSONResponse(body, status_code=503, headers={"retry-after": "1"})

    limits = policy_of(settings)
    graphql = GraphQLView(
        schema,
        policy=limits,
        graphql_ide="graphiql" if settings.graphiql and not settings.production else None,
        deadline=float(settings.deadline),
    )
    routes = [
        *network.routes(),  # the map page at /, its assets, /network/{place}.{format}
        *events.routes(),  # /events/{id}.ics
        *web.routes(),  # pages for people (before the account routes: /auth/* pages, /me)
        *identity_routes.routes(),  # sign-up, sign-in, /me, tokens
        *oidc.routes(),  # sign-in with an external OpenID Connect provider
        Route("/healthz", health),
        Route("/readyz", readiness),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Mount("/static/graphiql", StaticFiles(directory=GRAPHIQL_DIR), name="graphiql"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(_LoadingGate, status=status)],
        exception_handlers={404: web.not_found},  # a page in the layout for browsers
    )
    app.state.graphql_policy = limits  # the web pages run GraphQL under the same limits
    return app
