"""
A column's type, inferred from every value read, as the build will convert it.

Each distinct value says which types could hold it, by the build's own rules
(`building.conversion`): integers in `[+-]?[0-9]+` within 64 bits, numbers in its syntax and
finite, booleans in `to_bool`'s spellings, ISO dates (`YYYY-MM-DD`), datetimes without an
offset and datetimes with one (`DateTime(timezone=True)`), JSON documents (an object or an
array), text. The column takes the most specific type that holds all of them. In JSON Lines,
numbers, booleans, objects and arrays are themselves, and only strings can be dates or
datetimes; a column mixing them is JSON.

Some guesses keep values as written rather than as a reader would first think:

- digits with leading zeros (`"004"`) are text: as integers they would come back as `4`;
- integers beyond 64 bits are text, which SQLite holds whole;
- a number with trailing zeros after its point (`"12.50"`) or more digits than a float keeps
  is a decimal of that scale, so it reads back as written;
- only `0` and `1` make an integer column, unless its name says it is a flag (`is_...`);
- datetimes with an offset (`+02:00`, `Z`) make a `DateTime(timezone=True)` column, which keeps
  it, when every value has one; mixed with datetimes without one they are text, since such a
  column requires an offset and a plain `DateTime` column drops it.

"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from microcosm_sqlite.building.parsing import INTEGER, NUMBER, parse_float, parse_integer
from microcosm_sqlite.types import FALSE_SPELLINGS, TRUE_SPELLINGS, to_bool

BOOL, INT, NUMBER_KIND, DATE, DATETIME, AWARE_DATETIME, JSON_KIND, TEXT = (
    "bool",
    "int",
    "number",
    "date",
    "datetime",
    "aware_datetime",
    "json",
    "text",
)
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATETIME_TEXT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
)
AWARE_DATETIME_TEXT = re.compile(DATETIME_TEXT.pattern + r"(Z|[+-][0-9]{2}:?[0-9]{2})")
# names that say a column of 0 and 1 is a flag
FLAG_PREFIXES = ("is_", "has_", "can_", "should_", "was_", "allow", "enable", "use_")
FLAG_SUFFIXES = ("_flag", "_enabled", "_active")
# the significant digits a float keeps
FLOAT_DIGITS = 15
# text of one length, at most this long, in at least this many distinct values: String(n)
FIXED_LENGTH_MAX = 8
FIXED_LENGTH_DISTINCT = 3


@dataclass
class ColumnType:
    """What a column's values say: its type, nullability, and each row's value as stored."""

    kind: str
    nullable: bool
    # each row's value as the build would store it (None for NULL), to compare keys
    values: list[Any]
    distinct: set[Any]
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    # for JSON: "object", "array" or "any"
    shape: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def present(self) -> int:
        """How many rows have a value."""
        return sum(value is not None for value in self.values)


def _not_json(name: str) -> Any:
    raise ValueError(name)


def _text_kinds(text: str) -> frozenset[str]:
    """The types whose column the build would let this CSV text into."""
    kinds = {TEXT}
    if text.strip().lower() in TRUE_SPELLINGS | FALSE_SPELLINGS:
        kinds.add(BOOL)
    digits = text.lstrip("+-")
    leading_zero = len(digits) > 1 and digits[0] == "0" and digits[1] != "."
    if INTEGER.fullmatch(text):
        if not leading_zero:
            try:
                parse_integer(text)
                kinds.update((INT, NUMBER_KIND))
            except ValueError:
                pass  # beyond 64 bits: text keeps every digit
    elif NUMBER.fullmatch(text) and not leading_zero:
        try:
            parse_float(text)
            kinds.add(NUMBER_KIND)
        except ValueError:
            pass
    kinds.update(_temporal_kinds(text))
    if text[:1] in "{[":
        try:
            json.loads(text, parse_constant=_not_json)
            kinds.add(JSON_KIND)
        except (ValueError, RecursionError):
            pass
    return frozenset(kinds)


def _temporal_kinds(text: str) -> set[str]:
    if DATE_TEXT.fullmatch(text):
        try:
            date.fromisoformat(text)
            return {DATE, DATETIME}
        except ValueError:
            return set()
    for pattern, kind in ((DATETIME_TEXT, DATETIME), (AWARE_DATETIME_TEXT, AWARE_DATETIME)):
        if pattern.fullmatch(text):
            try:
                datetime.fromisoformat(text)
                return {kind}
            except ValueError:
                return set()
    return set()


def _json_kinds(value: Any) -> frozenset[str]:
    """The types whose column the build would let this JSON Lines value into."""
    if isinstance(value, bool):
        return frozenset({BOOL, JSON_KIND})
    if isinstance(value, int):
        try:
            parse_integer(str(value))
            return frozenset({INT, NUMBER_KIND, JSON_KIND})
        except ValueError:
            return frozenset({JSON_KIND})
    if isinstance(value, float):
        return frozenset({NUMBER_KIND, JSON_KIND})
    if isinstance(value, str):
        return frozenset({TEXT, JSON_KIND, *_temporal_kinds(value)})
    return frozenset({JSON_KIND})


def _key(value: Any) -> Any:
    """A hashable key for a raw value, telling `1` from `true` and `"1"`."""
    if isinstance(value, dict | list):
        return ("json", json.dumps(value, sort_keys=True))
    return (type(value).__name__, value)


def looks_like_a_flag(name: str) -> bool:
    """Whether a column's name says its 0s and 1s are booleans."""
    lowered = name.lower()
    return lowered.startswith(FLAG_PREFIXES) or lowered.endswith(FLAG_SUFFIXES)


