"""The ``wijknet`` command: serve, seed, stats."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import socket
import sys
import time
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.settings import Settings, SettingsError
from api.stores import open_store
from api.workers import Worker
from graph.embedded import take_lock
from graph.errors import GraphError
from seed_data.generate import expected_rel_count

console = Console(stderr=True)

_EPILOG = """\
store: a file path (embedded store, default ./wijknet.db) or a Neo4j URI such as
neo4j://127.0.0.1:7687 or neo4j+s://xxxx.databases.neo4j.io. Environment:
WIJKNET_STORE, WIJKNET_NEO4J_USER, WIJKNET_NEO4J_PASSWORD, WIJKNET_NEO4J_DATABASE,
WIJKNET_HOST, WIJKNET_PORT, WIJKNET_SEED_ACTORS, WIJKNET_SEED, WIJKNET_GRAPHIQL.
"""


def _batch_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--batch-size",
        type=int,
        help="rows per transaction (default: 50,000 into the embedded store, 5,000 into Neo4j)",
    )


def _store_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("store")
    g.add_argument(
        "--db",
        "--store",
        dest="store",
        metavar="PATH|URI",
        help="embedded store file or Neo4j URI (default ./wijknet.db)",
    )
    g.add_argument("--neo4j-user", help="Neo4j user (default neo4j)")
    g.add_argument("--neo4j-password", help="Neo4j password (better: WIJKNET_NEO4J_PASSWORD)")
    g.add_argument("--neo4j-database", help="Neo4j database (default neo4j)")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wijknet",
        description="Community network and matchmaking for Dutch neighbourhood enterprises. "
        "Alleen ga je sneller, maar samen kom je verder.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        help="serve the GraphQL API and GraphiQL",
        description="Serve GraphQL (and GraphiQL) at http://HOST:PORT/graphql. "
        "An empty store is seeded with synthetic demo data first.",
    )
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8000)")
    serve.add_argument("--open", action="store_true", help="open GraphiQL in the browser")
    serve.add_argument(
        "--seed-actors",
        type=int,
        metavar="N",
        help="actors to generate when the store is empty (default 3000; 0: none)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes serving on one socket (embedded store; default 1, also "
        "WIJKNET_WORKERS): each holds the graph in its own memory and sees the others' "
        "writes before it answers",
    )
    serve.add_argument(
        "--follow-ms",
        type=int,
        metavar="MS",
        help="how often to read the store's change log and apply other workers' writes to "
        "this worker's matching index (default 1000)",
    )
    serve.add_argument(
        "--production",
        action="store_true",
        default=None,
        help="for a public server: no GraphiQL, no introspection, no field suggestions "
        "(also WIJKNET_PRODUCTION=true)",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    _store_args(serve)

    seed = sub.add_parser(
        "seed",
        help="load reference data and a generated network",
        description="Import the real reference data (places, organisations, "
        "instruments, themes, skills) and a reproducible synthetic network.",
    )
    seed.add_argument(
        "--actors",
        type=int,
        default=3000,
        metavar="N",
        help="synthetic actors to generate, 10 to 2,000,000 (default 3000)",
    )
    seed.add_argument("--seed", type=int, help="random seed (default 42): same seed, same graph")
    _batch_arg(seed)
    _store_args(seed)

    ev = sub.add_parser(
        "evaluate",
        help="measure suggestion quality by hold-out against baselines",
        description="Hold-out evaluation: for matchable actors in two or more initiatives, "
        "hide one membership, ask for partners of that initiative and find the hidden "
        "actor's rank. Prints hit@10 and MRR for wijknet and, on the same cases, for random, "
        "popularity, skill-only, proximity-only, Adamic-Adar and resource allocation on "
        "co-membership and whole-graph personalised PageRank (CSR power iteration). wijknet "
        "is scored with hand weights and with a ranker cross-validated by membership (it "
        "never scores a case it was trained on). Over several --seeds it prints the mean "
        "and spread and whether wijknet leads the best baseline.",
    )
    train = sub.add_parser(
        "train",
        help="train the matching ranker on the store's own memberships",
        description="Self-supervised: hide known memberships one at a time, gather the "
        "initiative's candidates and learn (gradient-boosted trees, lambdarank) to put the "
        "hidden member first. Saves a small versioned model beside the data, which "
        "`wijknet serve` loads; without one it ranks by hand weights.",
    )
    _store_args(train)
    from api.evaluation import add_arguments

    add_arguments(ev, train)
    _store_args(ev)

    copy = sub.add_parser(
        "copy",
        help="copy a whole graph between stores",
        description="Copy every node and relationship from one store to another (embedded "
        "file <-> Neo4j), with progress, then check that the counts per kind and type match.",
    )
    copy.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="PATH|URI",
        help="store to read (opened read-only when it is a file)",
    )
    copy.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="PATH|URI",
        help="store to write; must be empty unless --merge",
    )
    copy.add_argument(
        "--merge",
        action="store_true",
        help="allow a target that already holds data (upserts by id)",
    )
    _batch_arg(copy)
    copy.add_argument("--neo4j-user", help="Neo4j user (default neo4j)")
    copy.add_argument("--neo4j-password", help="Neo4j password (better: WIJKNET_NEO4J_PASSWORD)")
    copy.add_argument("--neo4j-database", help="Neo4j database (default neo4j)")

    sub.add_parser(
        "schema",
        help="print the GraphQL schema (SDL)",
        description="Print the GraphQL schema; `wijknet schema > schema.graphql` "
        "refreshes the checked-in copy.",
    )

    imp = sub.add_parser(
        "import",
        help="import a folder of CSV files",
        description="Import a dataset: a folder of CSV files (places.csv, actors.csv, ...; "
        "see the README). Every row of every file is checked first; if anything is wrong, "
        "nothing is imported and each problem is listed by file, line and column. "
        "Rows upsert by id.",
    )
    imp.add_argument("folder", metavar="DIR", help="folder holding the CSV files")
    _batch_arg(imp)
    _store_args(imp)

    exp = sub.add_parser(
        "export",
        help="write the graph as CSV files (or a network map file)",
        description="Write every node and relationship into DIR (created when missing) as "
        "the CSV files `wijknet import` reads; importing them into an empty store gives "
        "back the same graph.",
    )
    exp.add_argument(
        "folder",
        metavar="PATH",
        nargs="?",
        help="folder to write the CSV files into; with --place the file to write (a folder "
        "for --format csv), by default wijknet-PLACE[-THEME].FORMAT",
    )
    exp.add_argument("--force", action="store_true", help="overwrite files already there")
    exp.add_argument(
        "--place",
        metavar="CODE",
        help="write the analysed network of this place instead (GM0518, SD0518-ESC, "
        "WK051801, ...): kind, community, broker score, place and theme per node, for "
        "Gephi or Cytoscape; non-public actors appear as on the map page",
    )
    exp.add_argument("--theme", metavar="ID", help="with --place: only this theme")
    exp.add_argument(
        "--format",
        choices=["gexf", "graphml", "csv", "json"],
        default="gexf",
        help="with --place: file format (default gexf)",
    )
    _store_args(exp)

    demo = sub.add_parser(
        "demo",
        help="remove the generated demo data",
        description="`wijknet demo remove` deletes every node the demo generator made "
        "(provenance demo) with all its relationships, and demo relationships between "
        "other nodes; reference data, imports and what users made stay as they are. "
        "A server running on the same Neo4j follows the change through the store's change log.",
    )
    demo.add_argument("action", choices=["remove", "count"], help="remove, or only count")
    _store_args(demo)

    from api.identity.cli import add_commands

    add_commands(sub, _store_args)

    stats = sub.add_parser(
        "stats",
        help="count nodes and relationships",
        description="Count nodes per kind and relationships per type.",
    )
    _store_args(stats)
    return p


def _settings(args: argparse.Namespace) -> Settings:
    base = Settings.from_env(os.environ)
    return base.with_overrides(
        store=getattr(args, "store", None),
        neo4j_user=getattr(args, "neo4j_user", None),
        neo4j_password=getattr(args, "neo4j_password", None),
        neo4j_database=getattr(args, "neo4j_database", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        seed_actors=getattr(args, "seed_actors", None),
        follow_ms=getattr(args, "follow_ms", None),
        workers=getattr(args, "workers", None),
        seed=getattr(args, "seed", None),
        production=getattr(args, "production", None),
    )


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    if settings.workers > 1:
        if settings.uses_neo4j:
            console.print(
                "[red]wijknet: --workers is for the embedded store; with Neo4j, start one "
                "`wijknet serve` per worker (they follow each other through the change log)[/]"
            )
            return 2
        from api.workers import serve_group

        return serve_group(settings, lambda worker, sock: _serve_one(settings, args, worker, sock))
    if not settings.uses_neo4j and Path(settings.store).resolve().parent.is_dir():
        # say it plainly now when another process holds the file (the store takes the
        # lock itself when it opens; a process that takes it in between is told then)
        os.close(take_lock(settings.store))
    return _serve_one(settings, args)


def _serve_one(
    settings: Settings,
    args: argparse.Namespace,
    worker: Worker | None = None,
    sock: socket.socket | None = None,
) -> int:
    """Serve in this process: alone, or as one ``worker`` of a group on ``sock``."""
    import uvicorn

    from api.app import create_app

    url = f"http://{settings.host}:{settings.port}/graphql"
    started = time.perf_counter()
    which = f" (worker {worker.rank + 1} of {worker.count})" if worker is not None else ""

    def ready() -> None:
        console.print(
            f"[bold green]wijknet is ready[/]{which} in {time.perf_counter() - started:.1f} s: "
            f"GraphiQL at [link={url}]{url}[/link] (store: {settings.store})"
        )
        if args.open and (worker is None or worker.rank == 0):
            webbrowser.open(url)

    failures: list[BaseException] = []

    def failed(exc: BaseException) -> None:
        console.print(f"[red]wijknet could not start{which}: {exc}[/]")
        failures.append(exc)
        server.should_exit = True

    app = create_app(settings, on_ready=ready, on_failed=failed, worker=worker)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=args.log_level)
    server = uvicorn.Server(config)
    server.run(sockets=[sock] if sock is not None else None)
    return 1 if failures else 0


async def _seed(settings: Settings, args: argparse.Namespace) -> int:
    from seed_data import seed_store

    if not 10 <= args.actors <= 2_000_000:
        console.print("[red]--actors must be between 10 and 2,000,000[/]")
        return 2
    # millions of small objects and no cycles among them: the cyclic GC would only
    # rescan them over and over (a short-lived import process, so this is safe)
    gc.disable()
    store = await open_store(settings, for_import=True)
    try:
        started = time.perf_counter()
        with _bar() as bar:
            nodes_task = bar.add_task("nodes", total=args.actors)
            rels_task = bar.add_task("relationships", total=expected_rel_count(args.actors))

            def progress(nodes: int, rels: int) -> None:
                bar.update(nodes_task, completed=nodes, total=max(nodes, args.actors))
                bar.update(rels_task, completed=rels)

            console.print(f"generating {args.actors:,} actors (seed {settings.seed}) ...")
            nodes, rels = await seed_store(
                store,
                actors=args.actors,
                seed=settings.seed,
                progress=progress,
                batch_size=args.batch_size,
            )
            bar.update(rels_task, completed=rels, total=rels)
        took = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        console.print(
            f"seeded {nodes:,} nodes and {rels:,} relationships into {settings.store} "
            f"in {took:.1f} s (peak memory {peak:,.0f} MiB)"
        )
    finally:
        await store.close()
    return 0


async def _evaluate(settings: Settings, args: argparse.Namespace) -> int:
    from api.evaluation import evaluate_command

    return await evaluate_command(settings, args)


async def _train(settings: Settings, args: argparse.Namespace) -> int:
    from api.evaluation import train_command

    return await train_command(settings, args)


async def _copy(settings: Settings, args: argparse.Namespace) -> int:
    from graph.model import Node, Relationship

    source = await open_store(settings.with_overrides(store=args.source), readonly=True)
    try:
        target = await open_store(settings.with_overrides(store=args.target), for_import=True)
    except BaseException:
        await source.close()
        raise
    try:
        want = await source.stats()
        before = await target.stats()
        if before.node_count and not args.merge:
            console.print(
                f"[red]{args.target} already holds {before.node_count:,} nodes; copy into an "
                "empty store, or pass --merge[/]"
            )
            return 1
        started = time.perf_counter()
        with _bar() as bar:
            read = bar.add_task("reading", total=want.node_count + want.relationship_count)
            nodes: list[Node] = []
            rels: list[Relationship] = []
            async for item in source.stream():
                if isinstance(item, Relationship):
                    rels.append(item)
                else:
                    nodes.append(item)
                if (len(nodes) + len(rels)) % 10_000 == 0:
                    bar.update(read, completed=len(nodes) + len(rels))
            bar.update(read, completed=len(nodes) + len(rels))
            write_n = bar.add_task("nodes", total=len(nodes))
            write_r = bar.add_task("relationships", total=len(rels))

            def progress(n: int, r: int) -> None:
                bar.update(write_n, completed=n)
                bar.update(write_r, completed=r)

            await target.bulk_import(nodes, rels, batch_size=args.batch_size, progress=progress)
        got = await target.stats()
        took = time.perf_counter() - started
        if args.merge:
            short = {k: v for k, v in want.nodes.items() if got.nodes.get(k, 0) < v}
            short |= {
                k: v for k, v in want.relationships.items() if got.relationships.get(k, 0) < v
            }
        else:
            short = {k: v for k, v in want.nodes.items() if got.nodes.get(k, 0) != v}
            short |= {
                k: v for k, v in want.relationships.items() if got.relationships.get(k, 0) != v
            }
        if short or (not args.merge and got != want):
            console.print(f"[red]counts differ after the copy: wanted {want}, found {got}[/]")
            return 1
        console.print(
            f"copied {len(nodes):,} nodes and {len(rels):,} relationships from {args.source} "
            f"to {args.target} in {took:.1f} s; counts per kind and type match"
        )
        return 0
    finally:
        await target.close()
        await source.close()


async def _import(settings: Settings, args: argparse.Namespace) -> int:
    from api.transfer import import_dir
    from graph.csv_format import ImportErrors

    store = await open_store(settings, for_import=True)
    try:
        started = time.perf_counter()
        with _bar() as bar:
            try:
                nodes, rels = await import_dir(
                    store, Path(args.folder), _transfer_progress(bar), batch_size=args.batch_size
                )
            except ImportErrors as exc:
                bar.stop()
                console.print(f"[red]wijknet: {escape(str(exc))}[/]", soft_wrap=True)
                return 1
        console.print(
            f"imported {nodes:,} nodes and {rels:,} relationships from {args.folder} "
            f"into {settings.store} in {time.perf_counter() - started:.1f} s"
        )
        return 0
    finally:
        await store.close()


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    from api.transfer import export_dir

    if args.place:
        from api.network import export_command

        written = await export_command(
            settings,
            place=args.place,
            fmt=args.format,
            out=args.folder,
            theme=args.theme,
            force=args.force,
        )
        console.print(f"wrote {', '.join(str(p) for p in written)}")
        return 0
    if not args.folder:
        console.print("[red]wijknet export: name a folder, or a place with --place[/]")
        return 2
    store = await open_store(settings, readonly=True)
    try:
        started = time.perf_counter()
        with _bar() as bar:
            nodes, rels = await export_dir(
                store, Path(args.folder), _transfer_progress(bar), overwrite=args.force
            )
        console.print(
            f"exported {nodes:,} nodes and {rels:,} relationships from {settings.store} "
            f"to {args.folder} in {time.perf_counter() - started:.1f} s"
        )
        return 0
    finally:
        await store.close()


async def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from api.demo import demo_counts, remove_demo

    store = await open_store(settings, readonly=args.action == "count")
    try:
        if args.action == "count":
            nodes, loose = await demo_counts(store)
            console.print(
                f"{len(nodes):,} demo nodes and {len(loose):,} demo relationships between "
                f"other nodes in {settings.store}"
            )
            return 0
        started = time.perf_counter()
        with _bar() as bar:
            task = bar.add_task("demo nodes", total=None)
            nodes_gone, rels_gone = await remove_demo(
                store, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
        console.print(
            f"removed {nodes_gone:,} demo nodes and {rels_gone:,} relationships from "
            f"{settings.store} in {time.perf_counter() - started:.1f} s"
        )
        return 0
    finally:
        await store.close()


def _transfer_progress(bar: Progress) -> Callable[[str, int, int], None]:
    """A progress callback for import/export: one bar per ``what``, made on first use."""
    tasks: dict[str, TaskID] = {}

    def update(what: str, done: int, total: int) -> None:
        if what not in tasks:
            tasks[what] = bar.add_task(what, total=total)
        bar.update(tasks[what], completed=done, total=total)

    return update


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    )


async def _stats(settings: Settings) -> int:
    store = await open_store(settings, readonly=True)
    try:
        stats = await store.stats()
    finally:
        await store.close()
    table = Table(title=f"wijknet: {settings.store}")
    table.add_column("kind / type")
    table.add_column("count", justify="right")
    for name, count in sorted(stats.nodes.items()):
        table.add_row(name, f"{count:,}")
    table.add_row("[bold]nodes[/]", f"[bold]{stats.node_count:,}[/]")
    for name, count in sorted(stats.relationships.items()):
        table.add_row(name, f"{count:,}")
    table.add_row("[bold]relationships[/]", f"[bold]{stats.relationship_count:,}[/]")
    Console().print(table)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "schema":
        from api.schema import schema

        sys.stdout.write(schema.as_str() + "\n")
        return 0
    try:
        settings = _settings(args)
        if args.command == "serve":
            return _serve(settings, args)
        if args.command == "seed":
            return asyncio.run(_seed(settings, args))
        if args.command == "import":
            return asyncio.run(_import(settings, args))
        if args.command == "export":
            return asyncio.run(_export(settings, args))
        if args.command == "evaluate":
            return asyncio.run(_evaluate(settings, args))
        if args.command == "train":
            return asyncio.run(_train(settings, args))
        if args.command == "copy":
            return asyncio.run(_copy(settings, args))
        if args.command == "demo":
            return asyncio.run(_demo(settings, args))
        if args.command in ("user", "grant", "token"):
            from api.identity.cli import run

            return asyncio.run(run(settings, args))
        return asyncio.run(_stats(settings))
    except (GraphError, SettingsError) as exc:
        console.print(f"[red]wijknet: {escape(str(exc))}[/]")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
