"""What an introduction is: a request from an initiative's member to a candidate,
optionally through a person both know, and where it stands.

Plain frozen values; the stores (:mod:`api.introductions.store`) persist them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

#: After this long without an answer, the sender sees "no answer" (a decline looks the same).
NO_ANSWER_AFTER = timedelta(days=30)


class IntroState(StrEnum):
    """Where a request stands, as stored.

    ``pending``: waiting for the candidate, or for the person in between (``via``);
    ``forwarded``: the person in between passed it on, waiting for the candidate;
    ``accepted``: the candidate said yes, contact details flow both ways;
    ``declined``: the candidate (or the person in between) said no. The sender is
    never told: to them it stays "waiting", later "no answer".
    """

    PENDING = "pending"
    FORWARDED = "forwarded"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Role(StrEnum):
    """How a viewer takes part in an introduction."""

    SENDER = "sender"
    CANDIDATE = "candidate"
    VIA = "via"


@dataclass(frozen=True, slots=True)
class Introduction:
    """One request. Actors by id; ``reasons`` are the suggestion's, in Dutch and English.

    Attributes:
        sender_id: the actor who asks (the signed-in person).
        candidate_id: the actor asked to meet the initiative.
        via_id: the person in between who is asked to introduce (a warm path), or None.
        declined_by: who declined (candidate or via), never shown to the sender.
    """

    id: str
    initiative_id: str
    sender_id: str
    candidate_id: str
    created: datetime
    via_id: str | None = None
    reasons_nl: tuple[str, ...] = ()
    reasons_en: tuple[str, ...] = ()
    message: str = ""
    state: IntroState = IntroState.PENDING
    answered: datetime | None = None
    declined_by: str | None = None

    @property
    def at_candidate(self) -> bool:
        """True when the candidate has it (asked directly, or forwarded to them)."""
        return self.via_id is None or (
            self.state is not IntroState.PENDING
            and not (self.state is IntroState.DECLINED and self.declined_by == self.via_id)
        )

    def role_of(self, actor_id: str) -> Role | None:
        """The viewer's part, or None when it has none (or may not see it yet)."""
        if actor_id == self.sender_id:
            return Role.SENDER
        if actor_id == self.via_id:
            return Role.VIA
        if actor_id == self.candidate_id and self.at_candidate:
            return Role.CANDIDATE
        return None

    def parties(self) -> tuple[str, ...]:
        return tuple(x for x in (self.sender_id, self.candidate_id, self.via_id) if x)


class Status(StrEnum):
    """Where a request stands, as one party may know it (see :func:`status_for`)."""

    PENDING = "pending"
    FORWARDED = "forwarded"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"


def status_for(intro: Introduction, role: Role, at: datetime) -> Status:
    """What ``role`` may know of ``intro`` at ``at``.

    The sender never learns of a decline: a declined request looks exactly like one
    that is still waiting (pending, or forwarded when the person in between passed it
    on), and after :data:`NO_ANSWER_AFTER` both become "no answer". The person in
    between learns only whether they forwarded it, not what the candidate answered.
    """
    state = intro.state
    if role is Role.SENDER:
        if state is IntroState.ACCEPTED:
            return Status.ACCEPTED
        if at - intro.created >= NO_ANSWER_AFTER:
            return Status.NO_ANSWER
        passed_on = state is IntroState.FORWARDED or (
            state is IntroState.DECLINED
            and intro.via_id is not None
            and intro.declined_by == intro.candidate_id
        )
        return Status.FORWARDED if passed_on else Status.PENDING
    if role is Role.VIA:
        if state is IntroState.PENDING:
            return Status.PENDING
        if state is IntroState.DECLINED and intro.declined_by == intro.via_id:
            return Status.DECLINED
        return Status.FORWARDED
    if state is IntroState.ACCEPTED:
        return Status.ACCEPTED
    return Status.DECLINED if state is IntroState.DECLINED else Status.PENDING
