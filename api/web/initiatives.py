"""The initiative pages' routes: start one, its page, what people do on it.

The fixed paths (``/initiatives/new``, ``/initiatives/people``) come before
``/initiatives/{id}`` so that they are not read as an id.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from api.web import initiative_actions, initiative_form
from api.web.initiative_page import initiative_page


def routes() -> list[BaseRoute]:
    return [
        *initiative_form.routes(),
        *initiative_actions.routes(),
        Route("/initiatives/{id}", initiative_page, methods=["GET"]),
    ]
