"""The audit log: who changed what and when, as it was written, and what was refused.

Every root field of the GraphQL ``Mutation`` runs inside :class:`Audited` (see
:func:`audit_mutations`): while it runs, the request's graph store is a
:class:`RecordingStore` that notes each write the store acknowledged (node ids,
relationship keys, deletions). Afterwards one entry is written: who (account,
actor), which mutation, the ids it wrote, when. A mutation that answers an
``Error`` with code ``UNAUTHENTICATED`` or ``FORBIDDEN`` is recorded as a refusal.
Identity's own events (sign-in and its failures, sign-out, sign-up, verification,
password reset, tokens, grants, erasure) are recorded by
:class:`~api.identity.service.Identity`, the CLI and :mod:`api.identity.personal`.

Entries keep ids, not values (no names, descriptions or e-mail addresses); an
erasure blanks every entry that names the erased person
(:meth:`IdentityStore.redact_audit`). Admins read the log through ``auditLog``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import value_from_ast_untyped
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from api.identity.model import AuditEntry, now
from api.identity.store import IdentityStore
from graph.model import Node, NodeId, Relationship
from graph.store import (
    Changes,
    Direction,
    GraphStats,
    GraphStore,
    Neighbour,
    NodeFilter,
    Page,
    Path,
    Progress,
    Sight,
)

log = logging.getLogger("wijknet.audit")
_TARGET_ARGS = ("id", "initiative", "actor", "source", "target", "from", "to", "other")
REFUSALS = frozenset({"UNAUTHENTICATED", "FORBIDDEN"})
ERASURE = "eraseMe"
"""Recorded by :func:`api.identity.personal.erase` itself, without the person's ids."""
SELF_AUDITED = frozenset({ERASURE, "createToken", "revokeToken"})
"""Mutations whose change the identity service records itself (``token-create``, ...)."""


