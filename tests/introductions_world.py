"""A small world for introduction tests (tests/api, tests/identity), built through
the API by accounts with tokens.

* ``sanne``: a private resident who starts the public initiative ``INI`` (needs SKILL).
* ``kim``, ``dirk``: public, matchable ZZP'er and professional with the skill, e-mail
  and website; candidates.
* ``vera``: a public, matchable ZZP'er known to ``fatima``; ``fatima``: a resident of
  ``network`` visibility whom ``sanne`` knows (the person in between).
* ``hidden``: a private but matchable resident with the skill (no one may contact her);
  ``shy``: a public resident with the skill who did not agree to be suggested.
* ``outsider``: a signed-in resident in no initiative; ``admin``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.api.conftest import run
from tests.api.server import Server
from tests.identity_helpers import gql_session, make_account

BUURT, WIJK = "BU05181785", "WK051817"
SKILL, THEME = "skill-solar-installation", "theme-energy"

REGISTER = """mutation($input: RegisterActorInput!) { registerActor(input: $input) {
  __typename ... on RegisterActorSuccess { actor { id } } ... on Error { code field message } } }"""
START = """mutation($input: StartInitiativeInput!) { startInitiative(input: $input) {
  __typename ... on StartInitiativeSuccess { initiative { id } }
  ... on Error { code field message } } }"""
REQUEST = """mutation($i: ID, $c: ID, $v: ID, $m: String) {
  requestIntroduction(initiative: $i, candidate: $c, via: $v, message: $m) {
    __typename ... on IntroductionSuccess { introduction { id status role reasons } }
    ... on Error { code field message } } }"""
ANSWER = """mutation($id: ID, $a: Boolean) { answerIntroduction(id: $id, accept: $a) {
  __typename ... on IntroductionSuccess { introduction { id status role } }
  ... on Error { code field message } } }"""
FORWARD = """mutation($id: ID, $f: Boolean) { forwardIntroduction(id: $id, forward: $f) {
  __typename ... on IntroductionSuccess { introduction { id status role } }
  ... on Error { code field message } } }"""
MINE = """query($d: IntroductionDirection) { myIntroductions(direction: $d, first: 50) {
  totalCount edges { node { id role status message reasons answered
    initiative { id name } sender { id name redacted email } candidate { id name email }
    via { id name } contact { name email website } } } } }"""
CONTACT = "query($a: ID!) { actor(id: $a) { id name redacted email website } }"


@dataclass
class World:
    server: Server
    tag: str
    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)

    async def ask(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        async with gql_session(self.server, self.tokens[who]) as session:
            return await run(session, query, **variables)

    async def payload(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        (value,) = (await self.ask(who, query, **variables)).values()
        return value  # type: ignore[no-any-return]

    async def mine(self, who: str, direction: str | None = None) -> list[dict[str, Any]]:
        got = await self.payload(who, MINE, d=direction)
        return [e["node"] for e in got["edges"]]

    async def request(self, who: str, candidate: str, via: str | None = None) -> dict[str, Any]:
        return await self.payload(
            who,
            REQUEST,
            i=self.ids["INI"],
            c=self.ids.get(candidate, candidate),
            v=self.ids.get(via, via) if via else None,
            m=f"Hoi! Groet van {who}",
        )


PEOPLE = {
    # who: (kind, visibility, matchable, with skill, contact)
    "sanne": ("RESIDENT", "PRIVATE", False, False, False),
    "kim": ("FREELANCER", "PUBLIC", True, True, True),
    "dirk": ("PROFESSIONAL", "PUBLIC", True, True, True),
    "vera": ("FREELANCER", "PUBLIC", True, True, True),
    "fatima": ("RESIDENT", "NETWORK", False, False, False),
    "hidden": ("RESIDENT", "PRIVATE", True, True, True),
    "shy": ("RESIDENT", "PUBLIC", False, True, True),
    "outsider": ("RESIDENT", "PRIVATE", False, False, False),
    "rita": ("RESIDENT", "PRIVATE", False, False, False),
    "ema": ("RESIDENT", "PRIVATE", False, False, False),
}


async def build_world(server: Server) -> World:
    tag = uuid.uuid4().hex[:8]
    w = World(server, tag)
    w.tokens["anonymous"] = None
    for who, (kind, visibility, matchable, skilled, contact) in PEOPLE.items():
        email = f"{who}-{tag}@example.org"
        creds = await make_account(server, email=email)
        w.tokens[who], w.emails[who] = creds.token, email
        extra: dict[str, Any] = {"skills": [SKILL], "interests": [THEME]} if skilled else {}
        if contact:
            extra |= {
                "email": f"{who}.profiel-{tag}@example.org",
                "website": f"https://{who}.example",
            }
        got = await w.payload(
            who,
            REGISTER,
            input={
                "id": f"{who}-{tag}",
                "kind": kind,
                "name": f"{who.capitalize()} {tag}",
                "visibility": visibility,
                "matchable": matchable,
                "placeCode": BUURT if kind == "RESIDENT" else WIJK,
                **extra,
            },
        )
        assert got["__typename"] == "RegisterActorSuccess", got
        w.ids[who] = f"{who}-{tag}"
    w.tokens["admin"] = (await make_account(server, admin=True)).token
    got = await w.payload(
        "sanne",
        START,
        input={
            "id": f"ini-{tag}",
            "name": f"Energiecoöperatie {tag}",
            "placeCode": WIJK,
            "themes": [THEME],
            "needs": [{"skill": SKILL}],
        },
    )
    assert got["__typename"] == "StartInitiativeSuccess", got
    w.ids["INI"] = f"ini-{tag}"
    for who in ("rita", "ema"):  # more members who ask
        asked = await w.payload(
            who,
            "mutation($i: ID!) { joinInitiative(initiative: $i) { __typename } }",
            i=w.ids["INI"],
        )
        assert asked["__typename"] == "JoinInitiativeSuccess", asked
        ok = await w.payload(
            "sanne",
            "mutation($i: ID!, $a: ID!) { acceptJoinRequest(initiative: $i, actor: $a) "
            "{ ... on MembershipSuccess { status } } }",
            i=w.ids["INI"],
            a=w.ids[who],
        )
        assert ok["status"] == "MEMBER", ok
    for a, b in (("sanne", "fatima"), ("fatima", "vera")):
        await w.payload(
            a,
            "mutation($a: ID!, $b: ID!) { link(type: KNOWS, from: $a, to: $b) { __typename } }",
            a=w.ids[a],
            b=w.ids[b],
        )
        agreed = await w.payload(
            b,
            "mutation($a: ID!) { acceptKnows(from: $a) { ... on LinkSuccess { status } } }",
            a=w.ids[a],
        )
        assert agreed["status"] == "LINKED", agreed
    return w
