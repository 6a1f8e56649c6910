"""Snapshot files: a cache of in-memory structures written beside the store.

A snapshot is only a cache. The store's SQLite file stays the truth: a snapshot that
is missing, truncated, corrupt, written by other code or not matching the store is
ignored (the caller rebuilds from the store), and one is written to a temporary file
that is fsynced and renamed over the old one, so a crash while writing leaves the old
snapshot or none, never half a one.

Layout: a magic line, one JSON header line (format, code fingerprint, the store's
stamp, payload length and CRC-32), then the payload: a pickle (protocol 5) of the
structures. Anyone who can write beside the store can also write the store itself, so
unpickling a file found there trusts no one new.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import pickle
import sys
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MAGIC = b"WIJKNET-SNAPSHOT\n"
FORMAT = 1


def fingerprint(*sources: str | None) -> str:
    """A short hash of the source files that shape what a snapshot holds: changed code
    makes the old snapshots unusable (they are rebuilt once)."""
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{FORMAT} {sys.version_info[:2]}".encode())
    for source in sources:
        h.update(Path(source).read_bytes() if source else b"?")
    return h.hexdigest()


def path_beside(store_path: str, name: str) -> Path:
    """``<store>.<name>.snapshot``: where the snapshot ``name`` of a store file lives."""
    return Path(f"{store_path}.{name}.snapshot")


def write(path: Path, stamp: dict[str, Any], code: str, payload: Any) -> int:
    """Write ``payload`` atomically to ``path``; returns the bytes written."""
    data = pickle.dumps(payload, protocol=5)
    header = {
        "format": FORMAT,
        "code": code,
        "stamp": stamp,
        "length": len(data),
        "crc": zlib.crc32(data),
    }
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(MAGIC)
            f.write(json.dumps(header, sort_keys=True).encode() + b"\n")
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)
    return len(data)


def read(path: Path, code: str) -> tuple[dict[str, Any], Any] | None:
    """``(stamp, payload)`` of the snapshot at ``path``, or None when there is none or it
    cannot be trusted (another format or code, truncated, CRC mismatch, unpicklable)."""
    try:
        with open(path, "rb") as f:
            if f.readline() != MAGIC:
                return None
            header = json.loads(f.readline())
            data = f.read()
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        return None
    if header.get("code") != code or not isinstance(header.get("stamp"), dict):
        return None
    if header.get("length") != len(data) or header.get("crc") != zlib.crc32(data):
        return None
    # Unpickling makes millions of objects and no garbage: the cyclic collector would
    # only walk them again and again.
    enabled = gc.isenabled()
    gc.disable()
    try:
        payload = pickle.loads(data)
    except Exception:
        return None
    finally:
        del data
        if enabled:
            gc.enable()
    return header["stamp"], payload


def remove(paths: Iterable[Path]) -> None:
    """Delete snapshots (and temporary files of interrupted writes) if they exist."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        for tmp in path.parent.glob(f"{path.name}.*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
