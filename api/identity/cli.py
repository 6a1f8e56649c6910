"""``wijknet user``, ``wijknet grant`` and ``wijknet token``: accounts from the shell.

These commands open only the identity file (never the graph for writing), so
they work beside a running ``wijknet serve``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from collections.abc import Callable

from rich.console import Console

from api.identity import Identity, open_identity
from api.identity.audit import record
from api.identity.model import Account, Grant, GrantKind
from api.identity.store import IdentityError
from api.settings import Settings
from graph import model as m
from graph.errors import GraphError

StoreArgs = Callable[[argparse.ArgumentParser], None]
_GEMEENTE = re.compile(r"^GM\d{4}$")


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], store_args: StoreArgs
) -> None:
    user = sub.add_parser("user", help="create, list and disable accounts")
    users = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    create = users.add_parser(
        "create",
        help="create a verified account (the first admin: --admin)",
        description="Create a verified account. The password is asked twice, or read from "
        "stdin with --password-stdin, or taken from WIJKNET_NEW_PASSWORD.",
    )
    create.add_argument("email")
    create.add_argument("--admin", action="store_true", help="the account is an admin")
    create.add_argument("--actor", metavar="ID", help="the actor this account acts as")
    create.add_argument("--password-stdin", action="store_true", help="read the password")
    ulist = users.add_parser("list", help="list accounts with their grants")
    disable = users.add_parser("disable", help="disable an account (ends its sessions)")
    disable.add_argument("account", metavar="ACCOUNT", help="e-mail address or account id")
    disable.add_argument("--enable", action="store_true", help="enable it again")

    grant = sub.add_parser(
        "grant",
        help="let an account act for a body, a gemeente, or as admin",
        description="Grant (or with --revoke take back) what an account may act for.",
    )
    grant.add_argument("account", metavar="ACCOUNT", help="e-mail address or account id")
    what = grant.add_mutually_exclusive_group(required=True)
    what.add_argument("--staff-of", metavar="ID", help="an enterprise, organisation or gemeente")
    what.add_argument("--officer-of", metavar="GMxxxx", help="a gemeente, by CBS code")
    what.add_argument("--admin", action="store_true", help="make it an admin")
    grant.add_argument("--revoke", action="store_true", help="take the grant back")

    token = sub.add_parser("token", help="create and revoke API tokens")
    tokens = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    tcreate = tokens.add_parser("create", help="create a bearer token (printed once)")
    tcreate.add_argument("account", metavar="ACCOUNT", help="e-mail address or account id")
    tcreate.add_argument("--name", default="cli", help="what the token is for")
    tcreate.add_argument("--days", type=int, help="days until it expires (default 90)")
    tlist = tokens.add_parser("list", help="list an account's tokens")
    tlist.add_argument("account", metavar="ACCOUNT", help="e-mail address or account id")
    trevoke = tokens.add_parser("revoke", help="revoke a token by its id")
    trevoke.add_argument("token_id", metavar="TOKEN_ID")

    for p in (user, grant, token, create, ulist, disable, tcreate, tlist, trevoke):
        p.add_argument("--identity-db", metavar="PATH", help="accounts file (see README)")
    for p in (grant, create):
        store_args(p)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    if getattr(args, "identity_db", None):
        settings = settings.with_overrides(identity_db=args.identity_db)
    identity = await open_identity(settings)
    out = Console()
    try:
        if args.command == "user":
            return await _user(identity, settings, args, out)
        if args.command == "grant":
            return await _grant(identity, settings, args, out)
        return await _token(identity, args, out)
    except IdentityError as exc:
        Console(stderr=True).print(f"[red]wijknet: {exc}[/]")
        return 1
    finally:
        await identity.store.close()


async def _find(identity: Identity, key: str) -> Account:
    account = await identity.store.account(key)
    if account is None:
        account = await identity.store.account_by_email(key.strip().lower())
    if account is None:
        raise IdentityError(f"no account {key!r}")
    return account


def _password(args: argparse.Namespace) -> str:
    if os.environ.get("WIJKNET_NEW_PASSWORD"):
        return os.environ["WIJKNET_NEW_PASSWORD"]
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise IdentityError("the passwords differ")
    return first


async def _check_node(settings: Settings, node_id: str, kinds: frozenset[m.NodeKind]) -> None:
    """Refuse a grant on a node that is not in the store or of the wrong kind."""
    from api.stores import open_store

    try:
        store = await open_store(settings, readonly=True)
    except GraphError as exc:
        raise IdentityError(f"cannot check {node_id!r} in the store: {exc}") from exc
    try:
        found = (await store.get_nodes([m.NodeId(node_id)])).get(m.NodeId(node_id))
    finally:
        await store.close()
    if found is None or found.node_kind not in kinds:
        wanted = " or ".join(sorted(k.value for k in kinds))
        raise IdentityError(f"{node_id!r} is not a {wanted} in the store")


async def _user(
    identity: Identity, settings: Settings, args: argparse.Namespace, out: Console
) -> int:
    if args.user_command == "create":
        if args.actor:
            await _check_node(settings, args.actor, m.ACTOR_KINDS)
        account = await identity.create_account(
            args.email, _password(args), verified=True, admin=args.admin
        )
        if args.actor:
            await identity.bind_actor(account.id, args.actor)
        await record(
            identity.store,
            account_id=None,
            actor_id=None,
            action="cli:user-create",
            target=account.id,
            details={"admin": args.admin, "actor": args.actor},
        )
        out.print(f"created {account.id} <{account.email}>" + (" (admin)" if args.admin else ""))
        return 0
    if args.user_command == "list":
        # one tab-separated line per account: easy to read and to cut/grep in scripts
        for a in await identity.store.accounts():
            state = "disabled" if a.disabled else ("ok" if a.verified else "unverified")
            grants = ",".join(
                f"{g.kind.value}:{g.target}" if g.target else g.kind.value for g in a.grants
            )
            sys.stdout.write(f"{a.id}\t{a.email}\t{a.actor_id or '-'}\t{state}\t{grants}\n")
        return 0
    account = await _find(identity, args.account)
    await identity.set_disabled(account.id, not args.enable)
    action = "cli:user-enable" if args.enable else "cli:user-disable"
    await record(identity.store, account_id=None, actor_id=None, action=action, target=account.id)
    out.print(f"{account.id} {'enabled' if args.enable else 'disabled'}")
    return 0


async def _grant(
    identity: Identity, settings: Settings, args: argparse.Namespace, out: Console
) -> int:
    account = await _find(identity, args.account)
    if args.admin:
        grant = Grant(GrantKind.ADMIN)
    elif args.officer_of:
        if not _GEMEENTE.match(args.officer_of):
            raise IdentityError("--officer-of takes a gemeente code such as GM0518")
        await _check_node(settings, args.officer_of, frozenset({m.NodeKind.PLACE}))
        grant = Grant(GrantKind.OFFICER, args.officer_of)
    else:
        await _check_node(
            settings,
            args.staff_of,
            frozenset({m.NodeKind.ENTERPRISE, m.NodeKind.ORGANISATION, m.NodeKind.MUNICIPALITY}),
        )
        grant = Grant(GrantKind.STAFF, args.staff_of)
    await identity.grant(account.id, grant, on=not args.revoke)
    await record(
        identity.store,
        account_id=None,
        actor_id=None,
        action="cli:revoke" if args.revoke else "cli:grant",
        target=account.id,
        details={"kind": grant.kind.value, "target": grant.target},
    )
    verb = "revoked" if args.revoke else "granted"
    out.print(f"{verb} {grant.kind.value} {grant.target} for {account.id}".rstrip())
    return 0


async def _token(identity: Identity, args: argparse.Namespace, out: Console) -> int:
    if args.token_command == "create":
        account = await _find(identity, args.account)
        secret, token = await identity.create_token(account.id, args.name, args.days)
        Console(stderr=True).print(
            f"token {token.id} for {account.email}, expires {token.expires:%Y-%m-%d}; "
            "it is shown only now:"
        )
        sys.stdout.write(secret + "\n")
        return 0
    if args.token_command == "list":
        account = await _find(identity, args.account)
        for t in await identity.store.tokens(account.id):
            out.print(f"{t.id}  {t.name}  expires {t.expires:%Y-%m-%d}")
        return 0
    if not await identity.revoke_token(None, args.token_id):
        raise IdentityError(f"no token {args.token_id!r}")
    out.print(f"revoked {args.token_id}")
    return 0
