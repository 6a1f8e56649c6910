"""Starting an initiative and its page, over HTTP against the real app (in process):
by names only, errors beside the fields with nothing lost, joining by request and a
coordinator's answer, and what an outsider may not see.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from html import unescape
from pathlib import Path

import httpx

from api.app import create_app
from api.settings import Settings
from graph.embedded import EmbeddedStore
from tests.web.conftest import Person

MakePerson = Callable[[str], Awaitable[Person]]


def _instrument_id(html: str, name: str) -> str:
    """The value of the instrument checkbox labelled ``name`` (what a click would send)."""
    found = re.search(
        r'name="instruments" value="([^"]+)"[^>]*> <span>' + re.escape(name) + "[ <]", html
    )
    assert found, f"no instrument {name!r} on the form"
    return found.group(1)


async def start(person: Person, name: str, **extra: str) -> httpx.Response:
    form = await person.http.get("/initiatives/new")
    assert form.status_code == 200
    # the token the form carries (as a browser would post it), not the one from sign-in
    token = re.search(r'id="new-initiative".*?name="csrf_token" value="([^"]*)"', form.text, re.S)
    assert token and token.group(1) == person.csrf
    data = {
        "csrf_token": token.group(1),
        "name": name,
        "description": "Zonnepanelen op de daken van de flats",
        "place_text": "Moerwijk",
        "themes_text": "Energie",
        "need_rows": "3",
        "need_0_text": "Zonnepanelen installeren",
        "need_0_urgency": "HIGH",
        "need_1_text": "grant writing",  # English names work too
        "need_1_urgency": "LOW",
        "need_2_text": "",
        "instruments": _instrument_id(form.text, "Right to Challenge"),
        "stage": "IDEA",
        "visibility": "PUBLIC",
        **extra,
    }
    return await person.http.post("/initiatives/new", data=data)


async def started(person: Person, name: str) -> str:
    """Start an initiative by names only; its page's path."""
    answer = await start(person, name)
    assert answer.status_code == 303, answer.text
    path = answer.headers["location"].split("?")[0]
    assert re.fullmatch(r"/initiatives/[\w-]+", path), path
    return path


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


async def test_start_an_initiative_by_names_only(signed_in: MakePerson) -> None:
    fatima = await signed_in("Fatima Ouali")
    name = f"Energiecoöperatie Moerwijk {secrets.token_hex(3)}"
    answer = await start(fatima, name)
    assert answer.status_code == 303, text_of(answer.text)
    assert "done=initiative.done.started" in answer.headers["location"]
    page = await fatima.http.get(answer.headers["location"])
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Je initiatief is gestart" in text
    assert name in text
    assert "Moerwijk (wijk)" in text
    assert "Energie" in text
    assert "Zonnepanelen installeren dringend" in text  # an open need, with its urgency
    assert "Subsidieaanvragen schrijven kan wachten" in text
    assert "Right to Challenge" in text
    assert "Fatima Ouali" in text and "initiatiefnemer" in text
    assert "Ingevoerd door een gebruiker" in text  # provenance
    assert 'id="demo-badge"' not in page.text
    # the starter coordinates it: requests, invitations, edit, delete
    assert 'id="coordinate"' in page.text and 'id="edit-link"' in page.text
    assert "Wie zou mee moeten doen?" in text


async def test_errors_are_said_beside_the_fields_and_nothing_is_lost(
    signed_in: MakePerson,
) -> None:
    piet = await signed_in("Piet Jansen")
    answer = await start(
        piet,
        "",
        description="Mijn beschrijving blijft staan",
        place_text="Nergenshuizen",
        themes_text="Energie, Vliegeren",
        need_0_text="toveren",
    )
    assert answer.status_code == 400
    html, text = answer.text, text_of(answer.text)
    assert "Niet alles is goed ingevuld" in text
    assert "Geef het initiatief een naam." in text
    assert "We kennen geen plaats die zo heet" in text
    assert "Onbekend: Vliegeren" in text
    assert "Onbekend: toveren" in text
    # what was typed is still there
    assert "Mijn beschrijving blijft staan" in html
    assert 'value="Nergenshuizen"' in html
    assert 'value="toveren"' in html
    assert 'value="Subsidieaanvragen schrijven"' in html  # the row that was right, resolved
    assert re.search(r'value="theme-energy" checked', html)
    assert 'aria-invalid="true"' in html
    # and in English
    piet.http.cookies.set("lang", "en")
    english = await start(piet, "", place_text="Nergenshuizen")
    piet.http.cookies.delete("lang")
    assert english.status_code == 400
    assert "Give the initiative a name." in text_of(english.text)
    assert "We know no place with that name" in text_of(english.text)


