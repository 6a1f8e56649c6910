#!/usr/bin/env python3
"""End-to-end check of tools/neo4j/neo4j-test-server (needs: pip install neo4j).

Starts a server, runs queries over Bolt (RETURN 1, a node, a uniqueness
constraint, a full-text index), stops it keeping its home, starts it again on
the same home/port/password, checks the data survived, stops it, and checks no
launcher process is left.

    python3 tools/neo4j/check_server.py

Uses its own state file, so it does not touch a server started by hand.
Exit code 0 on success; prints '<N> passed, 0 failed' at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ConstraintError

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "neo4j-test-server"


def run(env: dict, *args: str) -> str:
    t0 = time.monotonic()
    p = subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True)
    dt = time.monotonic() - t0
    print(f"$ neo4j-test-server {' '.join(args)}  ({dt:.1f}s, rc={p.returncode})")
    if p.stderr.strip():
        print("  " + p.stderr.strip().replace("\n", "\n  "))
    if p.returncode != 0:
        raise SystemExit(f"command failed: {args}\n{p.stdout}")
    return p.stdout


def parse_env(text: str) -> dict:
    out = {}
    for line in text.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def launcher_pids(home: str) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "org.wijknet.neo4j.Launcher" in cmd and f"--home {home} " in cmd:
            pids.append(int(d.name))
    return pids


def main() -> int:
    passed = 0
    state_dir = tempfile.mkdtemp(prefix="wijknet-neo4j-check-")
    env = dict(os.environ, WIJKNET_NEO4J_STATE=os.path.join(state_dir, "env"))

    def ok(what: str) -> None:
        nonlocal passed
        passed += 1
        print(f"  ok: {what}")

    cfg = parse_env(run(env, "start"))
    uri, user, pw = (
        cfg["WIJKNET_TEST_NEO4J_URI"],
        cfg["WIJKNET_TEST_NEO4J_USER"],
        cfg["WIJKNET_TEST_NEO4J_PASSWORD"],
    )
    home, port = cfg["WIJKNET_TEST_NEO4J_HOME"], uri.rsplit(":", 1)[1]
    try:
        with GraphDatabase.driver(uri, auth=(user, pw)) as drv:
            drv.verify_connectivity()
            assert drv.execute_query("RETURN 1 AS x").records[0]["x"] == 1
            ok("RETURN 1")
            comp = drv.execute_query(
                "CALL dbms.components() YIELD versions, edition "
                "RETURN versions[0] AS v, edition AS e"
            ).records[0]
            print(f"  server: Neo4j {comp['v']} {comp['e']}")
            drv.execute_query(
                "CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE"
            )
            drv.execute_query(
                "CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE"
            )
            drv.execute_query("CREATE (:Person {id: 'p1', name: 'Anne de Vries'})")
            try:
                drv.execute_query("CREATE (:Person {id: 'p1', name: 'duplicate'})")
                raise AssertionError("uniqueness constraint not enforced")
            except ConstraintError:
                pass
            ok("uniqueness constraint enforced")
            drv.execute_query(
                "CREATE FULLTEXT INDEX person_name IF NOT EXISTS FOR (n:Person) ON EACH [n.name]"
            )
            drv.execute_query(
                "CREATE FULLTEXT INDEX person_name IF NOT EXISTS FOR (n:Person) ON EACH [n.name]"
            )
            drv.execute_query("CALL db.awaitIndexes(60)")
            hits = drv.execute_query(
                "CALL db.index.fulltext.queryNodes('person_name', 'anne') "
                "YIELD node RETURN node.id AS id"
            ).records
            assert [r["id"] for r in hits] == ["p1"], hits
            ok("full-text index created and queried")
        with GraphDatabase.driver(uri, auth=(user, "wrong-password")) as bad:
            try:
                bad.verify_connectivity()
                raise AssertionError("wrong password accepted")
            except AuthError:
                pass
        ok("wrong password rejected")

        run(env, "stop", "--keep-home")
        assert not launcher_pids(home), launcher_pids(home)
        assert os.path.isdir(home)
        ok("stop --keep-home: process gone, home kept")

        cfg2 = parse_env(run(env, "start", "--home", home, "--port", port, "--password", pw))
        assert cfg2["WIJKNET_TEST_NEO4J_URI"] == uri and cfg2["WIJKNET_TEST_NEO4J_PASSWORD"] == pw
        with GraphDatabase.driver(uri, auth=(user, pw)) as drv:
            recs = drv.execute_query("MATCH (p:Person {id: 'p1'}) RETURN p.name AS name").records
            assert [r["name"] for r in recs] == ["Anne de Vries"], recs
            names = {r["name"] for r in drv.execute_query("SHOW INDEXES YIELD name").records}
            assert {"person_id", "person_name"} <= names, names
        ok("restart on same home/port/password: data, constraint and index survived")

        run(env, "restart-same", "--kill")
        with GraphDatabase.driver(uri, auth=(user, pw)) as drv:
            n = drv.execute_query("MATCH (p:Person) RETURN count(p) AS n").records[0]["n"]
            assert n == 1, n
        ok("restart-same --kill (crash + recovery): data survived")
    finally:
        run(env, "stop")
    assert not launcher_pids(home), launcher_pids(home)
    assert not os.path.exists(home), home
    assert not os.path.exists(env["WIJKNET_NEO4J_STATE"])
    ok("stop: no launcher process left, temporary home and state file removed")
    os.rmdir(state_dir)
    print(f"{passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
