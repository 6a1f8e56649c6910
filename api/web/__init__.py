"""The web app for people: server-rendered pages, a little htmx, Dutch and English.

Building a page (see README "Web app"):

* ``run`` / ``fetch`` execute GraphQL in process as the request's viewer;
* ``render(request, "x.html", **values)`` renders a template that extends
  ``base.html`` (blocks ``title``, ``main``, ``head``) with ``t("key")`` in the
  page's language;
* ``read_form`` checks CSRF, ``errors_from`` turns a mutation's Error into messages by
  field, ``redirect(path, done="area.done.x")`` is the GET after a POST;
* ``resolve_place`` / ``resolve_terms`` turn what the pickers posted into ids;
* ``page`` wraps a handler so failures become an error page.
"""

from api.web.forms import FORM, Errors, Form, FormRefused, errors_from, read_form, redirect
from api.web.graphql import GraphQLFailed, Result, fetch, run
from api.web.i18n import catalogue, lang_of, translator
from api.web.routes import not_found, page, routes
from api.web.templating import render
from api.web.widgets import Option, PlacePick, resolve_place, resolve_terms, term_options

__all__ = [
    "FORM",
    "Errors",
    "Form",
    "FormRefused",
    "GraphQLFailed",
    "Option",
    "PlacePick",
    "Result",
    "catalogue",
    "errors_from",
    "fetch",
    "lang_of",
    "not_found",
    "page",
    "read_form",
    "redirect",
    "render",
    "resolve_place",
    "resolve_terms",
    "routes",
    "run",
    "term_options",
    "translator",
]
