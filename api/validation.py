"""Safety limits on GraphQL documents, checked once per distinct query text.

The limit rules are built once, at import, so that the rules of a request are the same
objects every time: the cache below keys on the query text and the rules, and answers an
identical request without running graphql-core validation again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from graphql import ASTValidationRule, GraphQLError, NoSchemaIntrospectionCustomRule, validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from api.limits import check_document, current_policy

MAX_TOKENS = 4000
CACHE_SIZE = 1024

LIMIT_RULES: tuple[type[ASTValidationRule], ...] = ()
"""Rules every document must pass besides the GraphQL spec's; built once. Add a rule here
(a class, not a per-request instance) and validation stays cacheable. Depth, aliases,
operations, directives and repeated fields are checked before, by
:func:`api.limits.check_document`, which expands fragments once each."""
_STRAWBERRY_RULES = (MaybeNullValidationRule, OneOfInputValidationRule)
_NO_INTROSPECTION = (NoSchemaIntrospectionCustomRule,)

_Key = tuple[str, tuple[type[ASTValidationRule], ...], bool]


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
    """Cap tokens (at parse), the document's shape (at validation); cache the validation.

    Validation depends only on the document, which depends only on the query text (the
    token cap is fixed), so its result is reused for every request with the same text.
    """

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = MAX_TOKENS
        yield

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        policy = current_policy.get()
        rules = (*ctx.validation_rules, *LIMIT_RULES, *_STRAWBERRY_RULES)
        if not policy.introspection:
            rules = (*rules, *_NO_INTROSPECTION)
        hide = not policy.suggestions
        document = ctx.graphql_document
        assert document is not None  # parsing succeeded, or we would not validate
        schema = ctx.schema._schema
        if ctx.query is None:  # a pre-parsed document: nothing to key on
            ctx.pre_execution_errors = check_document(document) or validate(
                schema, document, rules, hide_suggestions=hide
            )
        else:
            key = (ctx.query, rules, hide)
            errors = validation_cache.get(key)
            if errors is None:
                errors = tuple(
                    check_document(document)
                    or validate(schema, document, rules, hide_suggestions=hide)
                )
                validation_cache.put(key, errors)
            ctx.pre_execution_errors = list(errors)
        yield
