"""
How an artifact stores the values SQLite has no type for, and reads them back exactly: the
SQLite forms behind the artifact dialect (`dialect.ArtifactDialect.colspecs`), which the build
writes with and every runtime engine reads with, the ORM's path and the fast one alike.

    column type                       stored as                              read back
    Integer, BigInteger               INTEGER                                int
    Float, Double                     REAL (declared DOUBLE)                 float
    Numeric(p <= 15, s), Numeric()    INTEGER when whole, else REAL          Decimal, s places
    Numeric(p > 15, s)                TEXT, s places: NUMERIC TEXT(p, s)     Decimal, s places
    Boolean, Truthy                   INTEGER 1 or 0                         bool
    String, Text, Unicode             TEXT                                   str
    Date                              TEXT 2024-01-31                        date
    DateTime                          TEXT 2024-01-31 12:00:00.000000        naive datetime
    DateTime(timezone=True)           TEXT 2024-01-31 07:00:00.000000+00:00  datetime in UTC
    Time, Time(timezone=True)         TEXT 12:00:00.000000, ...+00:00        time (in UTC)
    LargeBinary, BLOB, BINARY(n)      BLOB                                   bytes
    JSON                              TEXT (declared JSON TEXT)              the JSON value
    EnumType, Enum                    TEXT, the member's name                the member
    Uuid                              TEXT, 32 hexadecimal digits            uuid.UUID

The sources' forms are `microcosm_sqlite.building.conversion`'s; docs/column-types.md has both.

- Decimals (`Numeric`, `DECIMAL`; not `Float`) of up to `DOUBLE_DIGITS` digits of precision, or
  with no precision, are SQLite numbers: INTEGER when whole (within 64 bits), else REAL when
  the double gives the decimal back exactly. They sort and compare as numbers in SQL. Decimals
  of more digits (`Numeric(30, 2)`) are canonical text with exactly `scale` places (`-1.50`),
  in a column declared `NUMERIC TEXT(30, 2)` (TEXT affinity keeps the text): they compare and
  sort as text in SQL. Either way a value with more digits than the column allows is refused,
  never rounded, and reads back as a `Decimal` with the column's scale.
- Datetimes and times of a column with `timezone=True` are normalized to UTC and stored with
  the offset, `2024-01-01 05:00:00.000000+00:00` (a time: `11:00:00.000000+00:00`); they read
  back aware, in UTC. A column without time zone refuses a value with an offset, and one with
  a time zone a value without: either would change what it means.
- A `Date` column refuses a datetime, whose time it would drop.
- Binary columns hold BLOBs and read back `bytes`; the hexadecimal text that earlier builds
  stored in them reads back as the bytes it spells.

Every refusal is a `ValueError` saying why: a build makes it a located problem, a `Store` a
filter value no row can match.

"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Context, Decimal, InvalidOperation
from typing import Any

from sqlalchemy.dialects.sqlite import DATE, DATETIME, TIME
from sqlalchemy.engine import Dialect
from sqlalchemy.types import LargeBinary, Numeric

__all__ = [
    "DOUBLE_DIGITS",
    "StoredBinary",
    "StoredDate",
    "StoredDateTime",
    "StoredDecimal",
    "StoredTime",
    "decimal_as_text",
    "stored_decimal",
]

# the significant digits any decimal keeps through a double and back (C's DBL_DIG)
DOUBLE_DIGITS = 15
# the most significant digits a decimal may have (the limit of int(), as text, is 4300)
MAX_DIGITS = 1000
# the integers SQLite stores: 64-bit signed
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# a UTC offset stored after a datetime or time of a column with a time zone
UTC_SUFFIX = "+00:00"
HEX = re.compile(r"(?:[0-9a-fA-F]{2})*")

Processor = Callable[[Any], Any]


# --- decimals -------------------------------------------------------------------------------


def decimal_as_text(type_: Numeric[Any]) -> bool:
    """Whether a decimal column stores text: more digits of precision than a double keeps."""
    return type_.precision is not None and type_.precision > DOUBLE_DIGITS


def _declared(precision: int | None, scale: int | None) -> str:
    if precision is None:
        return "Numeric()" if scale is None else f"Numeric(scale={scale})"
    return f"Numeric({precision}, {scale})" if scale is not None else f"Numeric({precision})"


def effective_scale(precision: int | None, scale: int | None) -> int | None:
    """The places a column keeps: its scale; 0 for `Numeric(p)`, as SQL reads `NUMERIC(p)`."""
    if scale is None and precision is not None:
        return 0
    return scale


def to_decimal(value: Any) -> Decimal:
    """A Decimal for a decimal, an integer, a float (by its shortest text) or numeric text."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a boolean, not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    raise ValueError(f"{value!r} is not a number")


