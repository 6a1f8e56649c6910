"""``wijknet evaluate`` and ``wijknet train``: matching quality and the learned ranker."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.settings import Settings
from api.stores import open_store
from matching.index import MatchIndex

console = Console(stderr=True)
out = Console()


def seeds_arg(text: str) -> list[int]:
    """``3``, ``1-5`` or ``1,4,9``."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            lo, _, hi = part.partition("-")
            seeds.extend(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds are like 3, 1-5 or 1,4,9; got {text!r}") from None
    if not seeds:
        raise argparse.ArgumentTypeError("give at least one seed")
    return seeds


def add_arguments(ev: argparse.ArgumentParser, train: argparse.ArgumentParser) -> None:
    ev.add_argument(
        "--seeds",
        type=seeds_arg,
        default=None,
        help="seeds that pick the cases, e.g. 1-5 (default: --seed)",
    )
    ev.add_argument("--seed", type=int, default=1, help="one seed (default 1)")
    ev.add_argument("--cases", type=int, default=300, help="hold-out cases per seed (default 300)")
    ev.add_argument(
        "--dataset",
        default="store",
        metavar="store|davis|florentine|DIR",
        help="the store's data (default), the Davis Southern Women graph or the Florentine "
        "families networkx ships, or a folder in wijknet's CSV format, imported into a "
        "temporary store",
    )
    ev.add_argument("--skip-pagerank", action="store_true", help="leave out whole-graph PageRank")
    ev.add_argument(
        "--networkx",
        action="store_true",
        help="also run networkx's pagerank (slow), as a cross-check of the CSR one",
    )
    ev.add_argument(
        "--hand-only",
        action="store_true",
        help="leave out the cross-validated ranker (which trains one model per fold)",
    )
    ev.add_argument(
        "--folds", type=int, default=5, help="cross-validation folds of the ranker (default 5)"
    )
    ev.add_argument(
        "--train-memberships",
        type=int,
        default=1000,
        help="further memberships (no case) the ranker also learns from (default 1000)",
    )
    train.add_argument(
        "--model",
        metavar="PATH",
        help="where to save the model (default: beside the embedded store, "
        "<store>.ranker.json; required for Neo4j)",
    )
    train.add_argument(
        "--memberships",
        type=int,
        default=1500,
        help="known memberships to learn from, each hidden in turn (default 1500)",
    )
    train.add_argument("--seed", type=int, default=0, help="sampling and model seed (default 0)")


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


async def _load(settings: Settings, dataset: str) -> tuple[MatchIndex, str]:
    from matching import build_index, build_index_sync
    from matching.evaluate import davis_southern_women, florentine_families

    if dataset == "davis":
        title = "Davis Southern Women (networkx): women as actors, events as initiatives"
        return build_index_sync(*davis_southern_women()), title
    if dataset == "florentine":
        title = "Florentine families (networkx): families as actors, their circles as initiatives"
        return build_index_sync(*florentine_families()), title
    if dataset == "store":
        store = await open_store(settings, readonly=True)
        try:
            return await build_index(store.stream()), f"hold-out on {settings.store}"
        finally:
            await store.close()
    from api.transfer import import_dir

    folder = Path(dataset)
    if not folder.is_dir():
        raise SystemExit(
            f"wijknet: --dataset {dataset!r} is neither store, davis, florentine nor a folder"
        )
    with tempfile.TemporaryDirectory(prefix="wijknet-eval-") as tmp:
        temp = settings.with_overrides(store=str(Path(tmp) / "dataset.db"))
        store = await open_store(temp, for_import=True)
        try:
            await import_dir(store, folder)
        finally:
            await store.close()
        store = await open_store(temp, readonly=True)
        try:
            return await build_index(store.stream()), f"hold-out on {folder}"
        finally:
            await store.close()


async def evaluate_command(settings: Settings, args: argparse.Namespace) -> int:
    from matching.evaluate import (
        CSR_PPR,
        DEFAULT_METHODS,
        HAND,
        NX_PPR,
        RANKER,
        Result,
        evaluate,
        summarise,
        verdict,
    )

    index, title = await _load(settings, args.dataset)
    methods = list(DEFAULT_METHODS)
    if args.skip_pagerank:
        methods.remove(CSR_PPR)
    if args.networkx:
        methods.append(NX_PPR)
    if args.hand_only:
        methods.remove(RANKER)
    seeds = args.seeds or [args.seed]
    runs: list[list[Result]] = []
    for seed in seeds:
        with _bar() as bar:
            task = bar.add_task("evaluating", total=None)

            def progress(
                method: str, done: int, total: int, task: TaskID = task, seed: int = seed
            ) -> None:
                bar.update(task, description=f"seed {seed}: {method}", completed=done, total=total)

            try:
                results = evaluate(
                    index,
                    seed=seed,
                    cases=args.cases,
                    methods=methods,
                    progress=progress,
                    folds=args.folds,
                    train_memberships=args.train_memberships,
                )
            except ValueError as exc:
                console.print(f"[red]{exc}[/]")
                return 1
        runs.append(results)
        table = Table(title=f"{title} ({results[0].cases} cases, seed {seed})")
        for col in ("method", "hit@10", "MRR", "ms/query"):
            table.add_column(col, justify="left" if col == "method" else "right")
        for r in results:
            table.add_row(r.method, f"{r.hit_at_10:.3f}", f"{r.mrr:.3f}", f"{r.ms_per_query:.1f}")
        out.print(table)
    summary = summarise(runs)
    table = Table(title=f"{title}: mean and standard deviation over seeds {seeds}")
    for col in ("method", "hit@10", "sd", "MRR", "sd"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for s in summary:
        table.add_row(
            s.method, f"{s.hit_at_10:.3f}", f"{s.hit_sd:.3f}", f"{s.mrr:.3f}", f"{s.mrr_sd:.3f}"
        )
    out.print(table)
    if RANKER in methods:
        out.print(verdict(summary)[1])
    elif HAND in methods:
        out.print("(the ranker was left out: no verdict)")
    return 0


async def train_command(settings: Settings, args: argparse.Namespace) -> int:
    from matching import build_index
    from matching.ranker import beside
    from matching.training import train

    path = Path(args.model) if args.model else beside(settings.store)
    if path is None:
        console.print("[red]wijknet: give --model PATH for a Neo4j store[/]")
        return 1
    store = await open_store(settings, readonly=True)
    try:
        index = await build_index(store.stream())
    finally:
        await store.close()
    started = time.perf_counter()
    with _bar() as bar:
        task = bar.add_task("hiding memberships", total=None)
        try:
            model = train(
                index,
                limit=args.memberships,
                seed=args.seed,
                progress=lambda d, t: bar.update(task, completed=d, total=t),
            )
        except ValueError as exc:
            bar.stop()
            console.print(f"[red]wijknet: {exc}[/]")
            return 1
    model.save(path)
    console.print(
        f"trained a ranker on {model.training['queries']:,} hidden memberships "
        f"({model.training['rows']:,} candidate rows) in {time.perf_counter() - started:.1f} s; "
        f"saved to {path} ({path.stat().st_size / 1024:.0f} KiB); `wijknet serve` uses it"
    )
    return 0
