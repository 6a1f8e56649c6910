"""What one request may cost, and how much one client may ask for per minute.

Two halves:

* :func:`check_document`, run before graphql-core's validation and cached with it
  (:mod:`api.validation`): what the document alone decides (operations, depth, aliases,
  directives, repeated fields). A document over a limit gets only the limit's error.
* :class:`RequestLimits`, a schema extension that prices the chosen operation with its
  variables (:func:`operation_cost`) and charges the price to the client's budget, with
  rate limits for mutations, sign-in and expensive queries (the ``limits`` library).

Every walk over a document counts fragments as expanded but visits each fragment once
(memoised), so a fragment that spreads the next twice, 24 deep, costs microseconds to
price and is refused by its price instead of blocking the server.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.utilities import value_from_ast
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

MAX_OPERATIONS = 5
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_DIRECTIVES = 4  # on one field, fragment or operation
MAX_REPEATS = 10  # the same field (response name) in one selection set
MAX_COST = 50_000
MAX_LIST_ITEMS = 100
"""Items in one list argument (or list inside an input object)."""
MAX_STRING = 10_000
"""Characters in any one string argument; fields have their own, smaller limits
(names 200, descriptions 4,000, the ``text`` filter 200: graph.model, graph.store)."""
LIST_SIZE = 10
"""What a list without ``first`` (knows, members, skills, ...) counts as."""

FIELD_WEIGHTS: Mapping[str, int] = {
    "network": 200,
    "networkPlaces": 50,
    "suggestCoalition": 100,
    "suggestPartners": 50,
    "path": 20,
}
"""Fields whose resolver does more than a lookup: their own price, before what they select."""
EXPENSIVE = frozenset(FIELD_WEIGHTS)
INTROSPECTION_WEIGHT = 500
"""``__schema`` or ``__type``, whatever it selects (graphql-core bounds its depth)."""
_META = frozenset({"__schema", "__type"})
SIGN_IN = frozenset({"signIn", "requestSignIn", "signInWithCode", "login", "requestMagicLink"})
"""Mutations rate-limited as sign-in attempts (the names the identity work may use)."""

_LIST_ARGS: Mapping[str, tuple[str, ...]] = {
    "edges": ("first", "maxEdges"),  # a connection's edges: the page size of its field
    "nodes": ("first", "maxNodes"),
}

client_address: ContextVar[str] = ContextVar("client_address", default="unknown")
"""The client's address for this request, set by the HTTP view (after proxy headers)."""


def limit_error(limit: str, message: str, **extensions: Any) -> GraphQLError:
    """An error that names the limit, with ``extensions.code`` and ``extensions.limit``."""
    return GraphQLError(
        message,
        extensions={
            "code": "LIMIT_EXCEEDED",
            "classification": "BAD_USER_INPUT",
            "limit": limit,
            **extensions,
        },
    )


# --- what the document alone decides -------------------------------------------------


@dataclass(slots=True)
class _Shape:
    depth: int = 0
    aliases: int = 0


