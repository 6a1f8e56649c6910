"""Run GraphQL operations in process, as the request's own viewer.

Pages never read the store themselves: they run an operation against the same
strawberry schema with the same context the /graphql endpoint builds (viewer from the
session cookie, language of the page), under the same limits. So the one policy
module decides what a page shows and what a form may change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from api.context import Context
from api.identity.web import authenticate, client_address
from api.limits import Policy, current_policy
from api.limits import client_address as limits_client
from api.schema import schema
from api.web.i18n import lang_of

log = logging.getLogger("wijknet.web")


@dataclass(slots=True)
class Result:
    """``data`` (``{}`` when there is none) and the messages of ``errors``."""

    data: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # extensions.code of each error

    @property
    def ok(self) -> bool:
        return not self.errors


class GraphQLFailed(Exception):
    """An operation a page cannot do without failed (the store is down, a limit, a bug)."""

    def __init__(self, result: Result) -> None:
        super().__init__("; ".join(result.errors))
        self.result = result


async def run(
    request: Request,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    lang: str | None = None,
) -> Result:
    """Execute ``query`` as the request's viewer; labels in the page's language.

    On a POST the viewer counts only when the form's CSRF token was checked first
    (:func:`api.web.forms.read_form`); otherwise the request is anonymous.
    """
    auth = await authenticate(request)
    context = Context(
        store=request.app.state.store,
        index=getattr(request.app.state, "index", None),
        viewer=auth.viewer,
        identity=request.app.state.identity,
        auth=auth,
        lang=lang or lang_of(request),
    )
    policy: Policy | None = getattr(request.app.state, "graphql_policy", None)
    tokens = [limits_client.set(client_address(request))]
    policy_token = current_policy.set(policy) if policy is not None else None
    try:
        executed = await schema.execute(query, variable_values=variables, context_value=context)
    finally:
        if policy_token is not None:
            current_policy.reset(policy_token)
        for token in tokens:
            limits_client.reset(token)
    result = Result(data=dict(executed.data or {}))
    for error in executed.errors or []:
        result.errors.append(error.message)
        result.codes.append(str((error.extensions or {}).get("code", "")))
    if result.errors:
        log.info("web GraphQL errors: %s", result.errors)
    return result


async def fetch(
    request: Request, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The data of ``query``, or :class:`GraphQLFailed` (shown as an error page)."""
    result = await run(request, query, variables)
    if not result.ok:
        raise GraphQLFailed(result)
    return result.data
