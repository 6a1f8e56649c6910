"""GraphQL over HTTP as the spec says, with the limits of :mod:`api.limits` at the door.

* a malformed request (body too big, not UTF-8, not a JSON object, wrong content type,
  a mutation over GET) gets a 4xx with a plain message, never a 500;
* ``Accept: application/graphql-response+json`` gets that media type, and a request error
  (parse, validation, variable coercion, a limit) answers 400 without ``data``;
  ``application/json`` keeps the legacy 200;
* a spent rate limit answers 429 with ``Retry-After``; a request past its deadline 504.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Message, Receive, Scope, Send
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from api.graphiql import WijknetGraphQL
from api.identity.store import IdentityError
from api.limits import Policy, client_address, current_policy

MAX_BODY = 1_000_000
"""Bytes in one request body."""
DEADLINE = 10.0
"""Seconds one request may take before it is answered 504."""
GRAPHQL_RESPONSE = "application/graphql-response+json"


class _BodyTooLarge(Exception):
    pass


def _limited(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _BodyTooLarge
        return message

    return wrapped


def _wants_graphql_response(accept: str) -> bool | None:
    """True for graphql-response+json, False for application/json, None for neither."""
    if not accept:
        return False
    media = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if GRAPHQL_RESPONSE in media:
        return True
    if any(m in ("application/json", "application/*", "*/*") for m in media):
        return False
    return None


class GraphQLView(WijknetGraphQL):
    """The GraphQL endpoint: :class:`api.graphiql.WijknetGraphQL` behind the limits."""

    def __init__(
        self,
        schema: BaseSchema,
        *,
        policy: Policy,
        graphql_ide: Any = None,
        max_body: int = MAX_BODY,
        deadline: float = DEADLINE,
    ) -> None:
        super().__init__(schema, graphql_ide=graphql_ide)
        self.policy, self.max_body, self.deadline = policy, max_body, deadline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        client = scope.get("client")
        client_address.set(client[0] if client else "unknown")
        current_policy.set(self.policy)
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"0")
        response: Response
        if declared.isdigit() and int(declared) > self.max_body:
            response = _problem(413, f"the request body is over the limit of {self.max_body} bytes")
        else:
            request = Request(scope, _limited(receive, self.max_body))
            try:
                async with asyncio.timeout(self.deadline):
                    response = await self.run(request)
            except HTTPException as exc:
                response = _problem(exc.status_code, exc.reason)
            except _BodyTooLarge:
                response = _problem(
                    413, f"the request body is over the limit of {self.max_body} bytes"
                )
            except TimeoutError:
                response = _problem(
                    504, f"the request took longer than its deadline of {self.deadline:g} s"
                )
            except IdentityError as exc:  # who is asking cannot be known: the store is down
                response = JSONResponse(
                    {
                        "errors": [
                            {"message": str(exc), "extensions": {"code": "STORE_UNAVAILABLE"}}
                        ]
                    },
                    status_code=503,
                    headers={"Retry-After": "5"},
                )
        await response(scope, receive, send)

    async def get_sub_response(self, request: Request) -> Response:  # type: ignore[override]
        sub = await super().get_sub_response(request)
        request.state.sub_response = sub
        return sub

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        accept = request.headers.get("accept", "")
        if _wants_graphql_response(accept) is None:
            raise HTTPException(
                406, f"answers are {GRAPHQL_RESPONSE} or application/json; Accept: {accept}"
            )
        if request.method == "POST":
            content_type = _media_type(request.content_type or "")
            if content_type != "application/json":
                raise HTTPException(
                    415, f"send the request as application/json, not {content_type or 'nothing'}"
                )
            body = await request.get_body()
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise HTTPException(400, f"the body is not UTF-8 (byte {exc.start})") from None
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise HTTPException(400, f"the body is not JSON: {exc}") from None
            if isinstance(data, list):
                raise HTTPException(400, "batching is not enabled: send one operation")
            if not isinstance(data, dict):
                raise HTTPException(400, "the body must be a JSON object with a `query`")
            _check_fields(data)
            return self._request_data(request, data)
        _check_fields(request.query_params)
        return await super().parse_http_body(request)

    def _request_data(
        self, request: AsyncHTTPRequestAdapter, data: Mapping[str, Any]
    ) -> GraphQLRequestData:
        """What strawberry's ``parse_http_body`` makes of a JSON body, from the body we
        already read and parsed (strawberry would parse it, and its content type, again)."""
        for name, kind in (("query", str), ("variables", dict), ("extensions", dict)):
            value = data.get(name)
            if value is not None and not isinstance(value, kind):
                what = "a string" if kind is str else "an object"
                raise HTTPException(400, f"`{name}` must be {what} or null")
        transport = self._get_stream_transport_from_headers(request.headers)
        return GraphQLRequestData(
            query=data.get("query"),
            variables=data.get("variables"),
            operation_name=data.get("operationName"),
            extensions=data.get("extensions"),
            protocol=transport.protocol if transport else "http",
        )

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError) and "GET" in exc.reason:
                raise HTTPException(405, "mutations need POST; GET only reads") from None
            raise

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        data = await super().process_result(request, result)
        sub: Response = request.state.sub_response
        wants = _wants_graphql_response(request.headers.get("accept", ""))
        sub.media_type = GRAPHQL_RESPONSE if wants else "application/json"
        errors = result.errors or []
        retry = next(
            (r for e in errors if (r := (e.extensions or {}).get("retryAfter"))),
            None,
        )
        request_error = result.data is None and errors and all(e.path is None for e in errors)
        if retry is not None:
            sub.status_code = 429
            sub.headers["retry-after"] = str(retry)
        elif request_error and wants:
            sub.status_code = 400
        if request_error and wants:
            data.pop("data", None)
        return data

    def encode_json(self, data: object) -> bytes:
        """The answer as compact UTF-8 JSON; orjson writes it ~10x faster than ``json``."""
        return orjson.dumps(data)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = Response(
            self.encode_json(response_data),
            status_code=sub_response.status_code or 200,
            media_type=sub_response.media_type or "application/json",
        )
        for key, value in sub_response.headers.items():
            if key not in ("content-type", "content-length"):
                response.headers[key] = value
        return response


def _check_fields(data: Mapping[str, Any]) -> None:
    name = data.get("operationName")
    if name is not None and not isinstance(name, str):
        raise HTTPException(400, "`operationName` must be a string or null")
    if not data.get("query") and data.get("query") is not None:
        raise HTTPException(400, "`query` is empty")


def _media_type(content_type: str) -> str:
    """The media type of a Content-Type header, without parameters; the common
    ``application/json`` (with or without a charset) without parsing it as a mail header."""
    head = content_type.split(";", 1)[0].strip().lower()
    if head == "application/json":
        return head
    return parse_content_type(content_type)[0] if content_type else ""


def _problem(status: int, message: str) -> Response:
    return PlainTextResponse(message + "\n", status_code=status)