def infer_type(name: str, raw: list[Any], from_csv: bool) -> ColumnType:
    """The column type for one column's values in the rows read (None for NULL)."""
    by_key: dict[Any, Any] = {}
    for value in raw:
        if value is not None:
            by_key.setdefault(_key(value), value)
    distinct = list(by_key.values())
    nullable = len(by_key) == 0 or any(value is None for value in raw)
    if not distinct:
        return ColumnType(
            TEXT, True, list(raw), set(), notes=["no value in the rows read: text is a guess"]
        )
    classify = _text_kinds if from_csv else _json_kinds
    kinds = frozenset.intersection(*(classify(value) for value in distinct))
    kind = _choose(name, kinds, from_csv)
    column = ColumnType(kind, nullable, [], set())
    convert = _converter(column, distinct, from_csv)
    stored = {key: convert(value) for key, value in by_key.items()}
    column.values = [None if value is None else stored[_key(value)] for value in raw]
    column.distinct = set(stored.values())
    _describe(column, name, distinct, kinds)
    return column


def _choose(name: str, kinds: frozenset[str], from_csv: bool) -> str:
    if BOOL in kinds and INT in kinds:
        return BOOL if looks_like_a_flag(name) else INT
    last = (JSON_KIND, TEXT) if from_csv else (TEXT, JSON_KIND)
    order = (BOOL, INT, NUMBER_KIND, DATE, DATETIME, AWARE_DATETIME, *last)
    return next(kind for kind in order if kind in kinds)


def _converter(column: ColumnType, distinct: list[Any], from_csv: bool) -> Any:
    """How a raw value becomes the value the build stores, for comparing keys."""
    kind = column.kind
    if kind == BOOL:
        return to_bool
    if kind == INT:
        return lambda value: value if isinstance(value, int) else parse_integer(value)
    if kind == NUMBER_KIND:
        column.kind = _number_kind(distinct) if from_csv else "float"
        return float
    if kind == DATE:
        return date.fromisoformat
    if kind in (DATETIME, AWARE_DATETIME):
        return datetime.fromisoformat
    if kind == JSON_KIND:
        parse = json.loads if from_csv else (lambda value: value)
        documents = [parse(value) for value in distinct]
        column.shape = (
            "object"
            if all(isinstance(document, dict) for document in documents)
            else "array"
            if all(isinstance(document, list) for document in documents)
            else "any"
        )
        return lambda value: json.dumps(parse(value), sort_keys=True)
    return str


def _number_kind(texts: list[str]) -> str:
    """`decimal` when a float would not give the text back (trailing zeros, many digits)."""
    if any("e" in text.lower() for text in texts):
        return "float"
    for text in texts:
        fraction = text.partition(".")[2]
        significant = text.lstrip("+-").replace(".", "").lstrip("0")
        if (len(fraction) > 1 and fraction.endswith("0")) or len(significant) > FLOAT_DIGITS:
            return "decimal"
    return "float"


def _describe(column: ColumnType, name: str, distinct: list[Any], kinds: frozenset[str]) -> None:
    """Lengths, precision and scale, and the notes on uncertain guesses."""
    if column.kind == "decimal":
        scale = max(len(text.partition(".")[2]) for text in distinct)
        whole = max(len(text.lstrip("+-").partition(".")[0].lstrip("0")) for text in distinct)
        column.scale, column.precision = scale, max(whole + scale, 1)
        column.notes.append(
            f"a decimal of {scale} places, so values such as {distinct[0]!r} read back as written"
        )
    if column.kind == INT and BOOL in kinds:
        column.notes.append("only 0 and 1: a boolean? (Mapped[bool])")
    spellings = {str(value) for value in distinct if not isinstance(value, bool)}
    if column.kind == BOOL and spellings - {"true", "false"}:
        column.notes.append(f"booleans spelled {', '.join(sorted(spellings))}")
    if column.kind == JSON_KIND and column.shape == "any" and TEXT not in kinds:
        column.notes.append("values of several JSON types: a JSON column holds them all")
    if column.kind != TEXT:
        return
    texts = [value for value in distinct if isinstance(value, str)]
    lengths = {len(text) for text in texts}
    if len(lengths) == 1 and len(texts) >= FIXED_LENGTH_DISTINCT:
        (length,) = lengths
        if length <= FIXED_LENGTH_MAX:
            column.length = length
    if any(len(text) > 1 and text.lstrip("+-")[:1] == "0" and text.isdigit() for text in texts):
        column.notes.append(
            f"digits with leading zeros ({min(texts)!r}): text, so they read back as written"
        )
    elif any(AWARE_DATETIME_TEXT.fullmatch(text) for text in texts) and all(
        AWARE_DATETIME_TEXT.fullmatch(text) or DATETIME_TEXT.fullmatch(text) for text in texts
    ):
        column.notes.append(
            "datetimes, some with a UTC offset and some without: text, as DateTime(timezone=True)"
            " requires one and DateTime drops it"
        )
