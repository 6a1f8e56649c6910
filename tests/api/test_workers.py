"""``wijknet serve --workers 2`` on one embedded store file, over real HTTP.

The two workers share one listening socket, so which one answers is the kernel's choice:
each check opens connections until it holds one to each worker (``/healthz`` says which
worker answers; a keep-alive connection stays with its worker). No check depends on
time: a write acknowledged by one worker must show in the other's very next answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.server import Server, free_port, start_server
from tests.identity_helpers import make_account

pytestmark = pytest.mark.slow

SUGGEST = """query($ini: ID!) { suggestPartners(initiative: $ini, first: 20) { actor { id } } }"""
JOIN = """mutation($actor: ID!, $ini: ID!) { joinInitiative(actor: $actor, initiative: $ini) {
  __typename ... on Error { code message } } }"""
ACCEPT = """mutation($actor: ID!, $ini: ID!) { acceptJoinRequest(actor: $actor, initiative: $ini) {
  __typename ... on Error { code message } } }"""
MEMBERS = """query($ini: ID!) { initiative(id: $ini) { members { actor { id } } } }"""
PLACE = "BU05181785"
REGISTER = """mutation($input: RegisterActorInput!) { registerActor(input: $input) {
  __typename ... on Error { code message } } }"""
SERVE = [sys.executable, "-m", "api.cli", "serve"]
ACTOR = "query($id: ID!) { actor(id: $id) { id name } }"


@pytest.fixture(scope="module")
def group(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("workers")
    env = {"WIJKNET_WORKERS": "2", "WIJKNET_RESPONSE_CACHE": "1024"}
    server = start_server(str(folder / "group.db"), folder, seed_actors=300, env=env)
    try:
        yield server
    finally:
        server.stop()


class Worker:
    """One keep-alive connection, to one worker of the group."""

    def __init__(self, client: httpx.Client, health: dict[str, Any]) -> None:
        self.client = client
        self.rank: int = health["worker"]["rank"]
        self.pid: int = health["worker"]["pid"]

    def health(self) -> dict[str, Any]:
        r = self.client.get("/healthz")
        body: dict[str, Any] = r.json()
        assert body["worker"]["pid"] == self.pid, "the connection moved to another worker"
        return body

    def ask(self, query: str, headers: dict[str, str] | None = None, **variables: Any) -> Any:
        r = self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers or {}
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert "errors" not in body, body
        return body["data"]


def one_of_each(server: Server, attempts: int = 400) -> Iterator[tuple[Worker, Worker]]:
    """Yield a connection to each of the two workers (rank 0, rank 1), closed after."""
    found: dict[int, Worker] = {}
    spare: list[httpx.Client] = []
    try:
        for _ in range(attempts):
            client = httpx.Client(base_url=server.base, timeout=120)
            body = client.get("/healthz").json()
            if body["worker"]["rank"] in found:
                spare.append(client)
                if len(spare) > 8:  # keep a few open, so the next goes elsewhere more often
                    spare.pop(0).close()
                continue
            found[body["worker"]["rank"]] = Worker(client, body)
            if len(found) == 2:
                break
        assert len(found) == 2, f"only worker(s) {sorted(found)} answered in {attempts} tries"
        yield found[0], found[1]
    finally:
        for c in spare:
            c.close()
        for w in found.values():
            w.client.close()


@pytest.fixture
def workers(group: Server) -> Iterator[tuple[Worker, Worker]]:
    yield from one_of_each(group)


def suggested(worker: Worker, initiative: str, headers: dict[str, str]) -> list[str]:
    return [
        s["actor"]["id"] for s in worker.ask(SUGGEST, headers, ini=initiative)["suggestPartners"]
    ]


def test_a_join_through_one_worker_shows_in_the_others_next_answers(
    group: Server, workers: tuple[Worker, Worker]
) -> None:
    a, b = workers
    admin = asyncio.run(make_account(group, admin=True)).headers
    for initiative in ("ini-0000003", "ini-0000004"):
        before = suggested(b, initiative, admin)
        assert before, f"no suggestions for {initiative}"
        # b answers this again from its cache until something changes
        assert suggested(b, initiative, admin) == before
        joiner = before[0]
        own = asyncio.run(make_account(group, actor=joiner)).headers
        asked = a.ask(JOIN, own, actor=joiner, ini=initiative)
        assert asked["joinInitiative"]["__typename"] == "JoinInitiativeSuccess", asked
        accepted = a.ask(ACCEPT, admin, actor=joiner, ini=initiative)
        assert "Error" not in accepted["acceptJoinRequest"]["__typename"], accepted
        # the very next answers of the other worker know of the join
        members = b.ask(MEMBERS, admin, ini=initiative)["initiative"]["members"]
        assert joiner in {m["actor"]["id"] for m in members}
        assert joiner not in suggested(b, initiative, admin)
        assert joiner not in suggested(a, initiative, admin)


def test_a_cached_answer_is_not_served_after_another_workers_write(
    group: Server, workers: tuple[Worker, Worker]
) -> None:
    a, b = workers
    admin = asyncio.run(make_account(group, admin=True)).headers
    actor_id = f"wk-{os.getpid()}-{free_port()}"
    ask = {"query": ACTOR, "id": actor_id}
    assert b.ask(ask["query"], admin, id=actor_id)["actor"] is None
    hits = b.health()["responseCache"]["hits"]
    assert b.ask(ask["query"], admin, id=actor_id)["actor"] is None
    assert b.health()["responseCache"]["hits"] > hits, "the second answer was not cached"
    made = a.ask(
        REGISTER,
        admin,
        input={"id": actor_id, "kind": "ENTERPRISE", "name": "Nieuw Bedrijf", "placeCode": PLACE},
    )
    assert made["registerActor"]["__typename"] == "RegisterActorSuccess", made
    assert b.ask(ask["query"], admin, id=actor_id)["actor"] == {
        "id": actor_id,
        "name": "Nieuw Bedrijf",
    }


def test_another_serve_on_the_same_file_is_refused(group: Server, tmp_path: Path) -> None:
    store = next(Path(group.log.parent).glob("group.db"))
    env = {**os.environ, "WIJKNET_SEED_ACTORS": "0"}
    for extra in ([], ["--workers", "2"]):
        done = subprocess.run(
            [*SERVE, "--store", str(store), "--port", str(free_port()), *extra],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert done.returncode != 0
        said = " ".join((done.stdout + done.stderr).split())  # the console wraps lines
        assert "already open for writing by another wijknet process" in said
        assert f"pid {group.proc.pid}" in said  # the serve group's parent holds it
        assert "Traceback" not in said


def test_a_killed_worker_loses_no_acknowledged_write_and_comes_back(
    tmp_path: Path,
) -> None:
    env = {"WIJKNET_WORKERS": "2"}
    store = str(tmp_path / "kill.db")
    server = start_server(store, tmp_path, seed_actors=100, env=env)
    try:
        admin = asyncio.run(make_account(server, admin=True)).headers
        for a, b in one_of_each(server):
            made = a.ask(
                REGISTER,
                admin,
                input={
                    "id": "acked",
                    "kind": "ENTERPRISE",
                    "name": "Bevestigd",
                    "placeCode": PLACE,
                },
            )
            assert made["registerActor"]["__typename"] == "RegisterActorSuccess", made
            os.kill(a.pid, signal.SIGKILL)
            assert b.ask(ACTOR, admin, id="acked")["actor"] == {"id": "acked", "name": "Bevestigd"}
        # the parent starts the killed worker again; it reads the write from the file
        for _ in range(3000):  # generous: a busy machine may take minutes
            try:
                if httpx.get(f"{server.base}/readyz", timeout=60).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail(f"the group did not get both workers back:\n{server.output()}")
        assert "restarting it" in server.output()
        for a, b in one_of_each(server):
            for w in (a, b):
                assert w.ask(ACTOR, admin, id="acked")["actor"] == {
                    "id": "acked",
                    "name": "Bevestigd",
                }
    finally:
        server.stop()
    # the group stopped cleanly: the last worker out wrote both snapshots and pruned the
    # changelog they hold
    assert Path(f"{store}.graph.snapshot").is_file()
    assert Path(f"{store}.index.snapshot").is_file()
    with contextlib.closing(sqlite3.connect(store)) as conn:
        assert conn.execute("SELECT count(*) FROM changelog").fetchone() == (0,)
    # and a fresh start has the write too
    again = start_server(store, tmp_path, seed_actors=0)
    try:
        r = httpx.post(again.url, json={"query": ACTOR, "variables": {"id": "acked"}}, timeout=60)
        assert r.json()["data"]["actor"]["name"] == "Bevestigd"
    finally:
        again.stop()


def test_a_person_who_hides_through_one_worker_is_hidden_by_the_other_at_once(
    group: Server, workers: tuple[Worker, Worker]
) -> None:
    """The privacy case of the cache across workers: the public's cached answer about a
    person stops at once when that person goes private through the other worker."""
    a, b = workers
    tag = f"{os.getpid()}-{free_port()}"
    person = f"pub-{tag}"
    creds = asyncio.run(make_account(group, email=f"{person}@example.org"))
    own = {"Authorization": f"Bearer {creds.token}"}
    made = a.ask(
        REGISTER,
        own,
        input={
            "id": person,
            "kind": "RESIDENT",
            "name": f"Zichtbaar {tag}",
            "visibility": "PUBLIC",
            "placeCode": PLACE,
        },
    )
    assert made["registerActor"]["__typename"] == "RegisterActorSuccess", made
    seen = "query($id: ID!) { actor(id: $id) { id name redacted } }"
    hits = b.health()["responseCache"]["hits"]
    for _ in range(2):  # the second answer comes from b's cache
        assert b.ask(seen, id=person)["actor"]["name"] == f"Zichtbaar {tag}"
    assert b.health()["responseCache"]["hits"] > hits
    a.ask("mutation { setVisibility(visibility: PRIVATE) { __typename } }", own)
    hidden = b.ask(seen, id=person)["actor"]
    assert hidden["redacted"] and hidden["name"] != f"Zichtbaar {tag}"
