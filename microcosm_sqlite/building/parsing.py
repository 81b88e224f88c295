"""
The sources' syntax: text (and JSON Lines numbers) -> the Python values column types take.

Numbers are ASCII, `[+-]?[0-9]+` for integers (within SQLite's 64 bits) and that with a
fraction and exponent for floats and decimals, with no spaces, `_` or NaN; dates, times and
datetimes ISO 8601 with no more than microseconds; bytes hexadecimal; JSON without NaN or
infinity. `conversion` says which column type takes which. Each parser raises `ValueError`,
whose message is the problem's reason.

"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "INTEGER",
    "NOT_FINITE",
    "NUMBER",
    "NUMBER_CHARACTERS",
    "JsonNumber",
    "in_int64_range",
    "iso_parser",
    "parse_binary",
    "parse_decimal",
    "parse_float",
    "parse_integer",
    "parse_json",
    "parse_uuid",
]

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
# binary columns' text: pairs of hexadecimal digits, either case
HEX = re.compile(r"(?:[0-9a-fA-F]{2})*")
# fractional seconds beyond the microseconds a datetime keeps (which fromisoformat drops)
SUB_MICROSECONDS = re.compile(r"[.,][0-9]{6}([0-9]+)")


class JsonNumber(float):
    """
    A JSON Lines number with a fraction or exponent: a float that keeps its text, so a
    decimal column takes the digits as written and every other column the float.

    """

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> JsonNumber:
        """The number `text` spells, keeping the text."""
        number = super().__new__(cls, text)
        number.text = text
        return number


def parse_integer(text: str) -> int:
    """An integer in the sources' syntax, within 64 bits; raises `ValueError` otherwise."""
    if INTEGER.fullmatch(text) is None:
        raise ValueError(f"{text!r} is not an integer (digits 0-9, optionally signed)")
    if len(text.lstrip("+-0")) > 19:  # beyond int64 however it reads, and maybe beyond int()
        raise ValueError(f"{text!r} is out of range for a 64-bit integer")
    return in_int64_range(int(text))


def in_int64_range(value: int) -> int:
    """The value, when SQLite's 64-bit integers hold it; `ValueError` otherwise."""
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(f"{value} is out of range for a 64-bit integer (SQLite's)")
    return value


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


def parse_uuid(text: str) -> uuid.UUID:
    """A UUID in any of its text forms."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a UUID") from None


def parse_decimal(text: str) -> Decimal:
    """A Decimal in the sources' number syntax, every digit kept."""
    _check_number(text)
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - NUMBER's syntax is Decimal's
        raise ValueError(f"{text!r} is not a number") from None


def parse_binary(text: str) -> bytes:
    """The bytes hexadecimal text spells: pairs of digits, either case, nothing else."""
    if HEX.fullmatch(text) is None:
        raise ValueError(
            f"{text[:40]!r} is not hexadecimal bytes (pairs of digits 0-9 and a-f, no spaces)"
        )
    return bytes.fromhex(text)


def _not_json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (NaN and infinity are refused)")


def parse_json(text: str) -> Any:
    """A JSON document (NaN and infinity refused: they are not JSON)."""
    try:
        return json.loads(text, parse_constant=_not_json_constant)
    except json.JSONDecodeError as error:
        raise ValueError(f"not a JSON document ({error})") from None
    except RecursionError:
        raise ValueError("not a JSON document: nested too deeply") from None


def iso_parser(kind: type[date] | type[datetime] | type[time]) -> Callable[[str], Any]:
    """The parser of ISO 8601 text for dates, datetimes or times, which refuses digits of
    seconds beyond microseconds (`fromisoformat` drops them)."""

    def parse(text: str) -> Any:
        try:
            value = kind.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not an ISO 8601 {kind.__name__}") from None
        beyond = SUB_MICROSECONDS.search(text)
        if beyond is not None and beyond[1].strip("0"):
            raise ValueError(
                f"{text!r} has fractional seconds beyond microseconds, which a"
                f" {kind.__name__} cannot hold (they are not rounded)"
            )
        return value

    return parse
