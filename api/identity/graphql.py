"""GraphQL fields of identity: ``me``, ``myData``, ``myTokens``, ``auditLog`` and the
mutations ``createToken``, ``revokeToken``, ``eraseMe``.

Mixed into the schema's Query and Mutation (see :mod:`api.schema`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from api import types as t
from api.identity.model import Account, ApiToken
from api.identity.personal import erase, my_data
from api.identity.service import Identity
from api.identity.store import IdentityError
from api.mutations import Error, ErrorCode


@strawberry.type(description="A grant: what an account may act for besides its own actor.")
class GrantInfo:
    kind: str
    target: str


@strawberry.type(description="The signed-in account.")
class Me:
    id: strawberry.ID
    email: str
    actor_id: strawberry.ID | None
    is_admin: bool
    grants: list[GrantInfo]
    signed_in_with: str = strawberry.field(description="cookie or token")

    @staticmethod
    def of(account: Account, via: str) -> Me:
        return Me(
            id=strawberry.ID(account.id),
            email=account.email,
            actor_id=strawberry.ID(account.actor_id) if account.actor_id else None,
            is_admin=account.is_admin,
            grants=[GrantInfo(kind=g.kind.value, target=g.target) for g in account.grants],
            signed_in_with=via,
        )


@strawberry.type(description="An API token, without its secret.")
class TokenInfo:
    id: strawberry.ID
    name: str
    created: datetime
    expires: datetime
    last_used: datetime | None

    @staticmethod
    def of(token: ApiToken) -> TokenInfo:
        return TokenInfo(
            id=strawberry.ID(token.id),
            name=token.name,
            created=token.created,
            expires=token.expires,
            last_used=token.last_used,
        )


@strawberry.type
class CreateTokenSuccess:
    token: TokenInfo
    secret: str = strawberry.field(description="The bearer token; shown this once only.")


@strawberry.type
class Done:
    ok: bool = True


@strawberry.type(description="One change: who (account, actor), what and when.")
class AuditRecord:
    seq: int
    at: datetime
    account_id: str | None
    actor_id: str | None
    action: str
    target: str
    details: JSON


CreateTokenResult = Annotated[CreateTokenSuccess | Error, strawberry.union("CreateTokenResult")]
DoneResult = Annotated[Done | Error, strawberry.union("DoneResult")]


def _who(info: t.Ctx) -> tuple[Identity, Account] | Error:
    identity, auth = info.context.identity, info.context.auth
    if identity is None or auth is None or auth.account is None:
        return Error(code=ErrorCode.UNAUTHENTICATED, field=None, message="sign in first")
    return identity, auth.account


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="The signed-in account; null when anonymous.")
    async def me(self, info: t.Ctx) -> Me | None:
        auth = info.context.auth
        return Me.of(auth.account, auth.via) if auth and auth.account else None

    @strawberry.field(
        description="Everything stored about the signed-in person (also at /me/data.json); "
        "null when anonymous."
    )
    async def my_data(self, info: t.Ctx) -> JSON | None:
        who = _who(info)
        if isinstance(who, Error):
            return None
        identity, account = who
        data: dict[str, Any] = await my_data(
            account, identity.store, info.context.store, identity.introductions
        )
        return data  # type: ignore[return-value]

    @strawberry.field(description="The signed-in account's API tokens (never their secrets).")
    async def my_tokens(self, info: t.Ctx) -> list[TokenInfo]:
        who = _who(info)
        if isinstance(who, Error):
            return []
        identity, account = who
        return [TokenInfo.of(tok) for tok in await identity.store.tokens(account.id)]

    @strawberry.field(description="Who changed what and when; admins only (else empty).")
    async def audit_log(self, info: t.Ctx, after: int = 0, first: int = 100) -> list[AuditRecord]:
        who = _who(info)
        if isinstance(who, Error) or not who[1].is_admin:
            return []
        entries = await who[0].store.audit_log(after=after, limit=max(0, min(first, 500)))
        import json

        return [
            AuditRecord(
                seq=e.seq,
                at=e.at,
                account_id=e.account_id,
                actor_id=e.actor_id,
                action=e.action,
                target=e.target,
                details=json.loads(e.details),
            )
            for e in entries
        ]


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="A new API token for the signed-in account.")
    async def create_token(
        self, info: t.Ctx, name: str, days: int | None = None
    ) -> CreateTokenResult:
        who = _who(info)
        if isinstance(who, Error):
            return who
        identity, account = who
        try:
            secret, token = await identity.create_token(account.id, name, days)
        except IdentityError as exc:
            return Error(code=ErrorCode.INVALID_INPUT, field="days", message=str(exc))
        return CreateTokenSuccess(token=TokenInfo.of(token), secret=secret)

    @strawberry.mutation(description="Revoke one of the signed-in account's API tokens.")
    async def revoke_token(self, info: t.Ctx, id: strawberry.ID) -> DoneResult:
        who = _who(info)
        if isinstance(who, Error):
            return who
        identity, account = who
        if not await identity.revoke_token(account.id, str(id)):
            return Error(code=ErrorCode.NOT_FOUND, field="id", message="you have no such token")
        return Done()

    @strawberry.mutation(
        description="Erase the signed-in person: their actor and all its relationships, "
        "the account, its sessions and tokens. Cannot be undone."
    )
    async def erase_me(self, info: t.Ctx) -> DoneResult:
        who = _who(info)
        if isinstance(who, Error):
            return who
        identity, account = who
        await erase(
            account,
            identity.store,
            info.context.store,
            info.context.index,
            identity.introductions,
        )
        return Done()
