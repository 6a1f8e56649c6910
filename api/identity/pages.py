"""Minimal server-rendered pages for the account flows (the web app comes later)."""

from __future__ import annotations

from html import escape

from api.identity.model import Account

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}"
    "label{display:block;margin:.5rem 0}input,select{font:inherit;padding:.3rem;width:100%}"
    "button{font:inherit;padding:.4rem 1rem;margin:.5rem 0}.msg{background:#eef;padding:.5rem}"
    ".err{background:#fee;padding:.5rem}"
)


def page(title: str, body: str, *, message: str = "", error: str = "") -> str:
    note = ""
    if message:
        note += f'<p class="msg" role="status">{escape(message)}</p>'
    if error:
        note += f'<p class="err" role="alert">{escape(error)}</p>'
    return (
        f'<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} - wijknet</title><style>{_STYLE}</style></head><body>"
        f'<nav><a href="/">kaart</a> · <a href="/me">mijn gegevens</a> · '
        f'<a href="/auth/signin">inloggen</a> · <a href="/auth/signup">account maken</a></nav>'
        f"<h1>{escape(title)}</h1>{note}{body}</body></html>"
    )


def _field(name: str, label: str, kind: str = "text", value: str = "") -> str:
    return (
        f'<label>{escape(label)} <input name="{name}" type="{kind}" '
        f'value="{escape(value)}" required></label>'
    )


def signup_form() -> str:
    return (
        '<form method="post" action="/auth/signup">'
        + _field("name", "Naam")
        + _field("email", "E-mailadres", "email")
        + _field("password", "Wachtwoord (minstens 10 tekens)", "password")
        + '<button type="submit">Account maken</button></form>'
    )


def signin_form(oidc: bool) -> str:
    out = (
        '<form method="post" action="/auth/signin">'
        + _field("email", "E-mailadres", "email")
        + _field("password", "Wachtwoord", "password")
        + '<button type="submit">Inloggen</button></form>'
        '<p><a href="/auth/reset">Wachtwoord vergeten?</a></p>'
    )
    if oidc:
        out += '<p><a id="oidc" href="/auth/oidc/login">Inloggen via je organisatie</a></p>'
    return out


def reset_request_form() -> str:
    return (
        '<form method="post" action="/auth/reset">'
        + _field("email", "E-mailadres", "email")
        + '<button type="submit">Stuur een link</button></form>'
    )


def reset_form(code: str) -> str:
    return (
        '<form method="post" action="/auth/reset/confirm">'
        f'<input type="hidden" name="code" value="{escape(code)}">'
        + _field("password", "Nieuw wachtwoord", "password")
        + '<button type="submit">Opslaan</button></form>'
    )


def me_page(account: Account, csrf: str, actor_name: str, visibility: str) -> str:
    hidden = f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">'
    options = "".join(
        f'<option value="{v}"{" selected" if v == visibility else ""}>{v}</option>'
        for v in ("public", "network", "private")
    )
    return (
        f'<p id="who">Ingelogd als <b>{escape(account.email)}</b> '
        f"({escape(actor_name)}), zichtbaarheid <b id=visibility>{escape(visibility)}</b>.</p>"
        f'<form method="post" action="/me/profile">{hidden}'
        f'<label>Zichtbaarheid <select name="visibility">{options}</select></label>'
        '<button type="submit" id="save-visibility">Opslaan</button></form>'
        '<p><a id="download" href="/me/data.json" download>Download al mijn gegevens (JSON)</a></p>'
        f'<form method="post" action="/auth/signout">{hidden}'
        '<button type="submit" id="signout">Uitloggen</button></form>'
        f'<form method="post" action="/me/erase">{hidden}'
        '<label><input type="checkbox" name="confirm" value="yes" required style="width:auto"> '
        "Ik wil mijn account en alles over mij definitief wissen</label>"
        '<button type="submit" id="erase">Wis mij</button></form>'
    )
