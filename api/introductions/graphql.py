"""GraphQL of introductions: ``myIntroductions`` and the mutations
``requestIntroduction``, ``forwardIntroduction``, ``answerIntroduction``.

Mixed into the schema's Query and Mutation (see :mod:`api.schema`).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from api import types as t
from api.introductions import mails, service
from api.introductions.model import Introduction as Intro
from api.introductions.model import Role, Status, status_for
from api.mutations import Error, Refused, refusing
from api.relay import Connection, Edge, PageInfo
from graph import model as m
from graph.store import decode_cursor, encode_cursor

MAX_FIRST = 100


@strawberry.enum(description="How you take part in an introduction.")
class IntroductionRole(Enum):
    SENDER = "sender"
    CANDIDATE = "candidate"
    VIA = "via"


@strawberry.enum(
    description="Where an introduction stands, as you may know it. The sender never "
    "sees DECLINED: a declined request stays PENDING (or FORWARDED) and after 30 days "
    "becomes NO_ANSWER, like one nobody answered."
)
class IntroductionStatus(Enum):
    PENDING = "pending"
    FORWARDED = "forwarded"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"


@strawberry.enum(description="Which introductions: asked of you (IN) or by you (OUT).")
class IntroductionDirection(Enum):
    IN = "in"
    OUT = "out"


@strawberry.type(description="How to reach the other side of an accepted introduction.")
class Contact:
    name: str
    email: str | None
    website: str | None


@strawberry.type(
    description="A request to meet an initiative: who asks, whom, why, and (for a warm "
    "path) through whom. Contact details flow only when the candidate accepts."
)
class Introduction:
    _intro: strawberry.Private[Intro]
    _role: strawberry.Private[Role]
    id: strawberry.ID
    role: IntroductionRole
    status: IntroductionStatus
    message: str | None
    created: datetime

    @strawberry.field(description="The suggestion's reasons, in the request's language.")
    def reasons(self, info: t.Ctx, lang: t.Lang | None = None) -> list[str]:
        language = lang.value if lang is not None else info.context.lang
        return list(self._intro.reasons_en if language == "en" else self._intro.reasons_nl)

    @strawberry.field(description="When you (or, for the sender, the candidate) answered.")
    def answered(self) -> datetime | None:
        shown = self._role is not Role.SENDER or self.status is IntroductionStatus.ACCEPTED
        return self._intro.answered if shown else None

    @strawberry.field
    async def initiative(self, info: t.Ctx) -> t.Initiative | None:
        return await _node(info, self._intro.initiative_id)  # type: ignore[return-value]

    @strawberry.field(description="Who asks.")
    async def sender(self, info: t.Ctx) -> t.Actor | None:
        return await _node(info, self._intro.sender_id)  # type: ignore[return-value]

    @strawberry.field(description="Who is asked.")
    async def candidate(self, info: t.Ctx) -> t.Actor | None:
        return await _node(info, self._intro.candidate_id)  # type: ignore[return-value]

    @strawberry.field(description="The person in between, for a warm introduction.")
    async def via(self, info: t.Ctx) -> t.Actor | None:
        if self._intro.via_id is None or (
            self._role is Role.CANDIDATE and not self._intro.at_candidate
        ):
            return None
        return await _node(info, self._intro.via_id)  # type: ignore[return-value]

    @strawberry.field(
        description="The other side's contact details: only once the candidate accepted, "
        "only for the sender and the candidate."
    )
    async def contact(self, info: t.Ctx) -> Contact | None:
        if self.status is not IntroductionStatus.ACCEPTED or self._role is Role.VIA:
            return None
        other = self._intro.candidate_id if self._role is Role.SENDER else self._intro.sender_id
        found = await info.context.nodes.load(other)
        if not isinstance(found, m.Actor):
            return None
        identity = info.context.identity
        email = await mails.shared_address(identity, found) if identity else found.email
        return Contact(name=found.name, email=email or None, website=found.website or None)

    @staticmethod
    def of(intro: Intro, role: Role) -> Introduction:
        return Introduction(
            _intro=intro,
            _role=role,
            id=strawberry.ID(intro.id),
            role=IntroductionRole(role.value),
            status=IntroductionStatus(status_for(intro, role, service.now()).value),
            message=intro.message or None,
            created=intro.created,
        )


async def _node(info: t.Ctx, node_id: str) -> t.Node | None:
    found = await info.context.nodes.load(node_id)
    return await t.wrap(found, info) if found is not None else None


@strawberry.type
class IntroductionSuccess:
    introduction: Introduction


IntroductionResult = Annotated[IntroductionSuccess | Error, strawberry.union("IntroductionResult")]


@strawberry.type
class IntroductionQuery:
    @strawberry.field(
        description="Your introductions, newest first: asked of you (`IN`: you are the "
        "candidate or the person in between) or by you (`OUT`), or both."
    )
    async def my_introductions(
        self,
        info: t.Ctx,
        direction: IntroductionDirection | None = None,
        status: list[IntroductionStatus] | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Introduction]:
        at = service.now()
        found = [
            (intro, role)
            for intro, role in await service.mine(info.context)
            if direction is None
            or (role is Role.SENDER) == (direction is IntroductionDirection.OUT)
        ]
        if status:
            wanted = {Status(s.value) for s in status}
            found = [(i, r) for i, r in found if status_for(i, r, at) in wanted]
        start = 0
        after_id = decode_cursor(after)
        if after_id is not None:
            ids = [i.id for i, _ in found]
            start = ids.index(after_id) + 1 if after_id in ids else len(ids)
        size = max(0, min(first, MAX_FIRST))
        page = found[start : start + size]
        edges = [Edge(cursor=encode_cursor(i.id), node=Introduction.of(i, r)) for i, r in page]
        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=start + size < len(found),
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            _total=len(found),
        )


@strawberry.type
class IntroductionMutation:
    @strawberry.mutation(
        description="Ask a candidate to meet your initiative (you must be in it). The "
        "candidate gets the request in the app and by mail, naming the initiative, you and "
        "the suggestion's reasons. With `via` (someone who knows the candidate), that person "
        "is asked to pass it on first. Rate limited per sender (5 an hour, 20 a day)."
    )
    async def request_introduction(
        self,
        info: t.Ctx,
        initiative: strawberry.ID | None,
        candidate: strawberry.ID | None,
        via: strawberry.ID | None = None,
        message: str | None = None,
    ) -> IntroductionResult:
        try:
            with refusing():
                intro = await service.request(
                    info.context,
                    str(initiative) if initiative else None,
                    str(candidate) if candidate else None,
                    str(via) if via else None,
                    message,
                )
        except Refused as refused:
            return refused.error
        return IntroductionSuccess(introduction=Introduction.of(intro, Role.SENDER))

    @strawberry.mutation(
        description="As the candidate: accept (both sides then see each other's contact "
        "details and get them by mail) or decline (quietly: the sender is not told)."
    )
    async def answer_introduction(
        self, info: t.Ctx, id: strawberry.ID | None, accept: bool | None
    ) -> IntroductionResult:
        try:
            with refusing():
                intro = await service.answer(info.context, str(id) if id else None, accept)
                await info.context.see_as_viewer()  # the other side is now in sight
        except Refused as refused:
            return refused.error
        return IntroductionSuccess(introduction=Introduction.of(intro, Role.CANDIDATE))

    @strawberry.mutation(
        description="As the person in between: pass the request on to the candidate "
        "(`forward: true`) or decline it (quietly)."
    )
    async def forward_introduction(
        self, info: t.Ctx, id: strawberry.ID | None, forward: bool | None = True
    ) -> IntroductionResult:
        try:
            with refusing():
                intro = await service.forward(info.context, str(id) if id else None, forward)
        except Refused as refused:
            return refused.error
        return IntroductionSuccess(introduction=Introduction.of(intro, Role.VIA))