def stored_decimal(
    value: Any, precision: int | None, scale: int | None, as_text: bool
) -> int | float | str:
    """
    A decimal's stored form (see the module's docstring); `ValueError` when it has more
    digits than the column allows, or more than a double keeps exactly.

    """
    number = to_decimal(value)
    declared = _declared(precision, scale)
    if not number.is_finite():
        raise ValueError(f"{value} is not a number: NaN and infinity are refused")
    places = effective_scale(precision, scale)
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite
    written = "".join(map(str, digits)).lstrip("0")
    significant_digits = written.rstrip("0")  # trailing zeros say nothing of the value
    exponent += len(written) - len(significant_digits)
    if not significant_digits:
        if as_text:
            return "0" if not places else "0." + "0" * places
        return 0
    significant = len(significant_digits)
    if significant > MAX_DIGITS:
        raise ValueError(f"{number:.5e} has {significant} significant digits: too many to keep")
    coefficient = int(significant_digits)
    fraction = max(0, -exponent)
    whole = max(0, significant + exponent)
    if places is not None and fraction > places:
        raise ValueError(
            f"{number} has {fraction} digits after the point, where {declared} keeps {places}"
            " (it is not rounded)"
        )
    if precision is not None and places is not None and whole > precision - places:
        raise ValueError(
            f"{number} has {whole} digits before the point, where {declared} keeps"
            f" {precision - places}"
        )
    negative = bool(sign)
    if as_text:
        assert places is not None  # text is for declared precisions
        scaled = coefficient * 10 ** (exponent + places)
        units, cents = divmod(scaled, 10**places)
        text = str(units) if not places else f"{units}.{str(cents).zfill(places)}"
        return "-" + text if negative else text
    if exponent >= 0 and whole <= 19:
        integer: int = coefficient * 10**exponent * (-1 if negative else 1)
        if INT64_MIN <= integer <= INT64_MAX:
            return integer
    approximate = float(number)
    if Decimal(repr(approximate)) != number:
        raise ValueError(
            f"{number} has more digits than SQLite's REAL keeps exactly ({DOUBLE_DIGITS}"
            f" significant, within its range): declare Numeric(precision, scale) with a"
            f" precision above {DOUBLE_DIGITS}, which is stored as exact text"
        )
    return approximate


def read_decimal(value: Any, scale: int | None, context: Context) -> Decimal:
    """A stored decimal (text, INTEGER or REAL, of this or an earlier build) as a Decimal."""
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{value[:40]!r} is not a number") from None
        if not number.is_finite():
            raise ValueError(f"{value!r} is not a number")
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        number = Decimal(value)
    if scale is None:
        return number
    return number.quantize(Decimal(1).scaleb(-scale), context=context)


class StoredDecimal(Numeric[Any]):
    """`Numeric` as artifacts store it: exact, as a number or as text by precision."""

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Processor | None:
        """The stored form of a value; `ValueError` for one the column cannot hold."""
        precision, scale, as_text = self.precision, self.scale, decimal_as_text(self)

        def process(value: Any) -> Any:
            if value is None:
                return None
            return stored_decimal(value, precision, scale, as_text)

        return process

    def result_processor(self, dialect: Dialect, coltype: object) -> Processor | None:
        """A `Decimal` with the column's scale (a float when `asdecimal=False`)."""
        if not self.asdecimal:
            return _to_float
        scale = effective_scale(self.precision, self.scale)
        # wide enough for any REAL an earlier build stored, at the column's scale
        context = Context(prec=400 + (scale or 0))

        def process(value: Any) -> Decimal | None:
            return None if value is None else read_decimal(value, scale, context)

        return process


