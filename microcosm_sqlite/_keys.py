"""
A model's primary key, and identifiers in the one form every read keys by.

Every place that needs a model's key columns in key order, their attribute names or their
Python types asks `PrimaryKey.of(model)`: Store's default order and its lookups, both readers,
and the fast path's row builders. Keys are bound with their columns' types, as the build stored
them: `7`, `"7"` and `Decimal("7.00")` name one row of a `Numeric(30, 2)` key, stored as text.

"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import suppress
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Column, ColumnElement, bindparam, inspect, tuple_
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapper
from sqlalchemy.types import TupleType

from microcosm_sqlite.errors import InvalidIdentifierError
from microcosm_sqlite.models import primary_key_names

__all__ = ["INT64_MAX", "INT64_MIN", "PrimaryKey", "batches", "fits_sqlite", "names_a_row"]

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# key column types whose mismatched identifiers can be converted to them
CONVERTIBLE = (int, str, float)
# what an identifier of several values comes as
SEQUENCES = (tuple, list)


class PrimaryKey:
    """One model's primary key: its columns and attribute names in key order, and its kinds."""

    def __init__(self, model: type[Any]) -> None:
        mapper: Mapper[Any] = inspect(model)
        self.model = model
        self.columns: tuple[Column[Any], ...] = tuple(mapper.primary_key)  # type: ignore[arg-type]
        self.names = primary_key_names(model)
        # each column's Python type, where a mismatched identifier can be converted to it
        self.kinds = tuple(python_type(column) for column in self.columns)
        self.single = len(self.columns) == 1
        # what errors about its keys name (a model with no data set names none)
        self.dataset: str | None = getattr(model, "__dataset__", None)

    @classmethod
    def of(cls, model: type[Any]) -> PrimaryKey:
        """The model's primary key (worked out once per model)."""
        try:
            return KEYS[model]
        except KeyError:
            with KEYS_LOCK:
                return KEYS.setdefault(model, cls(model))

    def normalize(self, identifier: Any, store: object) -> Any:
        """
        The key an identifier names: the value of a one-column key (a 1-tuple unwrapped), else
        a tuple, converted only where SQLite finds the same row. Raises InvalidIdentifierError,
        naming the class of `store` (the Store asking), for one of the wrong size or that cannot
        be hashed (a dict, a list).

        """
        try:
            if not isinstance(identifier, SEQUENCES):
                if self.single:  # the common case, kept short: it is every get
                    return coerce(self.kinds[0], identifier)
                identifier = (identifier,)
            if len(identifier) != len(self.columns):
                raise InvalidIdentifierError(
                    type(store).__name__,
                    identifier,
                    f"{self.model.__name__} has a primary key of {len(self.columns)} column(s)",
                    dataset=self.dataset,
                )
            values = tuple(
                coerce(kind, value) for kind, value in zip(self.kinds, identifier, strict=True)
            )
        except TypeError as error:  # unhashable
            raise InvalidIdentifierError(
                type(store).__name__, identifier, str(error), dataset=self.dataset
            ) from None
        return values[0] if self.single else values

    def among(self, keys: Sequence[Any]) -> ColumnElement[bool]:
        """`key IN (...)` for normalized keys (tuples when composite), bound as they are stored."""
        if self.single:
            column = self.columns[0]
            return column.in_(bindparam(None, list(keys), type_=column.type, expanding=True))
        stored_as = TupleType(*(column.type for column in self.columns))
        return tuple_(*self.columns).in_(
            bindparam(None, list(keys), type_=stored_as, expanding=True)
        )

    def stored_form(self, dialect: Dialect) -> Callable[[Any], Hashable] | None:
        """
        How `dialect` stores a normalized key: two keys of one stored form name one row.
        The function raises what the columns' types raise for a value they cannot hold. None
        when every column stores values as given (integers, text): keys are their own forms.

        """
        processors = [
            column.type.dialect_impl(dialect).bind_processor(dialect) for column in self.columns
        ]
        if all(processor is None for processor in processors):
            return None

        def stored(key: Any) -> Hashable:
            values = (key,) if self.single else key
            forms = tuple(
                value if processor is None or value is None else processor(value)
                for processor, value in zip(processors, values, strict=True)
            )
            return forms[0] if self.single else forms

        return stored

    def of_instance(self, instance: Any) -> Hashable:
        """An instance's key, read as attributes (a fast-loaded instance needs no ORM state)."""
        if self.single:
            value: Hashable = getattr(instance, self.names[0])
            return value
        return tuple(getattr(instance, name) for name in self.names)


# model -> its primary key; weak, so models made at run time can go
KEYS: WeakKeyDictionary[type[Any], PrimaryKey] = WeakKeyDictionary()
KEYS_LOCK = threading.Lock()


def python_type(column: Column[Any]) -> type | None:
    """A key column's Python type when identifiers can be converted to it, else None."""
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return None
    return kind if kind in CONVERTIBLE else None


def coerce(kind: type | None, value: Any) -> Any:
    """
    A key value as the key column's Python type `kind` where SQLite would find the same row
    ("7" for 7, 7.0 for 7), else unchanged: then it matches what SQLite matches, never a row
    a lossy conversion picked. Raises TypeError for a value that cannot be hashed.

    """
    if value is None or type(value) is kind:
        return value
    if kind is int:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            with suppress(ValueError):
                if str(converted := int(value)) == value:
                    return converted
    elif kind is str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    elif kind is float and isinstance(value, int | str) and not isinstance(value, bool):
        with suppress(ValueError):
            return float(value)
    hash(value)
    return value


def fits_sqlite(value: Any) -> bool:
    """Whether a value, or every part of a composite key, is one SQLite can bind."""
    values = value if isinstance(value, tuple) else (value,)
    return not any(isinstance(part, int) and not INT64_MIN <= part <= INT64_MAX for part in values)


def names_a_row(key: Any) -> bool:
    """Whether a key can name a row at all: no NULL in it, no integer beyond 64 bits."""
    if key is None or (isinstance(key, tuple) and None in key):
        return False
    return fits_sqlite(key)


def usable_keys(keys: Sequence[Any]) -> list[Any]:
    """The keys that can name a row (`names_a_row`), in order."""
    return [key for key in keys if names_a_row(key)]


def batches(keys: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most `size` keys: one IN (...) of bound values each."""
    for start in range(0, len(keys), size):
        yield keys[start : start + size]
