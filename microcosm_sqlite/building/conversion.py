"""
Source values -> the values SQLite stores, one column type at a time.

Every value goes through the column's SQLAlchemy type the way the ORM would send it to an
artifact (text -> Python value -> the type's bind processor for the artifact dialect, whose
stored forms are `microcosm_sqlite.artifact.storage`'s), so models read back exactly what they
would have written themselves, and a value that would not come back as it went in is refused.
Conventions, the same for every column type (`docs/column-types.md` has the table):

- An empty CSV field is NULL. A column that is not nullable rejects it (an autoincrement
  integer primary key accepts it, and SQLite numbers the row). CSV cannot tell an empty string
  (or empty bytes) from NULL: sources with them are written as JSON Lines, where `""` and
  `null` differ.
- A column the source leaves out takes its default (`defaults`).
- Integers are ASCII digits with an optional sign (`[+-]?[0-9]+`) within SQLite's 64 bits
  (-2**63 to 2**63 - 1); floats and decimals are that with an optional fraction and exponent
  (`-1.5`, `.5`, `2e-3`). No surrounding spaces, no `_` separators, no other scripts' digits,
  and no NaN or infinity (nor a number that overflows to one): an unknown number is NULL, an
  empty field.
- Decimals (`Numeric`) keep every digit: more digits than the column's precision and scale
  allow is refused, not rounded; a JSON Lines number in a decimal column is read from its
  text, not through a float.
- Text is Unicode that UTF-8 can hold: a lone surrogate (`"\\ud800"` in JSON) is refused.
- A `String(n)` (or `Unicode(n)`, `Text(n)`) column refuses text longer than `n` characters,
  and a binary column of a length bytes longer than it, though SQLite itself would store them.
- Booleans take the spellings of `microcosm_sqlite.types.to_bool`; dates, times and datetimes
  ISO 8601 (a UTC offset only in a column with `timezone=True`, which requires one; no more
  than microseconds); `EnumType` and `Enum` columns the member's name; JSON columns a JSON
  document (in JSON Lines, any JSON value), without NaN or infinity, which are not JSON;
  binary columns hexadecimal (`dead00`, in JSON Lines a string too).
- Python values (`build_from_rows`) are of the column's own Python type (a `date` for a Date
  column, not a datetime; `bytes` only for a binary column), or text and JSON values as above.

A value that does not convert raises `ValueError`, whose message is the problem's reason.

"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum as PythonEnum
from typing import Any

from sqlalchemy import Column
from sqlalchemy.engine import Dialect
from sqlalchemy.types import (
    BINARY,
    JSON,
    VARBINARY,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Time,
    TypeDecorator,
    TypeEngine,
    Uuid,
)

from microcosm_sqlite._sqla_internals import type_affinity
from microcosm_sqlite.building.parsing import (
    NOT_FINITE,
    JsonNumber,
    in_int64_range,
    iso_parser,
    parse_binary,
    parse_decimal,
    parse_float,
    parse_integer,
    parse_json,
    parse_uuid,
)
from microcosm_sqlite.types import FALSE_SPELLINGS, TRUE_SPELLINGS, to_bool

__all__ = [
    "ColumnConverter",
    "generic_type",
    "json_accepts",
    "python_values",
    "text_parser",
]

Converter = Callable[[Any], Any]

# bytes as SQLAlchemy's binary types bind them, stored as bytes
BYTES_LIKE = (bytes, bytearray, memoryview)
# what sqlite3 stores as it is: a bound value of any other type is refused at its row
STORABLE = (int, float, str, bytes)


def _storable(stored: Any) -> Any:
    """A bound value SQLite can hold unchanged; ValueError when it cannot (not a raw
    OverflowError or UnicodeEncodeError from the driver at insert time)."""
    if isinstance(stored, str):
        if not stored.isascii():
            try:
                stored.encode("utf-8")
            except UnicodeEncodeError as error:
                code = ord(error.object[error.start])
                raise ValueError(
                    f"{stored[:40]!r} holds a lone surrogate (U+{code:04X}), which is not"
                    " Unicode text that UTF-8 (and SQLite) can hold"
                ) from None
    elif isinstance(stored, int):
        if not isinstance(stored, bool):
            in_int64_range(stored)
    elif isinstance(stored, float) and not math.isfinite(stored):
        raise ValueError(f"{stored!r} is not a number: {NOT_FINITE}")
    return stored


def _int_or_float(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def generic_type(type_: TypeEngine[Any]) -> type[TypeEngine[Any]] | None:
    """
    A column type's generic type, `Float` for every float on any SQLAlchemy we support.

    SQLAlchemy 2.0 gives `Float` (what `Mapped[float]` is there) the generic type `Numeric`,
    2.1 gives it `Float`: a float column reads its text as a float, not a Decimal, on both.

    """
    stored = type_.impl_instance if isinstance(type_, TypeDecorator) else type_
    if isinstance(stored, Float):
        return Float
    if isinstance(stored, LargeBinary | BINARY | VARBINARY):
        # `_Binary` to SQLAlchemy, which no public name covers
        return LargeBinary
    return type_affinity(type_)


def text_parser(type_: TypeEngine[Any]) -> Callable[[str], Any] | None:
    """How text becomes the Python value a column type's bind processor expects (None: as is)."""
    affinity = generic_type(type_)
    if affinity is None:
        return None
    if issubclass(affinity, Boolean):
        return to_bool
    if issubclass(affinity, Integer):
        return parse_integer
    if issubclass(affinity, Float):
        return parse_float
    if issubclass(affinity, Numeric):
        return parse_decimal
    if issubclass(affinity, DateTime):
        return iso_parser(datetime)
    if issubclass(affinity, Date):
        return iso_parser(date)
    if issubclass(affinity, Time):
        return iso_parser(time)
    if issubclass(affinity, JSON):
        return parse_json
    if issubclass(affinity, Uuid):
        return parse_uuid
    if issubclass(affinity, LargeBinary):
        return parse_binary
    return None


