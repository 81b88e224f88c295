"""
Source values -> the values SQLite stores, one column type at a time, and the defaults of
columns a source leaves out.

Every value goes through the column's SQLAlchemy type the way the ORM would send it to SQLite
(text -> Python value -> the type's bind processor for the SQLite dialect), so models read back
exactly what they would have written themselves. Conventions, the same for every column type:

- An empty CSV field is NULL. A column that is not nullable rejects it (an autoincrement
  integer primary key accepts it, and SQLite numbers the row). CSV cannot tell an empty string
  from NULL: sources with empty strings are written as JSON Lines, where `""` and `null` differ.
- A column the source leaves out (no CSV header, no JSON key) takes the column's default:
  a scalar `default=`, a callable `default=` that takes no context (called per row), or the
  `server_default` (evaluated once by SQLite); a nullable column with no default is NULL; any
  other column is required.
- Integers are ASCII digits with an optional sign (`[+-]?[0-9]+`) within SQLite's 64 bits
  (-2**63 to 2**63 - 1); floats and decimals are that with an optional fraction and exponent
  (`-1.5`, `.5`, `2e-3`). No surrounding spaces, no `_` separators, no other scripts' digits,
  and no NaN or infinity (nor a number that overflows to one): an unknown number is NULL, an
  empty field.
- Text is Unicode that UTF-8 can hold: a lone surrogate (`"\\ud800"` in JSON) is refused.
- A `String(n)` (or `Unicode(n)`, `Text(n)`) column refuses text longer than `n` characters,
  though SQLite itself would store it.
- Booleans take the spellings of `microcosm_sqlite.types.to_bool`; dates, times and datetimes
  ISO 8601; `EnumType` and `Enum` columns the member's name; JSON columns a JSON document
  (in JSON Lines, any JSON value), without NaN or infinity, which are not JSON; binary columns
  hexadecimal.

A value that does not convert raises `ValueError`, whose message is the problem's reason.

"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Column
from sqlalchemy.engine import Dialect
from sqlalchemy.types import (
    JSON,
    Boolean,
    Date,
    DateTime,
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
from microcosm_sqlite.types import FALSE_SPELLINGS, TRUE_SPELLINGS, to_bool

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "NUMBER_CHARACTERS",
    "ColumnConverter",
    "Fill",
    "fill_for",
    "parse_float",
    "parse_integer",
    "text_parser",
]

Converter = Callable[[Any], Any]

# the number syntax sources use: `int()` and `float()` also take spaces around, `_` between
# digits, other scripts' digits, and NaN and infinity
INTEGER = re.compile(r"[+-]?[0-9]+")
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# every character of a number in NUMBER's syntax: the fast path's check before `float()`
NUMBER_CHARACTERS = "0123456789.eE+-"
NOT_FINITE = "NaN and infinity are refused; an unknown number is NULL"
# the integers SQLite stores: 64-bit signed
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def parse_integer(text: str) -> int:
    """An integer in the sources' syntax, within 64 bits; raises `ValueError` otherwise."""
    if INTEGER.fullmatch(text) is None:
        raise ValueError(f"{text!r} is not an integer (digits 0-9, optionally signed)")
    if len(text.lstrip("+-0")) > 19:  # beyond int64 however it reads, and maybe beyond int()
        raise ValueError(f"{text!r} is out of range for a 64-bit integer")
    return _in_int64_range(int(text))


def _in_int64_range(value: int) -> int:
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(f"{value} is out of range for a 64-bit integer (SQLite's)")
    return value


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
            _in_int64_range(stored)
    elif isinstance(stored, float) and not math.isfinite(stored):
        raise ValueError(f"{stored!r} is not a number: {NOT_FINITE}")
    return stored


def _check_number(text: str) -> None:
    if NUMBER.fullmatch(text) is None:
        if text.strip().lstrip("+-").lower() in {"nan", "inf", "infinity"}:
            raise ValueError(f"{text!r} is not a number: {NOT_FINITE}")
        raise ValueError(f"{text!r} is not a number")


def parse_float(text: str) -> float:
    """A finite float in the sources' number syntax; raises `ValueError` otherwise."""
    _check_number(text)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is out of range for a float")
    return value


def _parse_uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a UUID") from None


def _parse_decimal(text: str) -> Decimal:
    _check_number(text)
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - NUMBER's syntax is Decimal's
        raise ValueError(f"{text!r} is not a number") from None


def _parse_binary(text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"{text!r} is not hexadecimal bytes") from None


def _not_json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (NaN and infinity are refused)")


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_not_json_constant)
    except json.JSONDecodeError as error:
        raise ValueError(f"not a JSON document ({error})") from None
    except RecursionError:
        raise ValueError("not a JSON document: nested too deeply") from None


def _iso(kind: type[date] | type[datetime] | type[time]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return kind.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not an ISO 8601 {kind.__name__}") from None

    return parse


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
        return _parse_decimal
    if issubclass(affinity, DateTime):
        return _iso(datetime)
    if issubclass(affinity, Date):
        return _iso(date)
    if issubclass(affinity, Time):
        return _iso(time)
    if issubclass(affinity, JSON):
        return _parse_json
    if issubclass(affinity, Uuid):
        return _parse_uuid
    if issubclass(affinity, LargeBinary):
        return _parse_binary
    return None


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
        stored = type_.impl_instance if isinstance(type_, TypeDecorator) else type_
        # the declared length of text, which SQLite does not enforce: the build does
        self.length: int | None = stored.length if isinstance(stored, String) else None
        self.bind: Converter | None = type_.dialect_impl(dialect).bind_processor(dialect)
        self.parse = text_parser(type_)
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
        if self.length is not None and isinstance(stored, str) and len(stored) > self.length:
            raise ValueError(f"{stored!r} is longer than {self.length} characters")
        if self.is_json and isinstance(stored, str) and ("NaN" in stored or "Infinity" in stored):
            _parse_json(stored)  # which refuses them, where they are not inside a string
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
        return self.from_python(value)


# --- filling columns the source leaves out --------------------------------------------------


@dataclass(frozen=True)
class Fill:
    """What goes into a column the source does not give: a constant, or a call per row."""

    value: Any = None
    call: Callable[[], Any] | None = None


def fill_for(converter: ColumnConverter, server_defaults: dict[str, Any]) -> Fill | str:
    """
    The fill for an omitted column, or the reason it cannot be left out. Raises `ValueError`
    when a scalar default does not fit the column.

    """
    column = converter.column
    default = column.default
    if default is not None:
        if default.is_scalar:
            return Fill(value=converter.from_python(default.arg))  # type: ignore[attr-defined]
        if default.is_callable:
            # SQLAlchemy wraps a callable that takes no arguments into one taking a context
            function = default.arg  # type: ignore[attr-defined]

            def call() -> Any:
                try:
                    value = function(None)
                except Exception as error:
                    raise ValueError(
                        f"its default could not run without a statement context ({error!r})"
                    ) from None
                return converter.from_python(value)

            return Fill(call=call)
        return "its default is an SQL expression, which build does not evaluate"
    if column.name in server_defaults:
        return Fill(value=server_defaults[column.name])
    if converter.accepts_null:
        return Fill()
    return "the column is required: not nullable and no default"