async def test_an_ambiguous_place_asks_which_one(signed_in: MakePerson) -> None:
    sara = await signed_in("Sara de Boer")
    answer = await start(sara, "Moestuin", place_text="Moerwijk-")
    assert answer.status_code == 400
    text = text_of(answer.text)
    assert "Meerdere plaatsen passen bij wat je typte" in text
    assert "Moerwijk-Oost" in text and "Moerwijk-West" in text


async def test_signed_out_the_form_says_sign_in_and_keeps_what_was_typed(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/initiatives/new")
    assert page.status_code == 200
    assert 'id="signin-first"' in page.text
    answer = await client.post(
        "/initiatives/new",
        data={"name": "Buurtmoestuin", "place_text": "Moerwijk", "themes_text": "Groen"},
    )
    assert answer.status_code == 400
    assert "Log eerst in" in text_of(answer.text)
    assert 'value="Buurtmoestuin"' in answer.text


async def test_a_coordinator_accepts_a_join_request(signed_in: MakePerson) -> None:
    coordinator = await signed_in("Cor Coördinator")
    path = await started(coordinator, f"Repair Café {secrets.token_hex(3)}")
    iid = path.rsplit("/", 1)[1]
    joiner = await signed_in("Jan Joiner")
    page = await joiner.http.get(path)
    assert 'id="join"' in page.text and 'id="coordinate"' not in page.text
    join_form = page.text.split(f'action="{path}/join"', 1)[1].split("</form>", 1)[0]
    assert f'name="csrf_token" value="{joiner.csrf}"' in join_form
    asked = await joiner.http.post(f"{path}/join", data={"csrf_token": joiner.csrf})
    assert asked.status_code == 303
    page = await joiner.http.get(asked.headers["location"])
    assert "Je vraag om mee te doen is verstuurd" in text_of(page.text)
    assert 'id="requested"' in page.text
    # only a coordinator may accept
    refused = await joiner.http.post(
        f"{path}/requests",
        data={"csrf_token": joiner.csrf, "actor": joiner.actor_id, "decision": "accept"},
    )
    assert refused.status_code == 400
    assert "Alleen de coördinatoren van dit initiatief mogen dat." in text_of(refused.text)
    # the coordinator sees who asks, by name, and accepts
    page = await coordinator.http.get(path)
    requests = page.text.split('id="join-requests"', 1)[1].split("</ul>", 1)[0]
    assert "Jan Joiner" in requests
    accepted = await coordinator.http.post(
        f"{path}/requests",
        data={"csrf_token": coordinator.csrf, "actor": joiner.actor_id, "decision": "accept"},
    )
    assert accepted.status_code == 303
    assert accepted.headers["location"].startswith(f"/initiatives/{iid}?")
    page = await coordinator.http.get(accepted.headers["location"])
    assert "Geaccepteerd" in text_of(page.text)
    assert "Geen open verzoeken." in text_of(page.text)
    page = await joiner.http.get(path)
    assert "Je doet mee." in text_of(page.text)
    # a member (not a coordinator) may ask for introductions, not decide who joins
    assert 'action="/introductions/request"' in page.text or "Nu geen voorstellen" in page.text
    assert 'id="coordinate"' not in page.text


async def test_a_hidden_member_is_not_shown_to_an_outsider(
    signed_in: MakePerson, client: httpx.AsyncClient
) -> None:
    coordinator = await signed_in("Carla Coördinator")
    name = f"Buurtkeuken {secrets.token_hex(3)}"
    path = await started(coordinator, name)
    hidden = await signed_in("Henk Verborgen")  # a private resident, as sign-up makes one
    await hidden.http.post(f"{path}/join", data={"csrf_token": hidden.csrf})
    await coordinator.http.post(
        f"{path}/requests",
        data={"csrf_token": coordinator.csrf, "actor": hidden.actor_id, "decision": "accept"},
    )
    assert "Je doet mee." in text_of((await hidden.http.get(path)).text)
    assert "Henk Verborgen" in (await hidden.http.get(path)).text  # he sees himself
    for outsider in (client, (await signed_in("Olga Buitenstaander")).http):
        page = await outsider.get(path)
        assert page.status_code == 200
        assert name in page.text
        # both are private residents: an outsider sees neither name
        assert "Carla Coördinator" not in page.text
        assert "Henk Verborgen" not in page.text
        assert 'id="join-requests"' not in page.text and 'id="coordinate"' not in page.text


async def test_an_unknown_initiative_is_a_404(client: httpx.AsyncClient) -> None:
    page = await client.get("/initiatives/ini-does-not-exist")
    assert page.status_code == 404
    assert "Dit initiatief bestaat niet (meer)" in text_of(page.text)


async def graphql(person: Person, query: str, **variables: object) -> dict[str, object]:
    answer = await person.http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"x-csrf-token": person.csrf},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]  # type: ignore[no-any-return]


