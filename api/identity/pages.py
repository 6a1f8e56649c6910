"""A plain page for the few account answers outside the web app (an OpenID Connect
error, a form post to ``/me/profile``); the pages people use are in :mod:`api.web`."""

from __future__ import annotations

from html import escape

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
        f'<nav><a href="/">kaart</a> · <a href="/me">mijn profiel</a> · '
        f'<a href="/auth/signin">inloggen</a> · <a href="/auth/signup">account maken</a></nav>'
        f"<h1>{escape(title)}</h1>{note}{body}</body></html>"
    )
