"""Cheaper resolvers for the schema strawberry builds, with the same answers.

strawberry puts its own machinery around every field: a plain attribute is read through
three calls, and a resolver without arguments still gets its (absent) arguments
converted, its field extensions chained and, when async, one more coroutine around it.
Here, once at start, each field that needs none of that gets a resolver that does the
least the field needs:

- a plain data field (no resolver, no extension) reads the attribute;
- a resolver method whose only parameters are ``self`` and ``info`` (no GraphQL
  arguments, no field extension, no permission class, no exception handler) is called
  with strawberry's ``Info`` directly; when it is async, it is run eagerly
  (:mod:`api.eager`).

Every other field (arguments to convert, extensions, handlers) keeps strawberry's
resolver, made eager when async. :data:`is_awaitable` is graphql-core's check of every
value a resolver returns, answered from the value's type for the types of the schema.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from enum import Enum
from types import CoroutineType
from typing import Any, TypeGuard

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from api.eager import eager

Resolver = Callable[..., Any]
_BACKREF = "strawberry-definition"

_NEVER_AWAITED: set[type] = {type(None), bool, int, float, str, list, tuple, dict}
"""Types whose values are never awaitable: builtins, and the schema's own classes."""


def is_awaitable(value: Any) -> TypeGuard[Awaitable[Any]]:
    """graphql-core's question for every value a resolver returns: can it be awaited?
    Answered from the value's type for builtins and the schema's own classes (which
    define no ``__await__``), else as strawberry answers it."""
    cls = type(value)
    if cls in _NEVER_AWAITED:
        return False
    if cls is CoroutineType:
        return True
    return optimized_is_awaitable(value)


_Leaf = tuple[str, Callable[[Any], Any], bool]
"""A plain field of a scalar or enum type: the attribute, its coercion, non-null."""
_LEAVES: dict[str, dict[str, _Leaf]] = {}
"""The plain leaf fields of each object type, by type name and field name."""


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context with the faster :func:`is_awaitable`, and plain
    scalar and enum fields completed in one step.

    A plain field's value is an attribute: read it and coerce it, as graphql-core would,
    without building the resolver's ``info`` and walking the type's wrappers. Anything
    out of the ordinary (null for a non-null field, a value the scalar refuses, an error)
    takes graphql-core's own path, which reports it as it always does.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = is_awaitable
        self._plain_leaves = not getattr(self.middleware_manager, "middlewares", None)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        *args: Any,
    ) -> Any:
        leaves = _LEAVES.get(parent_type.name) if self._plain_leaves else None
        if leaves is not None:
            leaf = leaves.get(field_details_list[0].node.name.value)
            if leaf is not None:
                name, coerce, non_null = leaf
                try:
                    value = getattr(source, name)
                    if value is None:
                        if not non_null:
                            return None
                    elif not isinstance(value, Exception):
                        coerced = coerce(value)
                        if coerced is not None and coerced is not Undefined:
                            return coerced
                except Exception:  # graphql-core's own path below reports it
                    pass
        return super().execute_field(parent_type, source, field_details_list, path, *args)


def attribute(name: str) -> Resolver:
    """A resolver that reads the attribute ``name`` of the parent object."""

    def resolve(source: Any, info: Any) -> Any:
        return getattr(source, name)

    resolve._is_default = True  # type: ignore[attr-defined]  # as strawberry marks its own
    resolve._attribute = name  # type: ignore[attr-defined]  # see FastExecutionContext
    return resolve


def direct(field: StrawberryField, info_class: type[strawberry.Info]) -> Resolver | None:
    """A resolver that calls ``field``'s method with nothing in between, or None when
    the field needs strawberry's machinery (arguments, extensions, parent or root)."""
    resolver = field.base_resolver
    if resolver is None or field.extensions or field.arguments:
        return None
    if resolver.parent_parameter is not None or resolver.root_parameter is not None:
        return None
    func = resolver.wrapped_func
    if not callable(func):
        return None
    info_parameter = resolver.info_parameter
    info_name = info_parameter.name if info_parameter is not None else None
    with_self = resolver.self_parameter is not None
    expected = ["self"] if with_self else []
    if info_name is not None:
        expected.append(info_name)
    if list(inspect.signature(func).parameters) != expected:
        return None  # cls, or parameters strawberry fills in some other way

    def resolve(source: Any, info: Any) -> Any:
        args = (source,) if with_self else ()
        if info_name is None:
            return func(*args)
        return func(*args, **{info_name: info_class(_raw_info=info, _field=field)})

    if inspect.iscoroutinefunction(func):
        return eager(resolve)
    return resolve


def streamline(schema: strawberry.Schema) -> None:
    """Give every field of ``schema`` the cheapest resolver that answers as strawberry's
    would (see the module docstring); async resolvers left to strawberry run eagerly."""
    # an exception handler may turn a field's exception into a value: keep strawberry's
    handled = bool(getattr(schema, "exception_handlers", ()))
    info_class = schema.config.info_class
    default_getattr = schema.config.default_resolver is getattr
    graphql_schema: GraphQLSchema = schema._schema
    for named in graphql_schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        definition = named.extensions.get(_BACKREF)
        if definition is not None and isinstance(definition.origin, type):
            _NEVER_AWAITED.add(definition.origin)
        for name, field in named.fields.items():
            field.resolve = _cheapest(field, info_class, default_getattr and not handled)
            leaf = _plain_leaf(field)
            if leaf is not None:
                _LEAVES.setdefault(named.name, {})[name] = leaf
    for named in graphql_schema.type_map.values():  # the enums' Python classes
        values = getattr(named, "values", None)
        if isinstance(values, dict):
            for value in values.values():
                if isinstance(getattr(value, "value", None), Enum):
                    _NEVER_AWAITED.add(type(value.value))


def _cheapest(field: GraphQLField, info_class: type[strawberry.Info], plain: bool) -> Any:
    resolve = field.resolve
    own = field.extensions.get(_BACKREF)
    if plain and isinstance(own, StrawberryField) and resolve is not None:
        if own.is_basic_field and getattr(resolve, "_is_default", False):
            return attribute(own.python_name)
        fast = direct(own, info_class)
        if fast is not None:
            return fast
    if resolve is not None and inspect.iscoroutinefunction(resolve):
        return eager(resolve)
    return resolve


def _plain_leaf(field: GraphQLField) -> _Leaf | None:
    """The attribute, coercion and nullness of a plain field of a scalar or enum type."""
    resolve = field.resolve
    name = getattr(resolve, "_attribute", None)
    if name is None or field.args:
        return None
    kind: Any = field.type
    non_null = isinstance(kind, GraphQLNonNull)
    leaf = kind.of_type if non_null else kind
    if not isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
        return None
    return name, leaf.coerce_output_value, non_null