async def test_a_coordinator_invites_by_name_and_the_invitee_accepts(
    signed_in: MakePerson,
) -> None:
    coordinator = await signed_in("Kees Coördinator")
    path = await started(coordinator, f"Fietsenwerkplaats {secrets.token_hex(3)}")
    invitee_name = f"Ingrid Uitgenodigd {secrets.token_hex(2)}"
    invitee = await signed_in(invitee_name)
    # a private resident cannot be found by name
    hidden = await coordinator.http.post(
        f"{path}/invite",
        data={"csrf_token": coordinator.csrf, "invitee_text": invitee_name, "role": "VOLUNTEER"},
    )
    assert hidden.status_code == 400
    assert "We vinden niemand die" in text_of(hidden.text)
    await graphql(invitee, "mutation { setVisibility(visibility: PUBLIC) { __typename } }")
    # the picker offers her by name
    options = await coordinator.http.get(
        "/initiatives/people",
        params={"field": "q", "q": invitee_name.split()[1], "list": "invitee-options"},
    )
    assert invitee_name in options.text and 'role="option"' in options.text
    invited = await coordinator.http.post(
        f"{path}/invite",
        data={"csrf_token": coordinator.csrf, "invitee_text": invitee_name, "role": "VOLUNTEER"},
    )
    assert invited.status_code == 303, text_of(invited.text)
    page = await coordinator.http.get(path)
    invitations = page.text.split('id="open-invitations"', 1)[1].split("</ul>", 1)[0]
    assert invitee_name in invitations and "vrijwilliger" in invitations
    page = await invitee.http.get(path)
    assert 'id="invited"' in page.text
    accepted = await invitee.http.post(
        f"{path}/invitation/accept", data={"csrf_token": invitee.csrf}
    )
    assert accepted.status_code == 303
    page = await invitee.http.get(path)
    members = page.text.split('id="members"', 1)[1].split("</section>", 1)[0]
    assert invitee_name in members and "vrijwilliger" in members


async def test_a_coordinator_changes_needs_ends_and_deletes(
    signed_in: MakePerson, client: httpx.AsyncClient
) -> None:
    coordinator = await signed_in("Els Coördinator")
    path = await started(coordinator, f"Buurtenergie {secrets.token_hex(3)}")
    other = await signed_in("Otto Anders")
    assert (await other.http.get(f"{path}/edit")).status_code == 403
    form = await coordinator.http.get(f"{path}/edit")
    assert form.status_code == 200
    assert 'value="Moerwijk"' in form.text and 'value="theme-energy" checked' in form.text
    added = await coordinator.http.post(
        f"{path}/needs/add",
        data={
            "csrf_token": coordinator.csrf,
            "need_text": "Fondsenwerving",
            "need_urgency": "HIGH",
        },
    )
    assert added.status_code == 303, text_of(added.text)
    assert "Fondsenwerving dringend" in text_of((await client.get(path)).text)
    unknown = await coordinator.http.post(
        f"{path}/needs/add", data={"csrf_token": coordinator.csrf, "need_text": "toveren"}
    )
    assert unknown.status_code == 400 and "Onbekend: toveren" in text_of(unknown.text)
    removed = await coordinator.http.post(
        f"{path}/needs/remove",
        data={"csrf_token": coordinator.csrf, "skill": "skill-fundraising"},
    )
    assert removed.status_code == 303
    assert "Fondsenwerving" not in text_of((await client.get(path)).text)
    ended = await coordinator.http.post(
        f"{path}/edit",
        data={
            "csrf_token": coordinator.csrf,
            "name": "Buurtenergie (klaar)",
            "place_text": "Moerwijk",
            "themes": "theme-energy",
            "stage": "ENDED",
            "visibility": "PUBLIC",
        },
    )
    assert ended.status_code == 303, text_of(ended.text)
    text = text_of((await client.get(path)).text)
    assert "Buurtenergie (klaar)" in text and "Beëindigd" in text
    unconfirmed = await coordinator.http.post(
        f"{path}/delete", data={"csrf_token": coordinator.csrf}
    )
    assert unconfirmed.status_code == 400
    assert "Vink eerst aan" in text_of(unconfirmed.text)
    refused = await other.http.post(
        f"{path}/delete", data={"csrf_token": other.csrf, "confirm": "yes"}
    )
    assert refused.status_code == 400
    deleted = await coordinator.http.post(
        f"{path}/delete", data={"csrf_token": coordinator.csrf, "confirm": "yes"}
    )
    assert deleted.status_code == 303
    assert (await client.get(path)).status_code == 404


