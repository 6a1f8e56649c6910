"""The introduction pages in process: the request form from a suggestion, the inbox
with accept and decline, contact details only after accepting, a quiet decline, and
both languages."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.web.conftest import Person

SKILL, THEME, WIJK = "skill-solar-installation", "theme-energy", "WK051817"
MakePerson = Callable[[str], Awaitable[Person]]


async def _gql(person: Person, query: str, **variables: Any) -> dict[str, Any]:
    r = await person.http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"x-csrf-token": person.csrf},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert not body.get("errors"), body
    return body["data"]  # type: ignore[no-any-return]


async def _candidate(signed_in: MakePerson, name: str) -> Person:
    """A resident who made herself public and matchable, with the skill asked for."""
    person = await signed_in(name)
    await _gql(person, "mutation { setVisibility(visibility: PUBLIC) { __typename } }")
    await _gql(person, "mutation { setMatchable(matchable: true) { __typename } }")
    await _gql(
        person,
        'mutation($s: ID!) { updateProfile(input: {skills: [$s], placeCode: "BU05181785"}) '
        "{ __typename } }",
        s=SKILL,
    )
    return person


async def _initiative(person: Person, name: str) -> str:
    got = await _gql(
        person,
        "mutation($input: StartInitiativeInput!) { startInitiative(input: $input) { "
        "... on StartInitiativeSuccess { initiative { id } } ... on Error { message } } }",
        input={"name": name, "placeCode": WIJK, "themes": [THEME], "needs": [{"skill": SKILL}]},
    )
    return str(got["startInitiative"]["initiative"]["id"])


async def _ask(sender: Person, initiative: str, candidate: Person) -> httpx.Response:
    form = await sender.http.post(
        "/introductions/request",
        data={"csrf_token": sender.csrf, "initiative": initiative, "candidate": candidate.actor_id},
    )
    assert form.status_code == 200, form.text  # a suggestion's button: the form first
    return await sender.http.post(
        "/introductions/request",
        data={
            "csrf_token": sender.csrf,
            "confirm": "1",
            "initiative": initiative,
            "candidate": candidate.actor_id,
            "message": "Zullen we koffie drinken?",
        },
    )


def _text(html: str) -> str:
    """The page without its tags (names sit in spans marked translate=no)."""
    return re.sub(r"<[^>]+>", "", html)


def _intro_id(html: str) -> str:
    found = re.search(r'action="/introductions/(intro-[0-9a-f]+)/answer"', html)
    assert found, html
    return found.group(1)


async def test_ask_accept_and_see_each_others_contact(signed_in: MakePerson) -> None:
    sanne = await signed_in("Sanne Visser")
    kim = await _candidate(signed_in, "Kim de Zon")
    ini = await _initiative(sanne, "Energiecoöperatie Moerwijk (pagina)")
    form = await sanne.http.get(
        "/introductions/request", params={"initiative": ini, "candidate": kim.actor_id}
    )
    assert "Kim de Zon" in form.text and "Energiecoöperatie Moerwijk (pagina)" in form.text
    assert "biedt" in form.text  # the suggestion's reasons
    sent = await _ask(sanne, ini, kim)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/introductions?")
    mine = _text((await sanne.http.get(sent.headers["location"])).text)
    assert "Je vraag is verstuurd" in mine and "Aan Kim de Zon" in mine
    assert "wacht op antwoord" in mine and kim.email not in mine
    assert 'class="badge demo"' not in mine  # real people, a user-made initiative

    inbox = (await kim.http.get("/introductions")).text
    assert "Van Sanne Visser" in _text(inbox) and "Zullen we koffie drinken?" in inbox
    assert sanne.email not in inbox
    iid = _intro_id(inbox)
    yes = await kim.http.post(
        f"/introductions/{iid}/answer", data={"csrf_token": kim.csrf, "accept": "yes"}
    )
    assert yes.status_code == 303
    inbox = (await kim.http.get(yes.headers["location"])).text
    assert f'href="mailto:{sanne.email}"' in inbox and "je zei ja" in inbox
    mine = (await sanne.http.get("/introductions")).text
    assert f'href="mailto:{kim.email}"' in mine and "ja gezegd" in mine


async def test_a_declined_request_reveals_nothing(signed_in: MakePerson) -> None:
    sanne = await signed_in("Sanne Bakker")
    dirk = await _candidate(signed_in, "Dirk de Dakdekker")
    ini = await _initiative(sanne, "Zon op het dak")
    assert (await _ask(sanne, ini, dirk)).status_code == 303
    before = (await sanne.http.get("/introductions")).text
    iid = _intro_id((await dirk.http.get("/introductions")).text)
    no = await dirk.http.post(
        f"/introductions/{iid}/answer", data={"csrf_token": dirk.csrf, "accept": "no"}
    )
    assert no.status_code == 303
    after = (await sanne.http.get("/introductions")).text
    strip = re.compile(r'name="csrf_token" value="[^"]*"')
    assert strip.sub("", before) == strip.sub("", after)  # not a byte changed for her
    assert dirk.email not in after
    assert "je zei nee" not in after and "declined" not in after.lower()


async def test_pages_in_english_and_signed_out(
    signed_in: MakePerson, client: httpx.AsyncClient
) -> None:
    out = await client.get("/introductions")
    assert out.status_code == 303 and out.headers["location"].startswith("/auth/signin?next=")
    person = await signed_in("Eva Engels")
    english = (await person.http.get("/introductions", params={"lang": "en"})).text
    assert "Asked of you" in english and "Asked by you" in english
    assert "Aan jou gevraagd" not in english
    dutch = (await person.http.get("/introductions")).text
    assert "Aan jou gevraagd" in dutch and "Asked of you" not in dutch


async def test_only_members_can_send_and_the_error_is_in_words(signed_in: MakePerson) -> None:
    sanne = await signed_in("Sanne Smit")
    kim = await _candidate(signed_in, "Kim Klaver")
    stranger = await signed_in("Stan Vreemd")
    ini = await _initiative(sanne, "Buurtmoestuin")
    r = await _ask(stranger, ini, kim)
    assert r.status_code == 400
    assert "Alleen wie meedoet aan dit initiatief" in r.text


async def test_a_card_about_a_made_up_person_carries_the_demo_badge(
    signed_in: MakePerson,
) -> None:
    sanne = await signed_in("Sanne Demovraag")
    ini = await _initiative(sanne, "Zonnedaken Moerwijk (demo-badge)")
    found = await _gql(
        sanne,
        "query($i: ID!) { suggestPartners(initiative: $i, first: 20) "
        "{ actor { id name source { demo } } } }",
        i=ini,
    )
    demo = next(s["actor"] for s in found["suggestPartners"] if s["actor"]["source"]["demo"])
    form = await sanne.http.get(
        "/introductions/request", params={"initiative": ini, "candidate": demo["id"]}
    )
    assert '<span class="badge demo"' in form.text
    sent = await sanne.http.post(
        "/introductions/request",
        data={
            "csrf_token": sanne.csrf,
            "confirm": "1",
            "initiative": ini,
            "candidate": demo["id"],
            "message": "Hallo",
        },
    )
    assert sent.status_code == 303, sent.text
    mine = (await sanne.http.get("/introductions")).text
    card = re.search(r"<h3>(?:(?!</h3>).)*" + re.escape(demo["name"]) + r".*?</h3>", mine, re.S)
    assert card and '<span class="badge demo"' in card.group(0)
    # the initiative is hers (user-made): no badge after its name
    assert 'Zonnedaken Moerwijk (demo-badge)</a> <span class="badge' not in mine
