"""Safety limits on GraphQL documents, checked once per distinct query text.

The limit rules are built once, at import, so that the rules of a request are the same
objects every time: the cache below keys on the query text and the rules, and answers an
identical request without running graphql-core validation again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as _aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as _depth_rule
from strawberry.schema.schema import validate_document

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 4000
CACHE_SIZE = 1024

LIMIT_RULES: tuple[type[ASTValidationRule], ...] = (
    _depth_rule(MAX_DEPTH, None),
    _aliases_rule(MAX_ALIASES),
)
"""The rules every document must pass besides the GraphQL spec's; built once. Add a rule
here (a class, not a per-request instance) and validation stays cacheable."""

_Key = tuple[str, tuple[type[ASTValidationRule], ...]]


class _Cache:
    """A small LRU of validation results, keyed by query text and the rules checked."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[_Key, tuple[GraphQLError, ...]] = OrderedDict()

    def get(self, key: _Key) -> tuple[GraphQLError, ...] | None:
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return found

    def put(self, key: _Key, errors: tuple[GraphQLError, ...]) -> None:
        self._entries[key] = errors
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
        self.hits = self.misses = 0


validation_cache = _Cache(CACHE_SIZE)


class Limits(SchemaExtension):
    """Cap tokens (at parse), depth and aliases (at validation); cache the validation.

    Validation depends only on the document, which depends only on the query text (the
    token cap is fixed), so its result is reused for every request with the same text.
    """

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = MAX_TOKENS
        yield

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        rules = (*ctx.validation_rules, *LIMIT_RULES)
        document = ctx.graphql_document
        assert document is not None  # parsing succeeded, or we would not validate
        if ctx.query is None:  # a pre-parsed document: nothing to key on
            ctx.pre_execution_errors = validate_document(ctx.schema._schema, document, rules)
        else:
            key = (ctx.query, rules)
            errors = validation_cache.get(key)
            if errors is None:
                errors = tuple(validate_document(ctx.schema._schema, document, rules))
                validation_cache.put(key, errors)
            ctx.pre_execution_errors = list(errors)
        yield