async def test_demo_data_wears_a_badge_and_the_page_reads_in_english(
    client: httpx.AsyncClient,
) -> None:
    found = await client.post(
        "/graphql",
        json={"query": "{ initiatives(first: 50) { edges { node { id source { demo } } } } }"},
    )
    demo = [
        e["node"]["id"]
        for e in found.json()["data"]["initiatives"]["edges"]
        if e["node"]["source"]["demo"]
    ]
    assert demo, "the seeded store has demo initiatives"
    page = await client.get(f"/initiatives/{demo[0]}")
    assert 'id="demo-badge"' in page.text
    assert "Dit is verzonnen voorbeelddata" in text_of(page.text)
    english = await client.get(f"/initiatives/{demo[0]}", params={"lang": "en"})
    text = text_of(english.text)
    assert "Who should join?" in text and "made-up example data" in text
    assert "Wie zou mee moeten doen?" not in text


async def test_a_member_asks_for_an_introduction_from_a_suggestion(
    signed_in: MakePerson,
) -> None:
    """The button on a suggestion opens the introduction request (api.web.introductions)
    for that candidate; only members get it."""
    starter = await signed_in("Anouk de Vries")
    path = await started(starter, f"Zon op Moerwijk {secrets.token_hex(3)}")
    page = await starter.http.get(path)
    forms = re.findall(
        r'<form method="post" action="/introductions/request" class="inline introduction">'
        r"(.*?)</form>",
        page.text,
        re.S,
    )
    assert forms, "a member gets an 'ask for an introduction' button on each suggestion"
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', forms[0]))
    assert fields["initiative"] == path.rsplit("/", 1)[1]
    assert fields["csrf_token"] == starter.csrf and fields["candidate"]
    asked = await starter.http.post("/introductions/request", data=fields)
    assert asked.status_code == 200, text_of(asked.text)
    card = page.text.split(f'name="candidate" value="{fields["candidate"]}"', 1)[0]
    candidate = unescape(re.findall(r'<h3 translate="no">([^<]+)</h3>', card)[-1])
    assert candidate in text_of(asked.text)
    outsider = await signed_in("Bart Buiten")
    assert 'action="/introductions/request"' not in (await outsider.http.get(path)).text


async def test_suggestions_past_the_rate_limit_say_so(tmp_path: Path) -> None:
    """Suggestions are expensive queries: past the client's budget the page still
    shows, and says to try again in a minute (not that they are being worked out)."""
    store = EmbeddedStore.open(str(tmp_path / "limited.db"))
    settings = Settings(
        seed_actors=60, identity_db=str(tmp_path / "limited.identity.db"), expensive_budget=2
    )
    app = create_app(settings, store=store)
    try:
        async with app.router.lifespan_context(app):
            deadline = time.monotonic() + 300  # generous: the machine is shared
            while not app.state.status.ready:
                assert time.monotonic() < deadline and not app.state.status.error
                await asyncio.sleep(0.05)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                found = await http.post(
                    "/graphql",
                    json={"query": "{ initiatives(first: 1) { edges { node { id } } } }"},
                )
                iid = found.json()["data"]["initiatives"]["edges"][0]["node"]["id"]
                first = await http.get(f"/initiatives/{iid}")
                assert "Wie zou mee moeten doen?" in text_of(first.text)
                assert "veel voorstellen opgevraagd" not in text_of(first.text)
                again = await http.get(f"/initiatives/{iid}")
                assert again.status_code == 200
                assert "Je hebt deze minuut al veel voorstellen opgevraagd" in text_of(again.text)
    finally:
        await store.close()


def test_score_parts_become_words_on_a_scale() -> None:
    from api.web.i18n import catalogue
    from api.web.initiative_page import PARTS, level_of, parts_of

    assert [level_of(v) for v in (0.0, 0.2, 0.34, 0.5, 0.67, 1.0)] == [0, 1, 2, 2, 3, 3]
    words = parts_of({"skills": 0.2, "proximity": 0.9, "warmth": 0.0, "network": 0.5})
    assert [(p.key, p.level, p.dots) for p in words] == [
        ("proximity", 3, "●●●"),
        ("network", 2, "●●○"),
        ("skills", 1, "●○○"),
    ]
    # every part the API gives has its words in both languages
    assert all(catalogue().has(f"initiative.part.{key}") for key in PARTS)
