"""The audit log: every GraphQL mutation that ran, with who asked, what and when.

Kept in the identity store (admins read it through ``auditLog``); an erasure
blanks the erased person's values (:meth:`IdentityStore.redact_audit`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import FieldNode, OperationDefinitionNode, OperationType, value_from_ast_untyped
from strawberry.extensions import SchemaExtension

from api.identity.model import AuditEntry, now
from api.identity.store import IdentityStore

log = logging.getLogger("wijknet.audit")
_TARGET_ARGS = ("id", "initiative", "actor", "source", "target", "from", "to")


async def record(
    store: IdentityStore,
    *,
    account_id: str | None,
    actor_id: str | None,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    entry = AuditEntry(
        seq=0,
        at=now(),
        account_id=account_id,
        actor_id=actor_id,
        action=action,
        target=target,
        details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
    )
    await store.audit(entry)


def _targets(args: dict[str, Any]) -> str:
    found: list[str] = []
    for scope in (args, *(v for v in args.values() if isinstance(v, dict))):
        found += [str(scope[k]) for k in _TARGET_ARGS if isinstance(scope.get(k), str)]
    return " ".join(dict.fromkeys(found))


def _refused(outcome: object) -> bool:
    """True when a mutation's answer shows it was refused (an ``Error``).

    Only what the client selected is visible here: ``__typename`` or the Error's
    ``code``. An answer that selects neither is recorded as if it succeeded.
    """
    if not isinstance(outcome, dict):
        return False
    return outcome.get("__typename") == "Error" or ("code" in outcome and "message" in outcome)


class AuditMutations(SchemaExtension):
    """Records each root field of a mutation that ran without a GraphQL error."""

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        ctx = self.execution_context
        context = ctx.context
        identity = getattr(context, "identity", None)
        result = ctx.result
        if identity is None or result is None or result.data is None:
            return
        doc = ctx.graphql_document
        if doc is None:
            return
        auth = getattr(context, "auth", None)
        account = auth.account if auth is not None else None
        variables = ctx.variables or {}
        for definition in doc.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            if definition.operation is not OperationType.MUTATION:
                continue
            if (
                ctx.operation_name
                and definition.name
                and definition.name.value != ctx.operation_name
            ):
                continue
            for sel in definition.selection_set.selections:
                if not isinstance(sel, FieldNode):
                    continue
                key = sel.alias.value if sel.alias else sel.name.value
                outcome = result.data.get(key)
                if _refused(outcome):
                    continue
                args = {
                    a.name.value: value_from_ast_untyped(a.value, variables)
                    for a in sel.arguments or ()
                }
                erased = sel.name.value == "eraseMe"  # keep no id of an erased person
                try:
                    await record(
                        identity.store,
                        account_id=account.id if account and not erased else None,
                        actor_id=account.actor_id if account and not erased else None,
                        action=sel.name.value,
                        target=_targets(args),
                        details=args,
                    )
                except Exception:  # the change happened; a lost audit line must not hide it
                    log.exception("could not write the audit log")