class _Walker:
    """Depth and aliases of selection sets, fragments counted as expanded, each once."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, _Shape] = {}
        self.visiting: set[str] = set()
        self.cycle: str | None = None

    def shape(self, sel: SelectionSetNode | None) -> _Shape:
        out = _Shape()
        if sel is None:
            return out
        for node in sel.selections:
            if isinstance(node, FieldNode):
                # introspection has its own depth rule (graphql-core's) and is off in
                # production; a schema query is deeper than any of ours
                inner = _Shape() if node.name.value in _META else self.shape(node.selection_set)
                out.aliases += inner.aliases + (node.alias is not None)
                out.depth = max(out.depth, inner.depth + 1)
            elif isinstance(node, InlineFragmentNode):
                inner = self.shape(node.selection_set)
                out.aliases += inner.aliases
                out.depth = max(out.depth, inner.depth)
            elif isinstance(node, FragmentSpreadNode):
                inner = self.fragment(node.name.value)
                out.aliases += inner.aliases
                out.depth = max(out.depth, inner.depth)
        return out

    def fragment(self, name: str) -> _Shape:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None:
            return _Shape()  # the spec's rules report an unknown fragment
        if name in self.visiting:
            self.cycle = name
            return _Shape()
        self.visiting.add(name)
        found = self.shape(definition.selection_set)
        self.visiting.discard(name)
        self.memo[name] = found
        return found


def _local_checks(document: DocumentNode) -> Iterator[GraphQLError]:
    """Directives on one node, and one field repeated, anywhere in the document."""
    stack: list[Any] = list(document.definitions)
    while stack:
        current = stack.pop()
        directives = getattr(current, "directives", None) or ()
        if len(directives) > MAX_DIRECTIVES:
            yield limit_error(
                "directives",
                f"{len(directives)} directives on one selection; the limit is {MAX_DIRECTIVES}",
            )
            return
        sel = getattr(current, "selection_set", None)
        if sel is None:
            continue
        seen: dict[str, int] = {}
        for child in sel.selections:
            if isinstance(child, FieldNode):
                key = (child.alias or child.name).value
                seen[key] = seen.get(key, 0) + 1
                if seen[key] > MAX_REPEATS:
                    yield limit_error(
                        "repeats",
                        f"the field {key!r} is selected more than {MAX_REPEATS} times in one "
                        "selection set",
                    )
                    return
            stack.append(child)


def check_document(document: DocumentNode) -> list[GraphQLError]:
    """The limits that depend on the document alone; an empty list when it passes."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) > MAX_OPERATIONS:
        return [
            limit_error(
                "operations",
                f"{len(operations)} operations in one document; the limit is {MAX_OPERATIONS}",
            )
        ]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    errors = list(_local_checks(document))
    if errors:
        return errors
    walker = _Walker(fragments)
    for op in operations:
        found = walker.shape(op.selection_set)
        if walker.cycle is not None:
            return [limit_error("fragments", f"fragment {walker.cycle!r} spreads itself")]
        if found.depth > MAX_DEPTH:
            return [
                limit_error(
                    "depth", f"the query depth is {found.depth} levels; the limit is {MAX_DEPTH}"
                )
            ]
        if found.aliases > MAX_ALIASES:
            return [
                limit_error(
                    "aliases",
                    f"{found.aliases} aliases (fragments expanded); the limit is {MAX_ALIASES}",
                )
            ]
    return []


# --- what the operation costs --------------------------------------------------------


class _Pricer:
    """The static price of one operation with its variables (see the module docstring)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any] | None,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = dict(variables or {})
        self.memo: dict[tuple[str, tuple[tuple[str, int], ...]], float] = {}
        self.problem: str | None = None

    def price(
        self, sel: SelectionSetNode | None, parent: GraphQLNamedType | None, carry: dict[str, int]
    ) -> float:
        if sel is None:
            return 0.0
        total = 0.0
        for node in sel.selections:
            if isinstance(node, FieldNode):
                total += self.field(node, parent, carry)
            elif isinstance(node, InlineFragmentNode):
                cond = node.type_condition
                inner = self.schema.get_type(cond.name.value) if cond else parent
                total += self.price(node.selection_set, inner, carry)
            elif isinstance(node, FragmentSpreadNode):
                total += self.spread(node.name.value, carry)
        return total

    def spread(self, name: str, carry: dict[str, int]) -> float:
        key = (name, tuple(sorted(carry.items())))
        if key in self.memo:
            return self.memo[key]
        definition = self.fragments.get(name)
        if definition is None:
            return 0.0
        self.memo[key] = math.inf  # a cycle (refused by validation anyway) prices as infinite
        found = self.price(
            definition.selection_set,
            self.schema.get_type(definition.type_condition.name.value),
            carry,
        )
        self.memo[key] = found
        return found

    def field(
        self, node: FieldNode, parent: GraphQLNamedType | None, carry: dict[str, int]
    ) -> float:
        name = node.name.value
        definition = self._definition(parent, name)
        own = FIELD_WEIGHTS.get(name, 1)
        if name in _META:
            return float(INTROSPECTION_WEIGHT)
        if definition is None:  # __typename, or an unknown field the spec's rules report
            return float(own)
        args = self._int_args(node, definition)
        returned = get_nullable_type(definition.type)
        times = 1
        if is_list_type(returned):
            times = LIST_SIZE
            if "first" in args:
                times = args["first"]
            else:
                for arg in _LIST_ARGS.get(name, ()):
                    if arg in carry:
                        times = carry[arg]
                        break
        inner = self.price(node.selection_set, get_named_type(returned), args)
        return own + max(times, 0) * inner

    def _definition(self, parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
        fields = getattr(parent, "fields", None)
        return fields.get(name) if fields else None

    def _int_args(self, node: FieldNode, definition: GraphQLField) -> dict[str, int]:
        out: dict[str, int] = {}
        given = {a.name.value: a.value for a in node.arguments or ()}
        for arg_name, arg in definition.args.items():
            value: Any = None
            if arg_name in given:
                value = value_from_ast(given[arg_name], arg.type, self.variables)
            if value is None:
                value = arg.default_value
            if self.problem is None:
                self.problem = _oversized(value, arg_name)
            if isinstance(value, int) and not isinstance(value, bool):
                out[arg_name] = value
        return out


def _oversized(value: Any, name: str) -> str | None:
    """What is too big in one argument's value, or None."""
    if isinstance(value, str) and len(value) > MAX_STRING:
        return f"the argument {name!r} has {len(value):,} characters; the limit is {MAX_STRING:,}"
    if isinstance(value, list | tuple):
        if len(value) > MAX_LIST_ITEMS:
            return (
                f"the argument {name!r} lists {len(value):,} items; the limit is {MAX_LIST_ITEMS}"
            )
        return next((p for v in value if (p := _oversized(v, name))), None)
    if isinstance(value, dict):
        return next((p for k, v in value.items() if (p := _oversized(v, f"{name}.{k}"))), None)
    return None


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> float:
    """The price of the operation alone; see :func:`price_operation`."""
    return price_operation(schema, document, operation_name, variables)[0]