# Python values a plain column type takes from `build_from_rows` beyond text and JSON values
# (which convert as a source's would); values of other types are refused
PYTHON_VALUES: tuple[tuple[type[TypeEngine[Any]], tuple[type, ...]], ...] = (
    (Numeric, (Decimal,)),
    (DateTime, (datetime,)),
    (Date, (date,)),
    (Time, (time,)),
    (LargeBinary, BYTES_LIKE),
    (Uuid, (uuid.UUID,)),
    (JSON, (object,)),
)


def python_values(type_: TypeEngine[Any]) -> tuple[type, ...] | None:
    """The Python types, beyond text and JSON values, a column takes (None: what its bind
    processor takes, for types of their own)."""
    if isinstance(type_, TypeDecorator):
        return None
    if isinstance(type_, Enum):  # text to SQLAlchemy, whose affinity says String
        return (PythonEnum,)
    affinity = generic_type(type_)
    if affinity is None:
        return None
    for kind, accepted in PYTHON_VALUES:
        if issubclass(affinity, kind) and not issubclass(affinity, Float):
            return accepted
    return ()


def json_accepts(type_: TypeEngine[Any], value: Any) -> bool:
    """Whether a JSON value that is not a string fits a column type as it is."""
    affinity = generic_type(type_)
    if affinity is None:
        return True
    if issubclass(affinity, JSON):
        return True
    if issubclass(affinity, Boolean):
        return isinstance(value, bool) or value in (0, 1)
    if issubclass(affinity, Integer):
        return isinstance(value, int) and not isinstance(value, bool)
    if issubclass(affinity, Float | Numeric):
        return _int_or_float(value)
    return False


class Spellings(dict[str, Any]):
    """
    Text -> stored value for a column with few spellings (booleans), worked out once.

    Text it does not hold (odd case or spacing, a bad value) takes the column's full
    conversion, which converts it or raises; nothing is added, so memory stays flat.

    """

    def __init__(self, convert: Callable[[str], Any], spellings: Iterable[str]) -> None:
        super().__init__((spelling, convert(spelling)) for spelling in spellings)
        self.convert = convert

    def __missing__(self, text: str) -> Any:
        return self.convert(text)


def _boolean_spellings() -> list[str]:
    """The spellings of `to_bool`, as written and in the usual capitalisations."""
    spellings = sorted(TRUE_SPELLINGS | FALSE_SPELLINGS)
    return sorted(
        {
            variant
            for spelling in spellings
            for variant in (spelling, spelling.upper(), spelling.capitalize())
        }
    )


