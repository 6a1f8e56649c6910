"""The account pages: rendered in the layout in Dutch and English, errors in plain words
next to the field, redirects after a post; JSON clients still get JSON."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette

from .conftest import PASSWORD

PAGES = ["/auth/signup", "/auth/signin", "/auth/reset", "/auth/reset/confirm?code=x"]


@pytest.mark.parametrize("path", PAGES)
async def test_each_account_page_renders_in_dutch_and_english(
    client: httpx.AsyncClient, path: str
) -> None:
    dutch = await client.get(path)
    assert dutch.status_code == 200 and '<html lang="nl">' in dutch.text
    assert 'href="#main"' in dutch.text and '<main id="main"' in dutch.text
    client.cookies.set("lang", "en")
    english = await client.get(path)
    assert english.status_code == 200 and '<html lang="en">' in english.text
    assert english.headers["content-language"] == "en"
    assert re.sub(r"\s+", " ", dutch.text) != re.sub(r"\s+", " ", english.text)


async def test_sign_up_explains_each_wrong_field(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/auth/signup", data={"name": " ", "email": "geen-adres", "password": "kort"}
    )
    assert r.status_code == 400
    assert 'id="name-error">Vul je naam in.' in r.text
    assert 'id="email-error">Dit is geen e-mailadres.' in r.text
    assert 'id="password-error">Je wachtwoord is te kort' in r.text
    assert 'aria-describedby="email-error"' in r.text and 'aria-invalid="true"' in r.text
    assert 'value="geen-adres"' in r.text  # what was typed stays (but never the password)
    assert 'value="kort"' not in r.text


async def test_sign_up_redirects_to_a_confirmation(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/auth/signup",
        data={"name": "Sanne de Vries", "email": "sanne.web@voorbeeld.nl", "password": PASSWORD},
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/auth/signup?done=auth.done.signup_sent"
    page = await client.get(r.headers["location"])
    assert 'role="status">Bijna klaar: we hebben je een mail gestuurd.' in page.text


async def test_sign_in_in_english_says_what_went_wrong_then_signs_in(
    web_app: Starlette, client: httpx.AsyncClient
) -> None:
    await web_app.state.identity.create_account("joost.web@voorbeeld.nl", PASSWORD, verified=True)
    client.cookies.set("lang", "en")
    r = await client.post(
        "/auth/signin", data={"email": "joost.web@voorbeeld.nl", "password": "niet dit wachtwoord"}
    )
    assert r.status_code == 400
    assert "This e-mail address and password do not match" in r.text
    r = await client.post(
        "/auth/signin",
        data={"email": "joost.web@voorbeeld.nl", "password": PASSWORD, "next": "/search?q=x"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/search?q=x"
    page = await client.get("/auth/signin")
    assert 'id="signout"' in page.text  # the header now offers to sign out
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = await client.post("/auth/signout", data={"csrf_token": token.group(1)})
    assert r.status_code == 303 and r.headers["location"] == "/auth/signin"
    assert 'id="signout"' not in (await client.get("/auth/signin")).text


async def test_a_signed_in_post_without_the_csrf_token_is_refused(signed_in: object) -> None:
    person = await signed_in("Bram Visser")  # type: ignore[operator]
    r = await person.http.post("/auth/signout", data={})
    assert r.status_code == 401 and "niet van deze site" in r.text
    assert (await person.http.get("/graphql", params={"query": "{ me { id } }"})).json()["data"][
        "me"
    ]  # still signed in


async def test_json_clients_still_get_json(client: httpx.AsyncClient) -> None:
    r = await client.post("/auth/signin", json={"email": "x@voorbeeld.nl", "password": "y"})
    assert r.status_code == 401 and r.json() == {"error": "wrong e-mail address or password"}
    r = await client.post("/auth/signup", json={"email": "nee", "password": "y", "name": "z"})
    assert r.status_code == 400 and "error" in r.json()


async def test_a_dead_verification_link_says_so_in_the_layout(client: httpx.AsyncClient) -> None:
    r = await client.get("/auth/verify", params={"code": "niet-geldig"})
    assert r.status_code == 400 and "Deze link werkt niet (meer)." in r.text
    assert 'href="#main"' in r.text


async def test_a_post_from_another_site_is_refused(signed_in: object) -> None:
    person = await signed_in("Mira Koster")  # type: ignore[operator]
    r = await person.http.post(
        "/me/privacy",
        data={"csrf_token": person.csrf, "visibility": "PUBLIC", "matchable": "yes"},
        headers={"origin": "https://elders.example"},
    )
    assert r.status_code == 403
