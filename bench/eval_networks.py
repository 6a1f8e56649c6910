"""Matching quality on affiliation networks of other shapes, with the same settings.

    python bench/eval_networks.py [--seeds 1-5] [--cases 200] [--only NAME ...]

A check that the method, not a fit to one dataset, wins: the ranker and the hand
weights are used exactly as ``wijknet evaluate`` uses them, on

- ``davis``: Davis Southern Women (18 women, 14 events; networkx);
- ``florentine``: the Florentine families' marriages (networkx) as affiliations:
  each family's circle (itself and the families it married into) is a group;
- ``heavy-tailed``: a synthetic affiliation network, 3,000 people in 40 latent
  circles, 1,200 teams with Pareto-distributed sizes (2 to 300), members drawn
  mostly from the team's circle, favouring people already active;
- ``heavy-tailed-ties``: the same with KNOWS ties between people (within circles);
- ``rust-teams`` (with ``--rust-team DIR``, a checkout of the public rust-lang/team
  repository): the Rust project's teams, leads and members of each ``teams/*.toml``
  (alumni left out, teams computed from other teams skipped), GitHub logins replaced
  by a hash, a subteam's parent as its theme.

It prints each seed's figures, the mean and spread, and the verdict line.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.evaluation import seeds_arg  # noqa: E402
from graph.model import (  # noqa: E402
    Actor,
    ActorKind,
    Initiative,
    Node,
    NodeId,
    Relationship,
    RelType,
    Theme,
    Visibility,
)
from matching import MatchIndex, build_index_sync  # noqa: E402
from matching.evaluate import (  # noqa: E402
    davis_southern_women,
    evaluate,
    florentine_families,
    summarise,
    verdict,
)


def _person(i: str) -> Actor:
    return Actor(
        id=NodeId(i),
        kind=ActorKind.RESIDENT,
        name=i,
        visibility=Visibility.PUBLIC,
        matchable=True,
        source="bench",
    )


def heavy_tailed(*, ties: bool, seed: int = 99) -> MatchIndex:
    rng = random.Random(seed)
    people, circles, teams = 3000, 40, 1200
    circle = [rng.randrange(circles) for _ in range(people)]
    by_circle: dict[int, list[int]] = {}
    for p, c in enumerate(circle):
        by_circle.setdefault(c, []).append(p)
    activity = [1.0] * people
    nodes: list[Node] = [_person(f"p{p}") for p in range(people)]
    rels: list[Relationship] = []
    for t in range(teams):
        size = min(300, max(2, int(2 * rng.paretovariate(1.3))))
        home = rng.randrange(circles)
        chosen: set[int] = set()
        while len(chosen) < size:
            pool = by_circle[home] if rng.random() < 0.8 else range(people)
            pick = rng.choices(list(pool), weights=[activity[p] for p in pool])[0]
            chosen.add(pick)
        nodes.append(Initiative(id=NodeId(f"t{t}"), name=f"team {t}", source="bench"))
        for p in sorted(chosen):
            activity[p] += 1.0
            rels.append(Relationship(RelType.MEMBER_OF, NodeId(f"p{p}"), NodeId(f"t{t}")))
    if ties:
        for p in range(people):
            for q in rng.sample(by_circle[circle[p]], 3):
                if q != p:
                    rels.append(Relationship(RelType.KNOWS, NodeId(f"p{p}"), NodeId(f"p{q}")))
    return build_index_sync(nodes, rels)


def rust_teams(folder: Path) -> MatchIndex:
    def who(login: str) -> NodeId:
        return NodeId("p-" + hashlib.sha256(login.lower().encode()).hexdigest()[:12])

    nodes: dict[NodeId, Node] = {}
    themes: dict[str, NodeId] = {}
    rels: list[Relationship] = []
    for path in sorted((folder / "teams").glob("*.toml")):
        team = tomllib.loads(path.read_text())
        people = team.get("people", {})
        if any(k.startswith("include-") for k in people):
            continue  # computed from other teams
        logins = {
            m if isinstance(m, str) else m["github"]
            for m in [*people.get("leads", []), *people.get("members", [])]
        }
        if not logins:
            continue
        gid = NodeId(f"t-{path.stem}")
        nodes[gid] = Initiative(id=gid, name=team.get("name", path.stem), source="bench")
        parent = str(team.get("subteam-of", team.get("name", path.stem)))
        if parent not in themes:
            themes[parent] = NodeId(f"theme-{parent}")
            nodes[themes[parent]] = Theme(
                id=themes[parent], name_nl=parent, name_en=parent, source="bench"
            )
        rels.append(Relationship(RelType.ABOUT, gid, themes[parent]))
        for login in sorted(logins):
            pid = who(login)
            nodes.setdefault(pid, _person(pid))
            rels.append(Relationship(RelType.MEMBER_OF, pid, gid))
    return build_index_sync(list(nodes.values()), rels)


NETWORKS = {
    "davis": lambda: build_index_sync(*davis_southern_women()),
    "florentine": lambda: build_index_sync(*florentine_families()),
    "heavy-tailed": lambda: heavy_tailed(ties=False),
    "heavy-tailed-ties": lambda: heavy_tailed(ties=True),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=seeds_arg, default=[1, 2, 3, 4, 5])
    p.add_argument("--cases", type=int, default=200)
    p.add_argument("--only", nargs="*", choices=sorted([*NETWORKS, "rust-teams"]))
    p.add_argument("--rust-team", type=Path, metavar="DIR", help="a rust-lang/team checkout")
    args = p.parse_args()
    loaders = dict(NETWORKS)
    if args.rust_team:
        loaders["rust-teams"] = lambda: rust_teams(args.rust_team)
    for name in args.only or loaders:
        index = loaders[name]()
        runs = []
        for seed in args.seeds:
            results = evaluate(index, seed=seed, cases=args.cases)
            runs.append(results)
            line = "  ".join(f"{r.method}={r.hit_at_10:.3f}/{r.mrr:.3f}" for r in results)
            print(f"{name} seed {seed} ({results[0].cases} cases, hit@10/MRR): {line}", flush=True)
        for s in summarise(runs):
            print(
                f"{name} mean {s.method}: hit@10 {s.hit_at_10:.3f} +- {s.hit_sd:.3f}, "
                f"MRR {s.mrr:.3f} +- {s.mrr_sd:.3f}"
            )
        print(f"{name}: {verdict(summarise(runs))[1]}", flush=True)


if __name__ == "__main__":
    main()