class ColumnConverter:
    """Source values -> stored values for one column; `ValueError` says what is wrong."""

    def __init__(self, column: Column[Any], dialect: Dialect) -> None:
        self.column = column
        self.name = column.name
        type_ = column.type
        self.type = type_
        affinity = generic_type(type_)
        self.is_json = affinity is not None and issubclass(affinity, JSON)
        # a TypeDecorator may add its own bind step, so only plain types convert inline
        self.plain = not isinstance(type_, TypeDecorator)
        self.is_number = affinity is not None and issubclass(affinity, Float | Numeric)
        self.is_decimal = (
            self.is_number and affinity is not None and not issubclass(affinity, Float)
        )
        stored = type_.impl_instance if isinstance(type_, TypeDecorator) else type_
        self.is_binary = isinstance(stored, LargeBinary | BINARY | VARBINARY)
        # the declared length of text and bytes, which SQLite does not enforce: the build does
        self.length: int | None = (
            stored.length if isinstance(stored, String | LargeBinary | BINARY | VARBINARY) else None
        )
        self.bind: Converter | None = type_.dialect_impl(dialect).bind_processor(dialect)
        self.parse = text_parser(type_)
        # the Python types `build_from_rows` may give beyond text and JSON values
        self.python_values = python_values(type_)
        compiled = type_.compile(dialect=dialect).upper()
        # SQLite numbers a NULL INTEGER PRIMARY KEY itself (the rowid), so NULL is fine there
        self.autoincrement = column is column.table.autoincrement_column and compiled == "INTEGER"
        self.accepts_null = bool(column.nullable) or self.autoincrement
        # a plain boolean's text has a dozen spellings: look the stored value up, not convert it
        self.spellings: Spellings | None = None
        if self.plain and self.parse is to_bool:
            self.spellings = Spellings(self.from_text, _boolean_spellings())

    def null(self) -> None:
        """NULL, for a column that takes it; raises `ValueError` for one that does not."""
        if not self.accepts_null:
            raise ValueError("a value is required: the column is not nullable")
        return None

    def from_python(self, value: Any) -> Any:
        """The stored value for a Python value, as the ORM would bind it; `ValueError` if none."""
        if value is None:
            return self.null()
        try:
            stored = value if self.bind is None else self.bind(value)
        except (TypeError, ValueError, LookupError, AttributeError) as error:
            raise ValueError(str(error) or f"{value!r} does not fit {self.type!r}") from None
        if isinstance(stored, BYTES_LIKE):
            if not self.is_binary:
                raise ValueError(
                    f"{bytes(stored)[:40]!r} is bytes, which only a binary column holds"
                    f" ({self.type!r} is not one)"
                )
            stored = bytes(stored)
            if self.length is not None and len(stored) > self.length:
                raise ValueError(f"{len(stored)} bytes are longer than {self.length}")
        elif self.length is not None and isinstance(stored, str) and len(stored) > self.length:
            raise ValueError(f"{stored!r} is longer than {self.length} characters")
        elif stored is not None and not isinstance(stored, STORABLE):
            raise ValueError(f"{value!r} does not fit a {self.type!r} column")
        if self.is_json and isinstance(stored, str) and ("NaN" in stored or "Infinity" in stored):
            parse_json(stored)  # which refuses them, where they are not inside a string
        return _storable(stored)

    def from_text(self, text: str) -> Any:
        """The stored value for a CSV field: empty is NULL; raises `ValueError`."""
        if text == "":
            if not self.accepts_null:
                raise ValueError(
                    "empty value, but the column is not nullable (an empty CSV field is NULL)"
                )
            return None
        value = text if self.parse is None else self.parse(text)
        return self.from_python(value)

    def from_json(self, value: Any) -> Any:
        """
        The stored value for a JSON Lines value: strings parse as text, JSON null is NULL.
        Raises `ValueError`.

        """
        if value is None:
            return self.null()
        if isinstance(value, str) and not self.is_json:
            value = value if self.parse is None else self.parse(value)
        elif not isinstance(value, str) and not json_accepts(self.type, value):
            raise ValueError(f"{json.dumps(value)} does not fit a {self.type!r} column")
        elif self.is_number and isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{json.dumps(value)} is not a number: {NOT_FINITE}")
        elif self.is_decimal and isinstance(value, JsonNumber):
            value = parse_decimal(value.text)
        return self.from_python(value)

    def from_row(self, value: Any) -> Any:
        """
        The stored value for a value of a Python row (`build_from_rows`): text and JSON
        values as JSON Lines take them, others only of the column's Python types. Raises
        `ValueError`.

        """
        if value is None:
            return self.null()
        if isinstance(value, TEXT_OR_JSON):
            return self.from_json(value)
        accepted = self.python_values
        if accepted is not None and not isinstance(value, accepted):
            kind = type(value).__name__
            if isinstance(value, BYTES_LIKE):
                raise ValueError(
                    f"{bytes(value)[:40]!r} is {kind}, which only a binary column holds"
                    f" ({self.type!r} is not one)"
                )
            raise ValueError(f"{value!r} is a {kind}, which a {self.type!r} column does not take")
        return self.from_python(value)


# text, which parses as a source's text, and the other values a JSON Lines row may hold
TEXT_OR_JSON = (str, bool, int, float, list, dict)
