"""Sign-up, e-mail verification, sign-in, CSRF, rate limits, sign-out and password reset,
over real HTTP against ``wijknet serve`` mailing a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import re
import secrets
from typing import Any

import httpx
import pytest

from tests.api.server import Server, start_server
from tests.identity_helpers import audit_log, make_account
from tests.mailbox import Mailbox, link_in, text_of

PASSWORD = "een lang wachtwoord"
ME = {"query": "{ me { id email actorId } }"}


def _address() -> str:
    return f"bewoner-{secrets.token_hex(4)}@example.org"


async def _sign_up(http: httpx.AsyncClient, mailbox: Mailbox, email: str) -> dict[str, str]:
    """Sign up and follow the verification link; returns the JSON answer (account, csrf)."""
    r = await http.post(
        "/auth/signup", json={"email": email, "password": PASSWORD, "name": "Fatima de Vries"}
    )
    assert r.status_code == 202, r.text
    mail = mailbox.wait_for(email, "bevestig")
    link = link_in(mail, "/auth/verify")
    r = await http.get(link, headers={"accept": "application/json"})
    assert r.status_code == 200, r.text
    answer: dict[str, str] = r.json()
    return answer


async def test_sign_up_verify_and_act_as_the_new_person(
    mail_server: Server, mailbox: Mailbox
) -> None:
    email = _address()
    async with httpx.AsyncClient(base_url=mail_server.base) as http:
        # before verification, signing in is refused
        r = await http.post(
            "/auth/signup", json={"email": email, "password": PASSWORD, "name": "Fatima de Vries"}
        )
        assert r.status_code == 202
        r = await http.post("/auth/signin", json={"email": email, "password": PASSWORD})
        assert r.status_code == 401 and "confirm" in r.json()["error"]
        mail = mailbox.wait_for(email, "bevestig")
        link = link_in(mail, "/auth/verify")
        # in Dutch and English (the reader's language is not known yet), one link in both
        assert "confirm your e-mail address" in str(mail["Subject"])
        text = text_of(mail)
        assert "Bevestig je e-mailadres" in text and "Confirm your e-mail address" in text
        assert text.count(link) == 2
        r = await http.get(link, headers={"accept": "application/json"})
        assert r.status_code == 200
        csrf = r.json()["csrf"]
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
        # the link works once
        assert (await http.get(link, headers={"accept": "application/json"})).status_code == 400

        # a cookie authenticates a POST only together with the CSRF token
        r = await http.post("/graphql", json=ME)
        assert r.json()["data"]["me"] is None
        r = await http.post("/graphql", json=ME, headers={"x-csrf-token": "wrong"})
        assert r.json()["data"]["me"] is None
        r = await http.post("/graphql", json=ME, headers={"x-csrf-token": csrf})
        me = r.json()["data"]["me"]
        assert me["email"] == email and me["actorId"].startswith("res-")
        # a GET needs no token
        r = await http.get("/graphql", params=ME)
        assert r.json()["data"]["me"]["email"] == email
        # but a GET never runs a mutation (a link on another site cannot erase anyone)
        r = await http.get("/graphql", params={"query": "mutation { eraseMe { __typename } }"})
        assert r.status_code != 200 or "data" not in r.json() or r.json()["data"] is None
        r = await http.get("/graphql", params=ME)
        assert r.json()["data"]["me"]["email"] == email

        # the new person is their own actor: private, named as they signed up
        q = {"query": f'{{ actor(id: "{me["actorId"]}") {{ name visibility }} }}'}
        r = await http.post("/graphql", json=q, headers={"x-csrf-token": csrf})
        assert r.json()["data"]["actor"] == {"name": "Fatima de Vries", "visibility": "PRIVATE"}

        # signing out ends the session on the server too
        old = http.cookies.get("wijknet_session")
        r = await http.post(
            "/auth/signout", headers={"x-csrf-token": csrf, "content-type": "application/json"}
        )
        assert r.status_code == 200
    jar = {"wijknet_session": old or ""}
    async with httpx.AsyncClient(base_url=mail_server.base, cookies=jar) as stale:
        r = await stale.get("/graphql", params=ME)
        assert r.json()["data"]["me"] is None


async def test_signing_up_twice_reveals_nothing(mail_server: Server, mailbox: Mailbox) -> None:
    email = _address()
    async with httpx.AsyncClient(base_url=mail_server.base) as http:
        await _sign_up(http, mailbox, email)
        r = await http.post(
            "/auth/signup",
            json={"email": email, "password": "anders nog iets", "name": "Indringer"},
        )
        assert r.status_code == 202
        again = mailbox.wait_for(email, "al een account")
        assert "you already have an account" in str(again["Subject"])
        assert "Forgot your password?" in text_of(again)
        assert "Wachtwoord vergeten?" in text_of(again)


async def test_sign_in_is_rate_limited(mail_server: Server, mailbox: Mailbox) -> None:
    email = _address()
    async with httpx.AsyncClient(base_url=mail_server.base) as http:
        await _sign_up(http, mailbox, email)
        r = await http.post("/auth/signin", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200 and r.json()["csrf"]
        statuses = [
            (
                await http.post("/auth/signin", json={"email": email, "password": f"fout-{i}"})
            ).status_code
            for i in range(6)
        ]
        assert statuses[:4] == [401] * 4 and statuses[-1] == 429
        # now even the right password waits
        r = await http.post("/auth/signin", json={"email": email, "password": PASSWORD})
        assert r.status_code == 429


async def test_password_reset_by_mail(mail_server: Server, mailbox: Mailbox) -> None:
    email = _address()
    async with httpx.AsyncClient(base_url=mail_server.base) as http:
        await _sign_up(http, mailbox, email)
        r = await http.post("/auth/reset", json={"email": email})
        assert r.status_code == 202
        r = await http.post("/auth/reset", json={"email": "niemand@example.org"})
        assert r.status_code == 202  # the same answer for an unknown address
        reset_mail = mailbox.wait_for(email, "wachtwoord")
        link = link_in(reset_mail, "/auth/reset/confirm")
        assert "Choose a new password" in text_of(reset_mail)
        code = httpx.URL(link).params["code"]
        page = await http.get(link)
        assert 'name="password"' in page.text
        r = await http.post("/auth/reset/confirm", json={"code": code, "password": "kort"})
        assert r.status_code == 400
        r = await http.post(
            "/auth/reset/confirm", json={"code": code, "password": "nieuw geheim wachtwoord"}
        )
        assert r.status_code == 200
        r = await http.post("/auth/signin", json={"email": email, "password": PASSWORD})
        assert r.status_code == 401
        r = await http.post(
            "/auth/signin", json={"email": email, "password": "nieuw geheim wachtwoord"}
        )
        assert r.status_code == 200
        account = r.json()["account"]
    # the whole story is in the audit log, in order
    admin = await make_account(mail_server, admin=True)
    entries = [e for e in await audit_log(mail_server, admin.token) if e["accountId"] == account]
    assert [e["action"] for e in entries] == [
        "signup",
        "signup-verified",
        "reset-requested",
        "password-reset",
        "signin-failed",
        "signin",
    ]


async def test_cross_site_posts_are_refused(mail_server: Server, mailbox: Mailbox) -> None:
    email = _address()
    async with httpx.AsyncClient(base_url=mail_server.base) as http:
        answer = await _sign_up(http, mailbox, email)
        r = await http.post(
            "/me/erase",
            data={"csrf_token": answer["csrf"], "confirm": "yes"},
            headers={"origin": "https://evil.example"},
        )
        assert r.status_code == 403
        # a form post without the CSRF token does nothing either
        r = await http.post("/me/erase", data={"confirm": "yes"})
        assert r.status_code == 401
        r = await http.get("/graphql", params=ME)
        assert r.json()["data"]["me"]["email"] == email


async def test_without_smtp_serve_logs_each_mail(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("no-smtp")
    srv = start_server(str(folder / "trial.db"), folder, seed_actors=10)
    try:
        email = _address()
        async with httpx.AsyncClient(base_url=srv.base) as http:
            r = await http.post(
                "/auth/signup", json={"email": email, "password": PASSWORD, "name": "Kees"}
            )
            assert r.status_code == 202
            for _ in range(100):
                if "/auth/verify?code=" in srv.output():
                    break
                await asyncio.sleep(0.1)
            found = re.search(r"http://\S+/auth/verify\?code=\S+", srv.output())
            assert found, srv.output()
            r = await http.get(found.group(0), headers={"accept": "application/json"})
            assert r.status_code == 200 and r.json()["csrf"]
    finally:
        srv.stop()


async def test_mails_to_one_address_are_limited(mail_server: Server, mailbox: Mailbox) -> None:
    email = _address()
    body = {"email": email, "password": PASSWORD, "name": "Bom"}
    async with httpx.AsyncClient(base_url=mail_server.base) as http:
        statuses = [(await http.post("/auth/signup", json=body)).status_code for _ in range(11)]
        assert statuses == [202] * 10 + [429]
        # a reset request still answers the same, but sends nothing more
        assert (await http.post("/auth/reset", json={"email": email})).status_code == 202
    for _ in range(10):
        mailbox.wait_for(email)
    with pytest.raises(AssertionError):
        mailbox.wait_for(email, timeout=2)


SKILL = "skill-solar-installation"
FIND = """query($skill: ID!) {
  suggestPartners(draft: { themes: ["theme-energy"], placeCode: "GM0518",
                           neededSkills: [$skill] }, first: 50) { actor { id } }
  actors(skill: $skill, first: 100) { edges { node { id } } } }"""


async def test_a_new_person_is_found_on_the_next_request(
    mail_server: Server, mailbox: Mailbox
) -> None:
    """Sign up, say what you can, agree to be suggested: another user's suggestions and
    search find you on the very next request, and stop when you withdraw (the server
    reads its change log only once a minute here, so the request path did it)."""
    other = await make_account(mail_server)
    email = _address()

    async def found(actor_id: str) -> tuple[bool, bool]:
        async with httpx.AsyncClient(base_url=mail_server.base, timeout=60) as http:
            r = await http.post(
                "/graphql",
                json={"query": FIND, "variables": {"skill": SKILL}},
                headers=other.headers,
            )
        data = r.json()["data"]
        suggested = actor_id in {s["actor"]["id"] for s in data["suggestPartners"]}
        listed = actor_id in {e["node"]["id"] for e in data["actors"]["edges"]}
        return suggested, listed

    async with httpx.AsyncClient(base_url=mail_server.base, timeout=60) as http:
        signed = await _sign_up(http, mailbox, email)
        csrf = {"x-csrf-token": signed["csrf"]}

        async def as_me(query: str) -> dict[str, Any]:
            r = await http.post("/graphql", json={"query": query}, headers=csrf)
            data: dict[str, Any] = r.json()["data"]
            assert "Error" not in str(data), data
            return data

        me = (await as_me("{ me { actorId } }"))["me"]["actorId"]
        assert await found(me) == (False, False)  # private and not matchable yet
        await as_me(
            f'mutation {{ updateProfile(input: {{ placeCode: "GM0518", skills: ["{SKILL}"] }}) '
            "{ __typename } }"
        )
        await as_me("mutation { setVisibility(visibility: PUBLIC) { __typename } }")
        assert await found(me) == (False, True)  # visible, but not suggested: no consent
        await as_me("mutation { setMatchable(matchable: true) { __typename } }")
        assert await found(me) == (True, True)
        await as_me("mutation { setMatchable(matchable: false) { __typename } }")
        assert await found(me) == (False, True)
        await as_me("mutation { setVisibility(visibility: PRIVATE) { __typename } }")
        assert await found(me) == (False, False)


async def test_a_new_persons_first_tie_reaches_matching_at_once(
    mail_server: Server, mailbox: Mailbox
) -> None:
    """A membership accepted before the new person wrote anything else (a write of a
    relationship only) still counts at once: they are not suggested to the initiative
    they are a member of. This needs their actor in the matching index from sign-up on."""
    coordinator = await make_account(mail_server, actor="res-0000020")

    async def ask(headers: dict[str, str], query: str, **variables: Any) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=mail_server.base, timeout=60) as http:
            r = await http.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        data: dict[str, Any] = r.json()["data"]
        assert "Error" not in str(data), data
        return data

    started = await ask(
        coordinator.headers,
        'mutation($s: ID!) { startInitiative(input: { name: "Zonnedak Moerwijk", '
        'placeCode: "GM0518", themes: ["theme-energy"], needs: [{ skill: $s }] }) '
        "{ ... on StartInitiativeSuccess { initiative { id } } } }",
        s=SKILL,
    )
    initiative = started["startInitiative"]["initiative"]["id"]
    async with httpx.AsyncClient(base_url=mail_server.base, timeout=60) as http:
        signed = await _sign_up(http, mailbox, _address())
        r = await http.post(
            "/graphql",
            json={
                "query": 'mutation { createToken(name: "test") '
                "{ ... on CreateTokenSuccess { secret } } }"
            },
            headers={"x-csrf-token": signed["csrf"]},
        )
    me_headers = {"authorization": f"Bearer {r.json()['data']['createToken']['secret']}"}
    me = (await ask(me_headers, "{ me { actorId } }"))["me"]["actorId"]
    await ask(
        me_headers,
        "mutation($i: ID!) { joinInitiative(initiative: $i) { __typename } }",
        i=initiative,
    )
    accepted = await ask(
        coordinator.headers,
        "mutation($i: ID!, $a: ID!) { acceptJoinRequest(initiative: $i, actor: $a) "
        "{ ... on MembershipSuccess { status } } }",
        i=initiative,
        a=me,
    )
    assert accepted["acceptJoinRequest"]["status"] == "MEMBER"
    await ask(
        me_headers,
        f'mutation {{ updateProfile(input: {{ placeCode: "GM0518", skills: ["{SKILL}"] }}) '
        "{ __typename } }",
    )
    await ask(me_headers, "mutation { setVisibility(visibility: PUBLIC) { __typename } }")
    await ask(me_headers, "mutation { setMatchable(matchable: true) { __typename } }")
    found = await ask(
        coordinator.headers,
        "query($i: ID!, $s: ID!) { "
        "forInitiative: suggestPartners(initiative: $i, first: 50) { actor { id } } "
        'forDraft: suggestPartners(draft: { themes: ["theme-energy"], placeCode: "GM0518", '
        "neededSkills: [$s] }, first: 50) { actor { id } } }",
        i=initiative,
        s=SKILL,
    )
    assert me in {s["actor"]["id"] for s in found["forDraft"]}  # matchable and indexed
    assert me not in {s["actor"]["id"] for s in found["forInitiative"]}  # already a member
