"""A person's own data: everything stored about them (AVG/GDPR access) and erasure."""

from __future__ import annotations

import json
import logging
from typing import Any

from api.identity.audit import record
from api.identity.model import Account, AuditEntry, now
from api.identity.store import IdentityStore
from api.introductions.model import status_for
from api.introductions.store import IntroductionStore
from graph import model as m
from graph.store import Direction, GraphStore
from matching import MatchIndex
from network.analytics import note_write

log = logging.getLogger("wijknet.identity")


async def my_data(
    account: Account,
    store: IdentityStore,
    graph: GraphStore,
    introductions: IntroductionStore | None = None,
) -> dict[str, Any]:
    """Everything wijknet keeps about an account and its actor, without secrets.

    Introductions are given as the person may know them: a sender is not told that a
    request was declined (see :func:`api.introductions.status_for`)."""
    actor: dict[str, Any] | None = None
    ties: list[dict[str, Any]] = []
    if account.actor_id:
        found = (await graph.get_nodes([m.NodeId(account.actor_id)])).get(
            m.NodeId(account.actor_id)
        )
        if found is not None:
            actor = {"id": found.id, "kind": found.node_kind.value, **m.node_props(found)}
            around = await graph.neighbours([found.id], direction=Direction.BOTH)
            for nb in around.get(found.id, []):
                ties.append(
                    {
                        "type": nb.rel.type.value,
                        "from": nb.rel.source,
                        "to": nb.rel.target,
                        "other": {"id": nb.node.id, "kind": nb.node.node_kind.value},
                        "props": dict(nb.rel.props),
                    }
                )
    entered = [
        _as_dict(json.loads(e.details))
        | {"at": e.at.isoformat(), "action": e.action, "target": e.target}
        for e in await _audit_of(store, account)
    ]
    return {
        "account": {
            "id": account.id,
            "email": account.email,
            "verified": account.verified,
            "disabled": account.disabled,
            "created": account.created.isoformat(),
            "grants": [{"kind": g.kind.value, "target": g.target} for g in account.grants],
        },
        "actor": actor,
        "relationships": ties,
        "sessions": [
            {
                "created": s.created.isoformat(),
                "expires": s.expires.isoformat(),
                "userAgent": s.user_agent,
            }
            for s in await store.sessions(account.id)
        ],
        "tokens": [
            {
                "id": t.id,
                "name": t.name,
                "created": t.created.isoformat(),
                "expires": t.expires.isoformat(),
                "lastUsed": t.last_used.isoformat() if t.last_used else None,
            }
            for t in await store.tokens(account.id)
        ],
        "introductions": await _introductions(introductions, account.actor_id),
        "changes": entered,
    }


def _as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"details": value}


async def _introductions(
    introductions: IntroductionStore | None, actor_id: str | None
) -> list[dict[str, Any]]:
    if introductions is None or actor_id is None:
        return []
    at = now()
    out = []
    for intro in await introductions.of_actor(actor_id):
        role = intro.role_of(actor_id)
        if role is None:
            continue
        out.append(
            {
                "id": intro.id,
                "role": role.value,
                "status": status_for(intro, role, at).value,
                "initiative": intro.initiative_id,
                "sender": intro.sender_id,
                "candidate": intro.candidate_id,
                "via": intro.via_id,
                "reasons": list(intro.reasons_nl),
                "message": intro.message,
                "created": intro.created.isoformat(),
            }
        )
    return out


async def _audit_of(store: IdentityStore, account: Account) -> list[AuditEntry]:
    out: list[AuditEntry] = []
    after = 0
    while True:
        page = await store.audit_log(after=after, limit=500)
        if not page:
            return out
        out += [e for e in page if e.account_id == account.id]
        after = page[-1].seq


async def erase(
    account: Account,
    store: IdentityStore,
    graph: GraphStore,
    index: MatchIndex | None,
    introductions: IntroductionStore | None = None,
) -> None:
    """Remove the actor with all its relationships, the account, its sessions and tokens,
    every introduction it takes part in, and the person's values from the audit log;
    leave no bytes of them in the files."""
    strings = [account.email, account.name]
    ids = [account.id]
    if account.actor_id:
        aid = m.NodeId(account.actor_id)
        found = (await graph.get_nodes([aid])).get(aid)
        if found is not None:
            ids.append(aid)
            if isinstance(found, m.Actor):
                strings += [found.name, found.email, found.description, found.website]
            around = await graph.neighbours([aid], direction=Direction.BOTH)
            rels = [nb.rel for nb in around.get(aid, [])]
            await graph.delete_actor(aid)
            if index is not None:
                index.remove_actor(aid)
                note_write(index, (), rels)
    if introductions is not None and account.actor_id:
        await introductions.delete_of_actor(account.actor_id)
    await store.delete_account(account.id)
    await store.redact_audit(ids, [s for s in strings if s and len(s) >= 3])
    # that someone was erased, and when; not who
    await record(store, account_id=None, actor_id=None, action="erase")
    await store.scrub()
    log.info("erased account %s on request of its owner", account.id)
