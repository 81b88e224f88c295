"""
What a Store call takes besides keys: filter keywords, filter values and pages, each checked
before any SQL runs, so a bad one is a 400 naming the store and the value, never a raw error.

An auto filter's value is bound with its column's type, in the artifact dialect, so it takes
the form the build stored: `12`, `"12"` and `Decimal("12.00")` all find the text `12.00000000`
of a `Numeric(30, 8)` column, and an aware datetime in any zone the UTC text it is stored as.

"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Select, bindparam, literal
from sqlalchemy.engine import Dialect

from microcosm_sqlite._keys import INT64_MAX, INT64_MIN
from microcosm_sqlite.artifact.dialect import artifact_dialect
from microcosm_sqlite.errors import InvalidFilterValueError, UnknownFilterError

__all__ = ["AutoFilters", "accepted_keywords", "check_known", "check_page"]

# filter values that mean "any of these": compared with IN
IN_VALUE_TYPES = (list, tuple, set, frozenset)
# the dialect every runtime engine binds values in: a value is checked as it will be bound
ARTIFACT_DIALECT: Dialect = artifact_dialect()
# marks a keyword whose bind processor is not looked up yet (None means "stored as given")
NO_PROCESSOR: Any = object()


def accepted_keywords(store_class: type[Any], auto_filters: Iterable[str]) -> tuple[str, ...]:
    """
    Every keyword some `_filter` or `_order_by` of the class or its bases names, and the auto
    filters, sorted: an override that hands `**kwargs` to `super()` still accepts what its
    parents do.

    """
    named = set(auto_filters)
    for klass in store_class.__mro__:
        for hook in (vars(klass).get("_filter"), vars(klass).get("_order_by")):
            if hook is None:
                continue
            # after `self` and `query`, what the hook names is what it accepts
            parameters = inspect.signature(getattr(hook, "__func__", hook)).parameters
            named.update(
                parameter.name
                for parameter in list(parameters.values())[2:]
                if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
            )
    return tuple(sorted(named))


def check_known(
    store: str, filters: Mapping[str, Any], accepted: tuple[str, ...], dataset: str | None = None
) -> None:
    """Raise UnknownFilterError for keywords no filter accepts: never "match everything"."""
    unknown = sorted(set(filters) - set(accepted))
    if unknown:
        raise UnknownFilterError(store, unknown, accepted, dataset=dataset)


def check_page(store: str, dataset: str | None, **page: Any) -> None:
    """
    `offset` and `limit` as SQLite takes them: None, or a whole number from 0 to the largest
    64-bit integer (never a bool); else an InvalidFilterValueError naming the parameter.

    """
    for name, value in page.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            reason = f"{name} must be a whole number, not a {type(value).__name__}"
        elif not 0 <= value <= INT64_MAX:
            reason = f"{name} must be from 0 to {INT64_MAX}"
        else:
            continue
        raise InvalidFilterValueError(store, {name: value}, reason, dataset=dataset)


class AutoFilters:
    """
    A store's `auto_filter_fields`: the column each keyword compares (equality, IN for
    collections, no filter for None), with each value checked, and bound, as its column
    stores it (never as its own Python type, which would compare a number with stored text).

    """

    def __init__(self, model: type[Any], fields: Iterable[Any]) -> None:
        self.columns: dict[str, Any] = {
            field if isinstance(field, str) else field.key: (
                getattr(model, field) if isinstance(field, str) else field
            )
            for field in fields
        }
        self.processors: dict[str, Callable[[Any], Any] | None] = {}
        self.dataset: str | None = getattr(model, "__dataset__", None)

    def apply(self, store: str, query: Select[Any], filters: Mapping[str, Any]) -> Select[Any]:
        """The query with a condition for each auto filter given a value."""
        for name, value in filters.items():
            column = self.columns.get(name)
            if column is None or value is None:
                continue
            if isinstance(value, IN_VALUE_TYPES):
                values = list(value)
                self.check(store, name, value, values)
                query = query.where(
                    column.in_(bindparam(None, values, type_=column.type, expanding=True))
                )
            else:
                self.check(store, name, value, [value])
                query = query.where(column == literal(value, column.type))
        return query

    def check(self, store: str, name: str, given: Any, values: list[Any]) -> None:
        """Each value of a filter as its column would store it, or a 400 naming it."""
        processor = self.processors.get(name, NO_PROCESSOR)
        if processor is NO_PROCESSOR:
            processor = self.processors[name] = bind_processor(self.columns[name])
        for value in values:
            try:
                if value is not None and processor is not None:
                    value = processor(value)
                reason = unusable_reason(value)
            except (TypeError, ValueError, LookupError, OverflowError) as error:
                reason = str(error)
            if reason is not None:
                raise InvalidFilterValueError(store, {name: given}, reason, dataset=self.dataset)


def bind_processor(column: Any) -> Callable[[Any], Any] | None:
    """How a column's type turns a Python value into what SQLite stores (None: as it is)."""
    dialect = ARTIFACT_DIALECT
    processor: Callable[[Any], Any] | None = column.type.dialect_impl(dialect).bind_processor(
        dialect
    )
    return processor


def unusable_reason(value: Any) -> str | None:
    """Why SQLite cannot take a value as a parameter, or None when it can."""
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        return f"{value} is beyond SQLite's 64-bit integers"
    if isinstance(value, str):
        return None if value.isascii() else unencodable_reason(value)
    if value is None or isinstance(value, int | float | bytes | bytearray | memoryview):
        return None
    return f"a {type(value).__name__} cannot be compared with a column"


def unencodable_reason(text: str) -> str | None:
    """Why a text cannot be stored as UTF-8 (a lone surrogate, say), or None when it can."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return str(error)
    return None