def price_operation(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> tuple[float, str | None]:
    """Price of the operation: every field 1 (or its weight in FIELD_WEIGHTS), plus what it
    selects times how many items it returns: ``first``, the page size of a connection, or
    LIST_SIZE for a list without one. Nested lists multiply. Also says what argument, if
    any, is over MAX_STRING or MAX_LIST_ITEMS."""
    fragments: dict[str, FragmentDefinitionNode] = {}
    operation: OperationDefinitionNode | None = None
    for d in document.definitions:
        if isinstance(d, FragmentDefinitionNode):
            fragments[d.name.value] = d
        elif isinstance(d, OperationDefinitionNode) and (
            operation_name is None or (d.name is not None and d.name.value == operation_name)
        ):
            operation = operation or d
    if operation is None:
        return 0.0, None
    root: GraphQLObjectType | None = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[operation.operation.value]
    pricer = _Pricer(schema, fragments, variables)
    return pricer.price(operation.selection_set, root, {}), pricer.problem


def root_fields(document: DocumentNode, operation_name: str | None) -> tuple[str, set[str]]:
    """The operation's type and the names of its top-level fields (fragments expanded)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    for d in document.definitions:
        if isinstance(d, OperationDefinitionNode) and (
            operation_name is None or (d.name is not None and d.name.value == operation_name)
        ):
            names: set[str] = set()
            stack, seen = [d.selection_set], set()
            while stack:
                for node in stack.pop().selections:
                    if isinstance(node, FieldNode):
                        names.add(node.name.value)
                    elif isinstance(node, InlineFragmentNode):
                        stack.append(node.selection_set)
                    elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
                        seen.add(node.name.value)
                        if node.name.value in fragments:
                            stack.append(fragments[node.name.value].selection_set)
            return d.operation.value, names
    return "query", set()


# --- budgets and rate limits per client ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Budgets:
    """Per minute, per identity (an account, else the client's address)."""

    cost: int = 1_000_000
    mutations: int = 60
    expensive: int = 120
    sign_in: int = 10


class _Storage(MemoryStorage):
    """``limits``' memory storage without its expiry thread: that starts a timer thread on
    nearly every hit (several ms each under load). Counters expire when read anyway; the
    sweep that frees memory of clients gone quiet runs inline, at most every 10 s."""

    SWEEP_EVERY = 10.0

    def __init__(self) -> None:
        super().__init__()
        self._swept = time.monotonic()

    def _MemoryStorage__schedule_expiry(self) -> None:  # name-mangled hook of the base
        now = time.monotonic()
        if now - self._swept >= self.SWEEP_EVERY:
            self._swept = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


class RateLimiter:
    """Sliding-window counters (the ``limits`` library, in memory: one per API worker).

    Counters, not a moving window: a moving window keeps one timestamp per unit spent,
    and a cost budget spends thousands per request."""

    def __init__(self, budgets: Budgets) -> None:
        self.budgets = budgets
        self._limiter = SlidingWindowCounterRateLimiter(_Storage())
        self._items: dict[str, RateLimitItem] = {
            "cost": RateLimitItemPerMinute(budgets.cost),
            "mutations": RateLimitItemPerMinute(budgets.mutations),
            "expensive": RateLimitItemPerMinute(budgets.expensive),
            "sign-in": RateLimitItemPerMinute(budgets.sign_in),
        }

    def charge(self, identity: str, charges: Mapping[str, int]) -> GraphQLError | None:
        """Take every charge, or refuse naming the first budget that cannot pay it."""
        for name, amount in charges.items():
            item = self._items[name]
            if amount <= 0:
                continue
            if amount > item.amount or not self._limiter.test(item, name, identity, cost=amount):
                stats = self._limiter.get_window_stats(item, name, identity)
                retry = max(1, math.ceil(stats.reset_time - time.time()))
                return limit_error(
                    f"rate:{name}",
                    f"rate limit: the {name} budget of {item.amount} per minute is spent "
                    f"(this request needs {amount}); retry after {retry} s",
                    retryAfter=retry,
                )
        for name, amount in charges.items():
            if amount > 0:
                self._limiter.hit(self._items[name], name, identity, cost=amount)
        return None


@dataclass(frozen=True, slots=True)
class Policy:
    """The limits of one app: rate limiter (None: no per-minute budgets), max cost, and
    whether introspection and field suggestions are on (off with ``serve --production``)."""

    limiter: RateLimiter | None = None
    max_cost: int = MAX_COST
    introspection: bool = True
    suggestions: bool = True  # "Did you mean ...?" in validation and coercion errors


current_policy: ContextVar[Policy] = ContextVar(
    "current_policy",
    default=Policy(),  # noqa: B039  # frozen, never mutated
)
"""Set per request by the HTTP view, so two apps in one process keep their own limits."""


def identity_of(viewer: Any) -> str:
    """Accounts by id, actors by id, anonymous clients by address."""
    for attribute in ("account_id", "actor_id"):
        value = getattr(viewer, attribute, None)
        if value:
            return f"{attribute}:{value}"
    return f"ip:{client_address.get()}"


_Priced = tuple[float, str | None, str, frozenset[str]]
_prices: dict[tuple[str, str | None, bytes], _Priced] = {}
PRICES_KEPT = 1024


def _priced(
    schema: GraphQLSchema,
    document: DocumentNode,
    query: str | None,
    name: str | None,
    variables: Mapping[str, Any] | None,
) -> _Priced:
    """:func:`price_operation` and :func:`root_fields`, remembered by query text, operation
    name and variables (a document is a function of its text; the schema is fixed)."""
    key = None
    if query is not None:
        try:
            key = (query, name, orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS))
        except TypeError:
            pass
        else:
            found = _prices.get(key)
            if found is not None:
                return found
    cost, problem = price_operation(schema, document, name, variables)
    kind, fields = root_fields(document, name)
    priced = (cost, problem, kind, frozenset(fields))
    if key is not None:
        if len(_prices) >= PRICES_KEPT:
            del _prices[next(iter(_prices))]
        _prices[key] = priced
    return priced


class RequestLimits(SchemaExtension):
    """Refuse several operations without a name; price the operation; charge the client.

    Runs after validation (so the document is valid and acyclic) and before execution:
    a refusal means nothing was resolved. Per-request state stays on the extension
    instance and the context, never in anything validation caches.
    """

    def on_parse(self) -> Iterator[None]:
        yield
        ec = self.execution_context
        document = ec.graphql_document
        if document is None or ec._provided_operation_name is not None:
            return
        operations = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
        if operations > 1:
            raise GraphQLError(
                f"the document holds {operations} operations: say which to run in operationName"
            )

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        document = ec.graphql_document
        if document is not None and not ec.result:
            error = self._check(document)
            if error is not None:
                ec.result = ExecutionResult(data=None, errors=[error])
        yield

    def _check(self, document: DocumentNode) -> GraphQLError | None:
        ec = self.execution_context
        name = ec._provided_operation_name
        policy = current_policy.get()
        cost, problem, kind, fields = _priced(
            ec.schema._schema, document, ec.query, name, ec.variables
        )
        if problem is not None:
            return limit_error("input", problem)
        if cost > policy.max_cost:
            shown = "unbounded" if math.isinf(cost) else f"{int(cost):,}"
            return limit_error(
                "cost",
                f"the query costs {shown}; the limit is {policy.max_cost:,} per request "
                "(ask for fewer items with `first`, or fewer nested lists)",
                cost=None if math.isinf(cost) else int(cost),
            )
        if policy.limiter is None:
            return None
        charges = {"cost": max(1, int(cost))}
        if kind == "mutation":
            charges["mutations"] = 1
            if fields & SIGN_IN:
                charges["sign-in"] = 1
        if fields & EXPENSIVE:
            charges["expensive"] = len(fields & EXPENSIVE)
        viewer = getattr(ec.context, "viewer", None)
        return policy.limiter.charge(identity_of(viewer), charges)
