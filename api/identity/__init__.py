"""Identity: accounts, sessions, API tokens, mail, OpenID Connect, who is who.

:func:`open_identity` builds the service a server or CLI command uses from the
settings; :mod:`api.identity.web` derives the Viewer of each request.
"""

from __future__ import annotations

from api.identity.mail import Mailer, SmtpConfig
from api.identity.model import Account, ApiToken, AuditEntry, Grant, GrantKind, Session
from api.identity.service import Auth, Identity, IdentityConfig, OidcConfig, viewer_of
from api.identity.store import IdentityError, IdentityStore, SqliteIdentityStore
from api.introductions.store import IntroductionStore, SqliteIntroductionStore
from api.settings import Settings

__all__ = [
    "Account",
    "ApiToken",
    "AuditEntry",
    "Auth",
    "Grant",
    "GrantKind",
    "Identity",
    "IdentityConfig",
    "IdentityError",
    "IdentityStore",
    "Mailer",
    "OidcConfig",
    "Session",
    "SmtpConfig",
    "SqliteIdentityStore",
    "open_identity",
    "viewer_of",
]


async def open_identity(settings: Settings) -> Identity:
    """The identity service over the configured store, mailer and OIDC provider.

    With the graph in Neo4j (and no ``WIJKNET_IDENTITY_DB``), identity lives in the
    same Neo4j database, so every API worker shares sessions, tokens and the audit
    log; otherwise in a SQLite file beside the embedded store.
    """
    store: IdentityStore
    introductions: IntroductionStore
    if settings.uses_neo4j and not settings.identity_db:
        from api.identity.neo4j_store import Neo4jIdentityStore
        from api.introductions.neo4j_store import Neo4jIntroductionStore

        neo4j_store = await Neo4jIdentityStore.open(
            settings.store,
            user=settings.neo4j_user,
            password=settings.neo4j_password,
            database=settings.neo4j_database,
        )
        store = neo4j_store
        introductions = await Neo4jIntroductionStore.open(
            neo4j_store.driver, settings.neo4j_database
        )
    else:
        store = await SqliteIdentityStore.open(settings.identity_path)
        introductions = await SqliteIntroductionStore.open(settings.identity_path)
    smtp = (
        SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password,
            sender=settings.mail_from,
        )
        if settings.smtp_host
        else None
    )
    oidc = (
        OidcConfig(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            name=settings.oidc_name,
        )
        if settings.oidc_issuer
        else None
    )
    config = IdentityConfig(
        public_url=settings.base_url,
        secret_key=settings.secret_key or await store.secret_key(),
        secure_cookies=settings.secure_cookies or settings.base_url.startswith("https://"),
    )
    return Identity(store, Mailer(smtp, settings.mail_from), config, oidc, introductions)