def _to_float(value: Any) -> float | None:
    return None if value is None else float(value)


# --- dates and times ------------------------------------------------------------------------


def _offset_refused(value: datetime | time) -> ValueError:
    return ValueError(
        f"{value.isoformat()} has a UTC offset, but the column has no time zone: the offset"
        " would be lost (declare the column with timezone=True to keep it, or give the time"
        " without an offset)"
    )


def _offset_missing(value: datetime | time) -> ValueError:
    return ValueError(
        f"{value.isoformat()} has no UTC offset, but the column has a time zone"
        " (timezone=True): give one, such as Z or +01:00"
    )


class StoredDateTime(DATETIME):
    """A datetime, as SQLite's text; with `timezone=True`, in UTC with its offset."""

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Processor | None:
        """The stored text; `ValueError` for an offset the column cannot keep, or lacks."""
        base: Any = super()  # untyped in some SQLAlchemy versions
        plain = base.bind_processor(dialect)
        zoned = self.timezone

        def process(value: Any) -> Any:
            if isinstance(value, datetime):
                offset = value.utcoffset()
                if zoned:
                    if offset is None:
                        raise _offset_missing(value)
                    try:
                        value = value.astimezone(UTC)
                    except OverflowError:
                        raise ValueError(f"{value.isoformat()} is out of range in UTC") from None
                    return plain(value.replace(tzinfo=None)) + UTC_SUFFIX
                if offset is not None:
                    raise _offset_refused(value)
            elif zoned and isinstance(value, date):
                raise _offset_missing(datetime.combine(value, time()))
            return plain(value)

        return process


class StoredTime(TIME):
    """A time of day, as SQLite's text; with `timezone=True`, in UTC with its offset."""

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Processor | None:
        """The stored text; `ValueError` for an offset the column cannot keep, or lacks."""
        base: Any = super()  # untyped in some SQLAlchemy versions
        plain = base.bind_processor(dialect)
        zoned = self.timezone

        def process(value: Any) -> Any:
            if isinstance(value, time):
                if zoned:
                    return plain(utc_time(value)) + UTC_SUFFIX
                if value.tzinfo is not None:
                    raise _offset_refused(value)
            return plain(value)

        return process


def utc_time(value: time) -> time:
    """A time of day with a fixed UTC offset, as the naive time in UTC (around the clock)."""
    if value.tzinfo is None:
        raise _offset_missing(value)
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(
            f"{value.isoformat()}: a time of day's zone must be a fixed offset (+01:00), not a"
            " zone whose offset depends on the date"
        )
    moment = datetime.combine(date(2000, 1, 2), value.replace(tzinfo=None)) - offset
    return moment.time()


class StoredDate(DATE):
    """A date, as SQLite's text; a datetime is refused, not cut to its date."""

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Processor | None:
        """The stored text; `ValueError` for a datetime."""
        base: Any = super()  # untyped in some SQLAlchemy versions
        plain = base.bind_processor(dialect)

        def process(value: Any) -> Any:
            if isinstance(value, datetime):
                raise ValueError(
                    f"{value.isoformat()} is a datetime: a Date column would drop its time"
                )
            return plain(value)

        return process


# --- binary ---------------------------------------------------------------------------------


class StoredBinary(LargeBinary):
    """Bytes, as a BLOB. Earlier builds stored hexadecimal text: it reads as its bytes."""

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Processor | None:
        """`bytes` for a BLOB (as stored) or for hexadecimal text."""
        return _read_bytes


def _read_bytes(value: Any) -> bytes | None:
    if value is None or value.__class__ is bytes:
        return value
    if isinstance(value, str):
        if HEX.fullmatch(value) is None:
            raise ValueError(f"{value[:40]!r} is text, not bytes nor hexadecimal")
        return bytes.fromhex(value)
    return bytes(value)
