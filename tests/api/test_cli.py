"""The ``wijknet`` command as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def wijknet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    "command",
    ["serve", "seed", "stats", "import", "export", "copy", "evaluate", "train", "schema"],
)
def test_every_command_has_help(command: str) -> None:
    done = wijknet(command, "--help")
    assert done.returncode == 0
    assert "usage: wijknet" in done.stdout


def test_seed_stats_export_import_copy(tmp_path: Path) -> None:
    db, other, copy = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    seeded = wijknet("seed", "--actors", "200", "--db", str(db))
    assert seeded.returncode == 0, seeded.stderr
    assert "seeded" in seeded.stderr and "relationships" in seeded.stderr
    stats = wijknet("stats", "--db", str(db))
    assert stats.returncode == 0 and "Resident" in stats.stdout
    folder = tmp_path / "csv"
    assert wijknet("export", str(folder), "--db", str(db)).returncode == 0
    assert (folder / "actors.csv").exists()
    imported = wijknet("import", str(folder), "--db", str(other))
    assert imported.returncode == 0, imported.stderr

    def rows(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith("│")]

    assert rows(wijknet("stats", "--db", str(other)).stdout) == rows(stats.stdout)
    copied = wijknet("copy", "--from", str(db), "--to", str(copy))
    assert copied.returncode == 0 and "counts per kind and type match" in copied.stderr
    again = wijknet("copy", "--from", str(db), "--to", str(copy))
    assert again.returncode == 1 and "--merge" in again.stderr


def test_a_bad_csv_imports_nothing_and_says_where(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "actors.csv").write_text(
        "id,kind,name,email\nres-1,Resident,Ans,ans@example.org\nres-2,Resident,Bo,not-an-email\n"
    )
    db = tmp_path / "target.db"
    done = wijknet("import", str(folder), "--db", str(db))
    assert done.returncode == 1
    assert 'actors.csv line 3, column "email"' in done.stderr
    stats = wijknet("stats", "--db", str(db))
    assert "Resident" not in stats.stdout


def test_evaluate_on_the_davis_southern_women() -> None:
    done = wijknet("evaluate", "--dataset", "davis")
    assert done.returncode == 0, done.stderr
    for method in ("wijknet", "random", "popularity", "adamic-adar", "PageRank"):
        assert method in done.stdout


def test_train_saves_a_versioned_model_and_evaluate_imports_a_dataset(tmp_path: Path) -> None:
    import json

    db, folder = tmp_path / "city.db", tmp_path / "city"
    assert wijknet("seed", "--actors", "600", "--db", str(db)).returncode == 0
    done = wijknet("train", "--db", str(db), "--memberships", "200")
    assert done.returncode == 0, done.stderr
    model = json.loads((tmp_path / "city.db.ranker.json").read_text())
    assert model["format"] == "wijknet-ranker" and model["version"] == 1
    assert "pagerank" in model["features"] and model["trained_at"]
    assert wijknet("export", "--db", str(db), str(folder)).returncode == 0
    done = wijknet("evaluate", "--dataset", str(folder), "--seeds", "1-2", "--cases", "30")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "seed 1)" in text and "seed 2)" in text
    assert "mean and standard deviation over seeds [1, 2]" in text
    assert "the best baseline's" in text


def test_bad_settings_are_named(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "stats", "--db", str(tmp_path / "x.db")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "WIJKNET_PORT": "eighty"},
    )
    assert done.returncode == 1
    assert "WIJKNET_PORT must be a whole number" in done.stderr
