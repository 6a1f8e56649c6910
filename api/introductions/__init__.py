"""Introductions with consent: an initiative's member asks a suggested candidate to
meet, directly or through someone both know; contact details flow only on acceptance.

Kept beside the accounts (see :mod:`api.introductions.store` for why), asked through
GraphQL (:mod:`api.introductions.graphql`), decided by :mod:`api.policy`.
"""

from __future__ import annotations

from api.introductions.model import Introduction, IntroState, Role, Status, status_for
from api.introductions.store import IntroductionStore, SqliteIntroductionStore

__all__ = [
    "IntroState",
    "Introduction",
    "IntroductionStore",
    "Role",
    "SqliteIntroductionStore",
    "Status",
    "status_for",
]