async def record(
    store: IdentityStore,
    *,
    account_id: str | None,
    actor_id: str | None,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry; a failure is logged, never raised (the change happened)."""
    entry = AuditEntry(
        seq=0,
        at=now(),
        account_id=account_id,
        actor_id=actor_id,
        action=action,
        target=target,
        details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
    )
    try:
        await store.audit(entry)
    except Exception:
        log.exception("could not write the audit log (%s)", action)


@dataclass(slots=True)
class Writes:
    """What the store acknowledged during one mutation: ids and relationship keys."""

    nodes: list[str] = field(default_factory=list)
    rels: list[tuple[str, str, str]] = field(default_factory=list)
    deleted_nodes: list[str] = field(default_factory=list)
    deleted_rels: list[tuple[str, str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.nodes or self.rels or self.deleted_nodes or self.deleted_rels)

    @staticmethod
    def _keys(rels: Iterable[Relationship]) -> list[tuple[str, str, str]]:
        return [(r.type.value, str(r.source), str(r.target)) for r in rels]

    def wrote(self, nodes: Sequence[Node], rels: Sequence[Relationship]) -> None:
        self.nodes += [str(n.id) for n in nodes]
        self.rels += self._keys(rels)

    def deleted(self, rels: Sequence[Relationship], nodes: Sequence[NodeId]) -> None:
        self.deleted_rels += self._keys(rels)
        self.deleted_nodes += [str(n) for n in nodes]

    def ids(self) -> list[str]:
        found = [*self.nodes, *self.deleted_nodes]
        for _, source, target in (*self.rels, *self.deleted_rels):
            found += [source, target]
        return list(dict.fromkeys(found))

    def details(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in (
            ("nodes", self.nodes),
            ("relationships", [list(k) for k in dict.fromkeys(self.rels)]),
            ("deletedNodes", self.deleted_nodes),
            ("deletedRelationships", [list(k) for k in dict.fromkeys(self.deleted_rels)]),
        ):
            if value:
                out[key] = list(dict.fromkeys(value)) if key.endswith("odes") else value
        return out


class RecordingStore:
    """A :class:`~graph.store.GraphStore` that notes in ``writes`` every write ``inner``
    acknowledged (a write that raised is not noted); reads pass straight through."""

    def __init__(self, inner: GraphStore, writes: Writes) -> None:
        self.inner, self.writes = inner, writes

    async def upsert(
        self,
        nodes: Sequence[Node] = (),
        rels: Sequence[Relationship] = (),
        *,
        create_only: bool = False,
    ) -> None:
        await self.inner.upsert(nodes, rels, create_only=create_only)
        self.writes.wrote(nodes, rels)

    async def delete_actor(self, actor_id: NodeId) -> None:
        await self.inner.delete_actor(actor_id)
        self.writes.deleted((), [actor_id])

    async def delete(self, rels: Sequence[Relationship] = (), nodes: Sequence[NodeId] = ()) -> None:
        await self.inner.delete(rels, nodes)
        self.writes.deleted(rels, nodes)

    async def bulk_import(
        self,
        nodes: Iterable[Node],
        rels: Iterable[Relationship],
        *,
        batch_size: int | None = None,
        progress: Progress | None = None,
    ) -> tuple[int, int]:
        node_list, rel_list = list(nodes), list(rels)
        done = await self.inner.bulk_import(
            node_list, rel_list, batch_size=batch_size, progress=progress
        )
        self.writes.wrote(node_list, rel_list)
        return done

    async def get_nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, Node]:
        return await self.inner.get_nodes(ids)

    async def list_nodes(
        self, flt: NodeFilter, *, first: int, after: str | None = None, count: bool = True
    ) -> Page:
        return await self.inner.list_nodes(flt, first=first, after=after, count=count)

    async def neighbours(
        self,
        ids: Sequence[NodeId],
        *,
        types: Sequence[Any] | None = None,
        direction: Direction = Direction.OUT,
    ) -> dict[NodeId, list[Neighbour]]:
        return await self.inner.neighbours(ids, types=types, direction=direction)

    async def shortest_path(
        self,
        source: NodeId,
        target: NodeId,
        *,
        max_hops: int,
        types: Sequence[Any] | None = None,
        sight: Sight | None = None,
    ) -> Path | None:
        return await self.inner.shortest_path(
            source, target, max_hops=max_hops, types=types, sight=sight
        )

    def stream(self) -> AsyncIterator[Node | Relationship]:
        return self.inner.stream()

    async def changes(self, after: int, *, limit: int = 100) -> Changes:
        return await self.inner.changes(after, limit=limit)

    async def stats(self) -> GraphStats:
        return await self.inner.stats()

    async def is_empty(self) -> bool:
        return await self.inner.is_empty()

    async def close(self) -> None:
        await self.inner.close()

    def __getattr__(self, name: str) -> Any:  # anything an adapter offers beyond the port
        return getattr(self.inner, name)


def _targets(args: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for scope in (args, *(v for v in args.values() if isinstance(v, dict))):
        found += [str(scope[k]) for k in _TARGET_ARGS if isinstance(scope.get(k), str)]
    return list(dict.fromkeys(found))


def _refusal(result: object) -> dict[str, Any] | None:
    """The refusal an answer is (an ``Error`` coded UNAUTHENTICATED or FORBIDDEN), or None."""
    code = getattr(getattr(result, "code", None), "value", None)
    if code not in REFUSALS or not hasattr(result, "message"):
        return None
    return {
        "outcome": "refused",
        "code": code,
        "field": getattr(result, "field", None),
        "message": str(result.message),
    }


class Audited(FieldExtension):
    """Runs one root mutation field with a recording store and writes its audit entry."""

    # positional-only: a mutation may have arguments named ``source`` or ``info`` (``link``)
    def resolve(  # type: ignore[override]
        self, next_: Callable[..., Any], source: Any, info: Info[Any, Any], /, **kwargs: Any
    ) -> Any:  # every mutation is async; a sync one is not recorded
        return next_(source, info, **kwargs)

    async def resolve_async(  # type: ignore[override]
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info[Any, Any],
        /,
        **kwargs: Any,
    ) -> Any:
        ctx = info.context
        identity = getattr(ctx, "identity", None)
        plain = getattr(ctx, "store", None)
        if identity is None or plain is None:  # outside a server (schema tests)
            return await next_(source, info, **kwargs)
        writes = Writes()
        ctx.store = RecordingStore(plain, writes)
        failed = False
        result: Any = None
        try:
            result = await next_(source, info, **kwargs)
        except Exception:
            failed = True
            raise
        finally:
            ctx.store = plain
            await self._record(ctx, info, writes, result, failed)
        return result

    @staticmethod
    async def _record(
        ctx: Any, info: Info[Any, Any], writes: Writes, result: Any, failed: bool
    ) -> None:
        name = info.field_name
        if name in SELF_AUDITED:
            return
        refused = None if failed else _refusal(result)
        error = hasattr(result, "code") and hasattr(result, "message")
        if refused is None and not writes and (failed or error):
            return  # nothing written, nothing refused (bad input, not found, ...)
        viewer = ctx.viewer
        if refused is not None or not writes:
            # a refusal, or a success that wrote elsewhere (introductions keep their own
            # store): the ids the request named
            node = info._raw_info.field_nodes[0]
            args = {
                a.name.value: value_from_ast_untyped(a.value, info.variable_values)
                for a in node.arguments or ()
            }
            targets = _targets(args)
            details = refused or {"outcome": "done", "graph": "unchanged"}
        else:
            targets = writes.ids()
            details = {"outcome": "failed" if failed else "done", **writes.details()}
        await record(
            ctx.identity.store,
            account_id=viewer.account_id,
            actor_id=viewer.actor_id,
            action=name,
            target=" ".join(targets),
            details=details,
        )


def audit_mutations(mutation: type) -> None:
    """Run every field of the strawberry type ``mutation`` inside :class:`Audited`."""
    for fld in mutation.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        if not any(isinstance(e, Audited) for e in fld.extensions):
            fld.extensions.append(Audited())
