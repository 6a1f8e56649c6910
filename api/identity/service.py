"""Accounts and who is who: sign-up, verification, sign-in, reset, sessions, tokens.

Routes (:mod:`api.identity.routes`), GraphQL (:mod:`api.identity.graphql`) and the
CLI call this; it calls the :class:`~api.identity.store.IdentityStore`, the mailer
and, to create and erase a person's actor, the graph store.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from hashlib import sha256
from typing import Any

from limits import RateLimitItem, parse

from api.identity.audit import record
from api.identity.mail import Mailer
from api.identity.model import (
    Account,
    ApiToken,
    CodePurpose,
    Grant,
    GrantKind,
    Session,
    digest,
    new_id,
    new_secret,
    now,
)
from api.identity.passwords import check_strength, hash_password, verify_password
from api.identity.store import IdentityError, IdentityStore
from api.introductions.store import IntroductionStore
from api.policy import ANONYMOUS, Viewer
from graph import model as m
from graph.store import GraphStore
from matching import MatchIndex
from network.analytics import note_write

log = logging.getLogger("wijknet.identity")
TOKEN_PREFIX = "wjk_"
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


class SignInRefused(IdentityError):
    """Wrong e-mail or password, unverified or disabled account (one message for all)."""


class RateLimited(IdentityError):
    pass


@dataclass(frozen=True, slots=True)
class IdentityConfig:
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str = ""
    session_days: int = 14
    token_days: int = 90
    code_hours: int = 24
    # counted in the identity store, so every worker that shares it shares the counts
    signin_limit: str = "5/minute"  # per e-mail address and client address
    signin_limit_ip: str = "30/minute"  # per client address, any e-mail
    mail_limit: str = "10/hour"  # sign-up and reset mails per address (no mail bombing)
    introduction_limit: str = "5/hour;20/day"  # introduction requests per sender
    secure_cookies: bool = False


@dataclass(frozen=True, slots=True)
class OidcConfig:
    """An external OpenID Connect provider (a gemeente's or organisation's IdP)."""

    issuer: str
    client_id: str
    client_secret: str
    name: str = "je organisatie"


@dataclass(frozen=True, slots=True)
class Auth:
    """Who a request comes from and how it proved it."""

    account: Account | None = None
    session: Session | None = None
    via: str = "anonymous"  # "cookie", "token"
    viewer: Viewer = ANONYMOUS


def normalise_email(email: str) -> str:
    value = (email or "").strip().lower()
    if not _EMAIL_RE.match(value):
        raise IdentityError("that is not an e-mail address")
    return value


def viewer_of(account: Account) -> Viewer:
    """The Viewer an account acts as, with its grants."""
    return Viewer(
        account_id=account.id,
        actor_id=account.actor_id,
        is_admin=account.is_admin,
        staff_of=frozenset(g.target for g in account.grants if g.kind is GrantKind.STAFF),
        officer_of=frozenset(g.target for g in account.grants if g.kind is GrantKind.OFFICER),
    )


class Identity:
    """The identity service of one running server (or one CLI command)."""

    def __init__(
        self,
        store: IdentityStore,
        mailer: Mailer,
        config: IdentityConfig,
        oidc: OidcConfig | None = None,
        introductions: IntroductionStore | None = None,
    ) -> None:
        self.store = store
        self.introductions = introductions
        self.mailer = mailer
        self.config = config
        self.oidc = oidc
        self._key = (config.secret_key or secrets.token_hex(32)).encode()
        self._per_account = parse(config.signin_limit)
        self._per_ip = parse(config.signin_limit_ip)
        self._mails = parse(config.mail_limit)

    # --- signed cookie values -------------------------------------------------------

    def sign(self, value: str) -> str:
        mac = hmac.new(self._key, value.encode(), sha256).hexdigest()
        return f"{value}.{mac}"

    def unsign(self, signed: str | None) -> str | None:
        if not signed or "." not in signed:
            return None
        value, mac = signed.rsplit(".", 1)
        good = hmac.new(self._key, value.encode(), sha256).hexdigest()
        return value if hmac.compare_digest(mac, good) else None

    async def _hit(self, item: RateLimitItem, *parts: str) -> bool:
        """Count an attempt in the store's shared counters; False once over ``item``.

        The key is a keyed digest, so no e-mail or client address lands in the store."""
        key = hmac.new(self._key, "\x1f".join(parts).encode(), sha256).hexdigest()[:40]
        return await self.store.hit(key, item.amount, float(item.get_expiry()))

    async def audit(
        self, action: str, account: Account | None = None, target: str = "", **details: Any
    ) -> None:
        """Write an identity event (sign-in, token, ...) to the audit log."""
        await record(
            self.store,
            account_id=account.id if account else None,
            actor_id=account.actor_id if account else None,
            action=action,
            target=target,
            details=details,
        )

    # --- accounts -------------------------------------------------------------------

    async def create_account(
        self,
        email: str,
        password: str,
        *,
        name: str = "",
        verified: bool = False,
        admin: bool = False,
    ) -> Account:
        email = normalise_email(email)
        weak = check_strength(password)
        if weak:
            raise IdentityError(weak)
        account = Account(
            id=new_id("acc"),
            email=email,
            password_hash=await hash_password(password),
            verified=verified,
            name=name.strip(),
            grants=(Grant(GrantKind.ADMIN),) if admin else (),
        )
        await self.store.add_account(account)
        return account

    async def sign_up(self, email: str, password: str, name: str) -> None:
        """Create an unverified account and mail a verification link.

        An address that has an account already gets a mail saying so instead, so the
        answer never tells a stranger whether an address is registered.
        """
        email = normalise_email(email)
        if not name.strip():
            raise IdentityError("a name is required")
        if not await self.mail_allowed(email):
            raise RateLimited("too many mails to this address; try again later")
        existing = await self.store.account_by_email(email)
        if existing is not None:
            await self.audit("signup-again", existing)
            reset = f"{self.config.public_url.rstrip('/')}/auth/reset"
            await self.mailer.send(
                email,
                "wijknet: je hebt al een account / you already have an account",
                "Iemand (jij?) wilde een wijknet-account maken met dit adres, maar dat bestaat "
                f"al. Wachtwoord vergeten? {reset}\n"
                "\n-- English --\n\n"
                "Someone (you?) tried to create a wijknet account with this address, but one "
                f"exists already. Forgot your password? {reset}\n",
            )
            return
        account = await self.create_account(email, password, name=name)
        await self.audit("signup", account, account.id)
        await self._mail_code(account, CodePurpose.VERIFY)

    async def mail_allowed(self, email: str) -> bool:
        """False once an address got ``mail_limit`` sign-up or reset mails."""
        return await self._hit(self._mails, "mail", email.strip().lower())

    async def _mail_code(self, account: Account, purpose: CodePurpose) -> None:
        code = new_secret()
        hours = self.config.code_hours if purpose is CodePurpose.VERIFY else 1
        await self.store.add_code(digest(code), account.id, purpose, now() + timedelta(hours=hours))
        base = self.config.public_url.rstrip("/")
        # In Dutch and English, like the introduction mails: the reader's language is
        # not known yet when the address is not even confirmed.
        if purpose is CodePurpose.VERIFY:
            link = f"{base}/auth/verify?code={code}"
            subject = "wijknet: bevestig je e-mailadres / confirm your e-mail address"
            body = (
                f"Welkom bij wijknet, {account.name}.\n\nBevestig je e-mailadres via deze "
                f"link (geldig {hours} uur):\n\n{link}\n"
                "\n-- English --\n\n"
                f"Welcome to wijknet, {account.name}.\n\nConfirm your e-mail address with "
                f"this link (valid for {hours} hour{'s' if hours != 1 else ''}):\n\n{link}\n"
            )
        else:
            link = f"{base}/auth/reset/confirm?code={code}"
            subject = "wijknet: nieuw wachtwoord / new password"
            body = (
                f"Kies een nieuw wachtwoord via deze link (geldig 1 uur):\n\n{link}\n\n"
                "Niet aangevraagd? Negeer deze mail.\n"
                "\n-- English --\n\n"
                f"Choose a new password with this link (valid for 1 hour):\n\n{link}\n\n"
                "Did not ask for this? Ignore this mail.\n"
            )
        await self.mailer.send(account.email, subject, body)

    async def verify(
        self, code: str, graph: GraphStore, index: MatchIndex | None = None
    ) -> Account:
        """Confirm an e-mail address; the account then gets its own (private) actor."""
        account_id = await self.store.take_code(digest(code), CodePurpose.VERIFY)
        account = await self.store.account(account_id) if account_id else None
        if account is None:
            raise IdentityError("this link is not valid (any more)")
        actor_id = account.actor_id
        if actor_id is None:
            name = account.name or account.email.split("@")[0]
            actor_id = await self.create_actor(graph, name, index)
        await self.store.update_account(account.id, verified=True, actor_id=actor_id, name="")
        verified = replace(account, verified=True, actor_id=actor_id, name="")
        await self.audit("signup-verified", verified, actor_id, nodes=[actor_id])
        return verified

    @staticmethod
    async def create_actor(graph: GraphStore, name: str, index: MatchIndex | None = None) -> str:
        """A new resident, private and not matchable (the person decides later).

        With the server's matching ``index`` the actor is in it at once, so what the
        person adds next (skills, place, ties) counts on the next request.
        """
        actor = m.Actor(
            id=m.NodeId(f"res-{secrets.token_hex(6)}"),
            kind=m.ActorKind.RESIDENT,
            name=name,
        )
        await graph.upsert([actor], create_only=True)
        if index is not None:
            index.apply([actor])
            note_write(index, [actor])
        return actor.id

    async def bind_actor(self, account_id: str, actor_id: str) -> None:
        """Make ``actor_id`` the actor an account acts as (e.g. after registerActor)."""
        await self.store.update_account(account_id, actor_id=actor_id)

    async def set_disabled(self, account_id: str, disabled: bool) -> None:
        await self.store.update_account(account_id, disabled=disabled)
        if disabled:
            for session in await self.store.sessions(account_id):
                await self.store.delete_session(session.digest)

    async def grant(self, account_id: str, grant: Grant, *, on: bool = True) -> None:
        await self.store.set_grant(account_id, grant, on=on)

    # --- signing in and out ---------------------------------------------------------

    async def sign_in(self, email: str, password: str, client: str) -> Account:
        """The account for these credentials; raises SignInRefused or RateLimited."""
        key = (email or "").strip().lower()
        ok_ip = await self._hit(self._per_ip, "signin-ip", client)
        ok_acc = ok_ip and await self._hit(self._per_account, "signin", key, client)
        account = await self.store.account_by_email(key)
        if not (ok_ip and ok_acc):
            await self.audit("signin-failed", account, reason="rate limited")
            raise RateLimited("too many sign-in attempts; wait a minute and try again")
        good = await verify_password(account.password_hash if account else "", password)
        if account is None or not good or not account.verified or account.disabled:
            reason = (
                "unknown address"
                if account is None
                else "wrong password"
                if not good
                else "disabled"
                if account.disabled
                else "not verified"
            )
            await self.audit("signin-failed", account, reason=reason)
            if account is not None and good and not account.verified:
                raise SignInRefused("confirm your e-mail address first (see the mail we sent)")
            raise SignInRefused("wrong e-mail address or password")
        await self.audit("signin", account, via="password")
        return account

    async def start_session(self, account: Account, user_agent: str = "") -> tuple[str, Session]:
        """A new session; returns the signed cookie value and the session."""
        secret = new_secret()
        session = Session(
            digest=digest(secret),
            account_id=account.id,
            csrf=secrets.token_urlsafe(24),
            created=now(),
            expires=now() + timedelta(days=self.config.session_days),
            user_agent=user_agent[:200],
        )
        await self.store.add_session(session)
        return self.sign(secret), session

    async def end_session(self, session: Session) -> None:
        """Sign out: the session ends (its cookie is worthless from now on)."""
        await self.store.delete_session(session.digest)
        account = await self.store.account(session.account_id)
        await self.audit("signout", account)

    async def request_reset(self, email: str) -> None:
        """Mail a reset link if the address has an account (the answer is the same)."""
        try:
            key = normalise_email(email)
        except IdentityError:
            return
        account = await self.store.account_by_email(key)
        if account is not None and not account.disabled and await self.mail_allowed(key):
            await self.audit("reset-requested", account)
            await self._mail_code(account, CodePurpose.RESET)

    async def reset_password(self, code: str, password: str) -> Account:
        weak = check_strength(password)
        if weak:
            raise IdentityError(weak)
        account_id = await self.store.take_code(digest(code), CodePurpose.RESET)
        account = await self.store.account(account_id) if account_id else None
        if account is None:
            raise IdentityError("this link is not valid (any more)")
        await self.store.update_account(
            account.id, password_hash=await hash_password(password), verified=True
        )
        for session in await self.store.sessions(account.id):
            await self.store.delete_session(session.digest)
        await self.audit("password-reset", account)
        return account

    # --- API tokens -----------------------------------------------------------------

    async def create_token(
        self, account_id: str, name: str, days: int | None = None
    ) -> tuple[str, ApiToken]:
        """A new bearer token; the secret is returned once and never stored."""
        days = self.config.token_days if days is None else days
        if not 1 <= days <= 3660:
            raise IdentityError("a token lives between 1 and 3660 days")
        secret = new_secret(TOKEN_PREFIX)
        token = ApiToken(
            id=new_id("tok"),
            account_id=account_id,
            name=(name or "token").strip()[:100],
            digest=digest(secret),
            created=now(),
            expires=now() + timedelta(days=days),
        )
        await self.store.add_token(token)
        owner = await self.store.account(account_id)
        await self.audit("token-create", owner, token.id, days=days)
        return secret, token

    async def revoke_token(self, account_id: str | None, token_id: str) -> bool:
        """Revoke a token of ``account_id`` (any account's when None: the CLI)."""
        owner_tokens = await self.store.tokens(account_id) if account_id is not None else None
        if owner_tokens is not None and all(t.id != token_id for t in owner_tokens):
            return False
        await self.store.delete_token(token_id)
        owner = await self.store.account(account_id) if account_id is not None else None
        await self.audit("token-revoke", owner, token_id, by="owner" if owner else "cli")
        return True

    # --- who is asking --------------------------------------------------------------

    async def from_bearer(self, token: str) -> Auth:
        found = await self.store.token(digest(token)) if token.startswith(TOKEN_PREFIX) else None
        if found is None or found.expires <= now():
            return Auth()
        account = await self._usable(found.account_id)
        if account is None:
            return Auth()
        at = now()
        if found.last_used is None or at - found.last_used > timedelta(minutes=1):
            await self.store.touch_token(found.id, at)
        return Auth(account=account, via="token", viewer=viewer_of(account))

    async def from_cookie(self, cookie: str | None) -> Auth:
        secret = self.unsign(cookie)
        session = await self.store.session(digest(secret)) if secret else None
        if session is None:
            return Auth()
        if session.expires <= now():
            await self.store.delete_session(session.digest)
            return Auth()
        account = await self._usable(session.account_id)
        if account is None:
            return Auth()
        return Auth(account=account, session=session, via="cookie", viewer=viewer_of(account))

    async def _usable(self, account_id: str) -> Account | None:
        account = await self.store.account(account_id)
        if account is None or account.disabled or not account.verified:
            return None
        return account

    def expires_in_days(self, when: datetime) -> float:
        return (when - now()).total_seconds() / 86400
