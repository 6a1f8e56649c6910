"""GraphiQL served from files shipped with wijknet: no CDN, works offline."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.asgi import GraphQL

from api.context import Context
from api.identity.web import authenticate

STATIC_DIR = Path(__file__).parent / "static"
GRAPHIQL_DIR = STATIC_DIR / "graphiql"


class WijknetGraphQL(GraphQL[Context, None]):
    """strawberry's ASGI app with our context and the bundled GraphiQL page."""

    async def get_context(self, request: Request, response: Response | None) -> Context:  # type: ignore[override]
        lang = request.query_params.get("lang") or request.headers.get("accept-language", "nl")
        auth = await authenticate(request)
        return Context(
            store=request.app.state.store,
            index=getattr(request.app.state, "index", None),
            viewer=auth.viewer,
            identity=request.app.state.identity,
            auth=auth,
            lang="en" if lang.lower().startswith("en") else "nl",
            response_cache=getattr(request.app.state, "response_cache", None),
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse((GRAPHIQL_DIR / "index.html").read_text(encoding="utf-8"))
