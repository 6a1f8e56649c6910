"""Snapshot files: a cache of in-memory structures written beside the store.

A snapshot is only a cache. The store's SQLite file stays the truth: a snapshot that
is missing, truncated, corrupt, written by other code or not matching the store is
ignored (the caller rebuilds from the store), and one is written to a temporary file
that is fsynced and renamed over the old one, so a crash while writing leaves the old
snapshot or none, never half a one.

Layout: a magic line, one JSON header line (format, code fingerprint, the store's
stamp), the payload (a pickle, protocol 5, of the structures), then a trailer with
the payload's length and CRC-32. Both ways the payload streams (it is never held in
memory as one string of bytes beside the structures). Anyone who can write beside
the store can also write the store itself, so unpickling a file found there trusts
no one new.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import glob
import hashlib
import json
import os
import pickle
import struct
import sys
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

MAGIC = b"WIJKNET-SNAPSHOT\n"
FORMAT = 2
_TRAILER = struct.Struct("<QI8s")  # payload length, CRC-32, end mark
_END = b"SNAPEND\n"
_CHUNK = 1 << 22


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _frozen_fields(cls: type) -> tuple[str, ...] | None:
    """The field names of a frozen dataclass with slots (None for any other class)."""
    try:
        return _FIELDS[cls]
    except KeyError:
        pass
    params = getattr(cls, "__dataclass_params__", None)
    names = None
    if params is not None and params.frozen and "__slots__" in vars(cls):
        names = tuple(f.name for f in dataclasses.fields(cls))
    _FIELDS[cls] = names
    return names


def _frozen(cls: type, *values: Any) -> Any:
    """A frozen dataclass instance from its field values (what :class:`_Pickler` wrote)."""
    obj: Any = object.__new__(cls)
    for name, value in zip(_frozen_fields(cls) or (), values, strict=True):
        object.__setattr__(obj, name, value)
    return obj


class _Pickler(pickle.Pickler):
    """Frozen dataclasses (every node) as their plain field values: unpickling them is
    40% faster than through the ``__setstate__`` dataclasses give them."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, type):
            return NotImplemented
        names = _frozen_fields(type(obj))
        if names is None:
            return NotImplemented
        return _frozen, (type(obj), *[getattr(obj, n) for n in names])


class _Summing:
    """A file to write to that counts the bytes and their CRC-32 on the way."""

    def __init__(self, f: IO[bytes]) -> None:
        self.f = f
        self.crc = 0
        self.length = 0

    def write(self, data: bytes | pickle.PickleBuffer) -> int:
        with memoryview(data) as view:  # the pickler hands big buffers over as they are
            self.crc = zlib.crc32(view, self.crc)
            self.length += view.nbytes
            return self.f.write(view)


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
    """Write ``payload`` atomically to ``path``; returns the payload's bytes."""
    header = {"format": FORMAT, "code": code, "stamp": stamp}
    for stale in path.parent.glob(f"{glob.escape(path.name)}.*.tmp"):  # a crash mid-write
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(MAGIC)
            f.write(json.dumps(header, sort_keys=True).encode() + b"\n")
            out = _Summing(f)
            _Pickler(out, protocol=5).dump(payload)
            f.write(_TRAILER.pack(out.length, out.crc, _END))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)
    return out.length


def read(path: Path, code: str) -> tuple[dict[str, Any], Any] | None:
    """``(stamp, payload)`` of the snapshot at ``path``, or None when there is none or it
    cannot be trusted (another format or code, truncated, CRC mismatch, unpicklable)."""
    try:
        with open(path, "rb") as f:
            return _read(f, code)
    except OSError:
        return None


def _read(f: IO[bytes], code: str) -> tuple[dict[str, Any], Any] | None:
    if f.readline() != MAGIC:
        return None
    try:
        header = json.loads(f.readline())
    except ValueError:
        return None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        return None
    if header.get("code") != code or not isinstance(header.get("stamp"), dict):
        return None
    start = f.tell()
    size = os.fstat(f.fileno()).st_size
    if size - start < _TRAILER.size:
        return None
    f.seek(size - _TRAILER.size)
    length, crc, end = _TRAILER.unpack(f.read(_TRAILER.size))
    if end != _END or start + length + _TRAILER.size != size:
        return None
    f.seek(start)
    found, left = 0, length
    while left:
        chunk = f.read(min(_CHUNK, left))
        if not chunk:
            return None
        found = zlib.crc32(chunk, found)
        left -= len(chunk)
    if found != crc:
        return None
    f.seek(start)
    # Unpickling makes millions of objects and no garbage: the cyclic collector would
    # only walk them again and again.
    enabled = gc.isenabled()
    gc.disable()
    try:
        payload = pickle.load(f)
    except Exception:
        return None
    finally:
        if enabled:
            gc.enable()
    return header["stamp"], payload


def remove(paths: Iterable[Path]) -> None:
    """Delete snapshots (and temporary files of interrupted writes) if they exist."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        for tmp in path.parent.glob(f"{glob.escape(path.name)}.*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
