"""An acknowledged write survives kill -9; a second writer is refused clearly."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.api.server import start_server
from tests.identity_helpers import make_account

pytestmark = pytest.mark.slow

REGISTER = """mutation($id: ID!, $name: String!) { registerActor(input: {id: $id, kind: ENTERPRISE,
  name: $name, placeCode: "GM0518"}) { __typename } }"""


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    db = str(tmp_path / "crash.db")
    server = start_server(db, tmp_path, seed_actors=50)
    acked: list[str] = []
    try:
        admin = asyncio.run(make_account(server, admin=True))  # admins register bodies
        for i in range(25):
            aid = f"ent-crash-{i:03d}"
            r = httpx.post(
                server.url,
                json={"query": REGISTER, "variables": {"id": aid, "name": f"Onderneming {i}"}},
                headers=admin.headers,
                timeout=10,
            )
            assert r.json()["data"]["registerActor"]["__typename"] == "RegisterActorSuccess"
            acked.append(aid)
    finally:
        server.kill9()
    assert server.proc.returncode == -9
    again = start_server(db, tmp_path, seed_actors=50)
    try:
        query = (
            "query($ids: [ActorKind!]) { actors(kind: $ids, first: 500) { edges { node { id } } } }"
        )
        r = httpx.post(
            again.url, json={"query": query, "variables": {"ids": ["ENTERPRISE"]}}, timeout=10
        )
        found = {e["node"]["id"] for e in r.json()["data"]["actors"]["edges"]}
        assert set(acked) <= found
    finally:
        again.stop()


def test_a_second_process_cannot_open_the_same_file_for_writing(tmp_path: Path) -> None:
    db = str(tmp_path / "busy.db")
    server = start_server(db, tmp_path, seed_actors=20)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "api.cli", "seed", "--actors", "10", "--db", db],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert second.returncode == 1
        assert "already open for writing by another wijknet process" in second.stderr
        assert f"pid {server.proc.pid}" in second.stderr
        # reading alongside is fine
        stats = subprocess.run(
            [sys.executable, "-m", "api.cli", "stats", "--db", db],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert stats.returncode == 0, stats.stderr
        assert "Resident" in stats.stdout
    finally:
        server.stop()
