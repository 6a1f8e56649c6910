"""My profile at /me: by names only into the store, errors next to the field,
visibility and matchable explained and saved, erase with confirmation."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from graph.model import NodeId, RelType

from .conftest import Person


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


async def _skill(http: httpx.AsyncClient, text: str) -> dict[str, Any]:
    r = await http.post("/graphql", json={"query": "{ skills { id nameNl nameEn } }"})
    skills = r.json()["data"]["skills"]
    return next(s for s in skills if text in s["nameEn"].lower())


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_the_profile_renders_in_both_languages(signed_in: Any, lang: str) -> None:
    person: Person = await signed_in("Noor Bakker")
    person.http.cookies.set("lang", lang)
    r = await person.http.get("/me")
    assert r.status_code == 200 and f'<html lang="{lang}">' in r.text
    assert person.email in r.text and "Noor Bakker" in r.text
    heading = "Mijn profiel" if lang == "nl" else "My profile"
    assert f"<h1>{heading}</h1>" in r.text
    # every visibility choice is explained in plain words
    explain = "Niemand ziet je naam" if lang == "nl" else "Nobody sees your name"
    assert explain in r.text


async def test_anonymous_visitors_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    r = await client.get("/me")
    assert r.status_code == 303 and r.headers["location"] == "/auth/signin"


async def test_profile_edits_by_names_only_end_up_in_the_store(
    web_app: Starlette, signed_in: Any
) -> None:
    person: Person = await signed_in("Fatima El Amrani")
    http = person.http
    token = _csrf((await http.get("/me")).text)
    solar = await _skill(http, "solar")
    # no JavaScript: every choice typed as a name, the place by its wijk name
    r = await http.post(
        "/me",
        data={
            "csrf_token": token,
            "name": "Fatima El Amrani",
            "description": "Wil zonnepanelen op elk dak in Moerwijk",
            "email": "fatima@voorbeeld.nl",
            "website": "",
            "place": "",
            "place_text": "Moerwijk",
            "skills_text": solar["nameNl"],
            "interests_text": "energie",
        },
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/me?done=profile.done.saved"
    page = (await http.get(r.headers["location"])).text
    assert "Je profiel is opgeslagen." in page

    store = web_app.state.store
    actor = (await store.get_nodes([NodeId(person.actor_id)]))[NodeId(person.actor_id)]
    assert actor.email == "fatima@voorbeeld.nl"
    assert actor.description == "Wil zonnepanelen op elk dak in Moerwijk"
    found = await store.neighbours(
        [NodeId(person.actor_id)],
        types=[RelType.LIVES_IN, RelType.HAS_SKILL, RelType.INTERESTED_IN],
    )
    by_type: dict[RelType, list[Any]] = {}
    for n in found[NodeId(person.actor_id)]:
        by_type.setdefault(n.rel.type, []).append(n.node)
    assert [p.name for p in by_type[RelType.LIVES_IN]] == ["Moerwijk"]
    assert [s.id for s in by_type[RelType.HAS_SKILL]] == [solar["id"]]
    assert [th.name_nl for th in by_type[RelType.INTERESTED_IN]] == ["Energie"]

    # the page now shows them by name, ticked, and the place by its name
    assert f'name="skills" value="{solar["id"]}" checked' in page
    assert (
        'name="place_text" type="text" autocomplete="off"\n         value="Moerwijk"' in page
        or ('value="Moerwijk"' in page)
    )


async def test_unknown_names_and_bad_fields_are_explained_next_to_the_field(
    signed_in: Any,
) -> None:
    person: Person = await signed_in("Kees Jansen")
    http = person.http
    token = _csrf((await http.get("/me")).text)
    r = await http.post(
        "/me",
        data={
            "csrf_token": token,
            "name": "Kees Jansen",
            "email": "kees-at-voorbeeld",
            "place_text": "Nergenshuizen",
            "skills_text": "zonnepanelen, toveren",
        },
    )
    assert r.status_code == 400
    assert 'id="place-error">We kennen geen plaats die zo heet.' in r.text
    assert 'id="skills-error">Onbekend: ' in r.text and "toveren" in r.text
    assert 'value="kees-at-voorbeeld"' in r.text  # kept to correct
    # the names resolve; now only the e-mail address is wrong
    r = await http.post(
        "/me",
        data={
            "csrf_token": token,
            "name": "Kees Jansen",
            "email": "kees-at-voorbeeld",
            "place_text": "1234 AB",
        },
    )
    assert 'id="place-error">Bij deze postcode kennen we geen wijk.' in r.text
    r = await http.post(
        "/me", data={"csrf_token": token, "name": "Kees Jansen", "email": "kees-at-voorbeeld"}
    )
    assert r.status_code == 400
    assert 'id="email-error">Dit is geen e-mailadres.' in r.text


async def test_an_ambiguous_place_asks_which_one(signed_in: Any) -> None:
    person: Person = await signed_in("Ria Smit")
    token = _csrf((await person.http.get("/me")).text)
    r = await person.http.post(
        "/me", data={"csrf_token": token, "name": "Ria Smit", "place_text": "moerwijk-"}
    )
    assert r.status_code == 400
    assert "Meerdere plaatsen passen bij wat je typte" in r.text
    assert re.search(r'type="radio" name="place" value="BU\d+"', r.text)


async def test_visibility_and_matchable_take_effect(
    signed_in: Any, client: httpx.AsyncClient
) -> None:
    person: Person = await signed_in("Youssef Amrani")
    token = _csrf((await person.http.get("/me")).text)
    query = {"query": f'{{ actor(id: "{person.actor_id}") {{ name matchable }} }}'}
    assert (await client.post("/graphql", json=query)).json()["data"]["actor"]["name"] != (
        "Youssef Amrani"
    )
    r = await person.http.post(
        "/me/privacy", data={"csrf_token": token, "visibility": "PUBLIC", "matchable": "yes"}
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/me?done=profile.done.privacy#privacy"
    seen = (await client.post("/graphql", json=query)).json()["data"]["actor"]
    assert seen == {"name": "Youssef Amrani", "matchable": True}
    page = (await person.http.get("/me")).text
    assert 'id="visibility" data-value="public"' in page


async def test_erase_asks_for_confirmation_then_erases(web_app: Starlette, signed_in: Any) -> None:
    person: Person = await signed_in("Gerrit Zonneveld")
    token = _csrf((await person.http.get("/me")).text)
    r = await person.http.post("/me/erase", data={"csrf_token": token})
    assert r.status_code == 400 and "Vink eerst aan" in r.text
    r = await person.http.post("/me/erase", data={"csrf_token": token, "confirm": "yes"})
    assert r.status_code == 303 and r.headers["location"] == "/auth/signin?done=auth.done.erased"
    gone = await web_app.state.store.get_nodes([NodeId(person.actor_id)])
    assert NodeId(person.actor_id) not in gone


async def test_every_form_carries_the_sessions_csrf_token(signed_in: Any) -> None:
    person: Person = await signed_in("Lotte de Wit")
    page = (await person.http.get("/me")).text
    forms = re.findall(r"<form .*?</form>", page, flags=re.S)
    posting = [f for f in forms if 'method="post"' in f]
    assert len(posting) >= 4  # sign out, profile, privacy, erase
    for form in posting:
        assert f'name="csrf_token" value="{person.csrf}"' in form, form[:200]


async def test_a_postcode_picks_its_wijk(web_app: Starlette, signed_in: Any) -> None:
    person: Person = await signed_in("Noor Postma")
    http = person.http
    token = _csrf((await http.get("/me")).text)
    form = {"csrf_token": token, "name": "Noor Postma", "email": "noor@voorbeeld.nl"}
    r = await http.post("/me", data={**form, "place_text": "2532 AB"})
    assert r.status_code == 303, r.text
    found = await web_app.state.store.neighbours(
        [NodeId(person.actor_id)], types=[RelType.LIVES_IN]
    )
    assert [n.node.name for n in found[NodeId(person.actor_id)]] == ["Moerwijk"]
    # a postcode in two wijken asks which one, in plain words, with both to choose
    r = await http.post("/me", data={**form, "place_text": "5611"})
    assert r.status_code == 400
    assert 'id="place-error">Deze postcode ligt in meer dan één wijk.' in r.text
    assert 'value="WK077211"' in r.text and 'value="WK077221"' in r.text
