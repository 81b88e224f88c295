"""
Streaming CSV and JSON Lines readers that turn source rows into the values SQLite should store.

One source file feeds one table. Every value goes through the column's SQLAlchemy type the way
the ORM would send it to SQLite (text -> Python value -> the type's bind processor for the
SQLite dialect), so models read back exactly what they would have written themselves.

Conventions, the same for every column type:

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
- CSV fields may be of any length: reading raises the csv module's field size limit, which is
  global to the process, to `CSV_FIELD_LIMIT` (once, and never lowers it), since a dump of long
  text holds fields beyond its default of 131,072 characters.

Rows stream: memory does not grow with the size of a source. A bad row becomes a
`BuildInputError` naming the file, line and column, collected by `Problems`.

"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple

from sqlalchemy import Column, Table
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
from microcosm_sqlite.errors import BuildInputError
from microcosm_sqlite.types import FALSE_SPELLINGS, TRUE_SPELLINGS, to_bool

SourceFormat = Literal["csv", "jsonl"]
SOURCE_FORMATS: tuple[SourceFormat, ...] = ("csv", "jsonl")
# the line that problems with a CSV header (or with a whole file) point at
HEADER_LINE = 1
# rows per executemany: large enough to keep Python out of the way, small enough for memory
BATCH_SIZE = 6000
UNKNOWN_COLUMN = (
    "unknown column: table {table!r} has no such column (--ignore-unknown-columns skips it)"
)

Converter = Callable[[Any], Any]


class TooManyProblems(Exception):
    """Raised by `Problems.add` once the limit is reached: the build stops reading."""


@dataclass
class Problems:
    """Every input problem found so far, up to `limit`; past it, reading stops."""

    limit: int = 20
    found: list[BuildInputError] = field(default_factory=list)

    def add(self, problem: BuildInputError) -> None:
        self.found.append(problem)
        if len(self.found) >= self.limit:
            raise TooManyProblems()

    def __bool__(self) -> bool:
        return bool(self.found)

    def __len__(self) -> int:
        return len(self.found)


def quote(name: str) -> str:
    """An SQLite identifier, quoted whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


# --- one column's conversions ---------------------------------------------------------------


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
# the csv module's field size limit while reading: the largest a C long holds on every
# platform (Windows' is 32 bits), far beyond any field, where the default is 131,072
CSV_FIELD_LIMIT = 2**31 - 1


def _parse_integer(text: str) -> int:
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


def _parse_float(text: str) -> float:
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
        return _parse_integer
    if issubclass(affinity, Float):
        return _parse_float
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
    return sorted({variant for spelling in spellings for variant in (
        spelling, spelling.upper(), spelling.capitalize()
    )})


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
        if not self.accepts_null:
            raise ValueError("a value is required: the column is not nullable")
        return None

    def from_python(self, value: Any) -> Any:
        """The stored value for a Python value, as the ORM would bind it."""
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
        """The stored value for a CSV field: empty is NULL."""
        if text == "":
            if not self.accepts_null:
                raise ValueError(
                    "empty value, but the column is not nullable (an empty CSV field is NULL)"
                )
            return None
        value = text if self.parse is None else self.parse(text)
        return self.from_python(value)

    def from_json(self, value: Any) -> Any:
        """The stored value for a JSON Lines value: strings parse as text, JSON null is NULL."""
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


def fill_for(
    converter: ColumnConverter, server_defaults: dict[str, Any]
) -> Fill | str:
    """The fill for an omitted column, or the reason it cannot be left out."""
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


# --- the sources ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFile:
    """The file that holds one table's rows."""

    table: str
    path: Path
    format: SourceFormat


def find_sources(source_dir: Path) -> tuple[dict[str, SourceFile], list[BuildInputError]]:
    """Each table's source file in a directory, and problems such as two files for one table."""
    sources: dict[str, SourceFile] = {}
    problems: list[BuildInputError] = []
    for path in sorted(source_dir.iterdir()):
        suffix = path.suffix.lstrip(".")
        if suffix not in SOURCE_FORMATS or not path.is_file():
            continue
        table = path.stem
        if table in sources:
            problems.append(
                BuildInputError(
                    f"two sources for table {table!r}: also {sources[table].path.name}",
                    file=path,
                )
            )
            continue
        sources[table] = SourceFile(table, path, "csv" if suffix == "csv" else "jsonl")
    return sources, problems


class Batch(NamedTuple):
    """Converted rows in source order, and the line each starts on."""

    rows: list[tuple[Any, ...]]
    lines: list[int]


ProgressCallback = Callable[[int], None]


class TableSource:
    """
    One table's rows from one CSV or JSON Lines stream, converted, in source order.

    `batches()` yields the good rows as tuples in `columns` order, a list at a time, with the
    line each starts on, and sends each bad row to `problems`. It can run again (to locate
    duplicates after a failed load) when the source is a path or a seekable stream.

    """

    def __init__(
        self,
        table: Table,
        dialect: Dialect,
        source: Path | IO[str] | IO[bytes],
        format: SourceFormat,
        *,
        name: str | None = None,
        ignore_unknown_columns: bool = False,
    ) -> None:
        self.table = table
        self.source = source
        self.format = format
        self.name = name or source_name(source, f"<{table.name}.{format}>")
        self.ignore_unknown_columns = ignore_unknown_columns
        self.columns: tuple[Column[Any], ...] = tuple(table.columns)
        self.converters = tuple(ColumnConverter(column, dialect) for column in self.columns)

    @property
    def size(self) -> int | None:
        """The source's size in bytes, when known, for progress."""
        if isinstance(self.source, Path):
            return self.source.stat().st_size
        return None

    def problem(
        self, reason: str, line: int | None = None, column: str | None = None
    ) -> BuildInputError:
        return BuildInputError(reason, file=self.name, line=line, column=column)

    @contextmanager
    def _open(self) -> Iterator[tuple[IO[str], Callable[[], int]]]:
        """The text stream and a function giving the bytes read so far."""
        if isinstance(self.source, Path):
            with self.source.open("rb") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                try:
                    yield text, raw.tell
                finally:
                    text.detach()
            return
        stream: Any = self.source
        if isinstance(stream, io.TextIOBase):
            yield stream, lambda: 0  # type: ignore[misc]
            return
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            yield text, lambda: 0
        finally:
            text.detach()

    def not_utf8(self, error: UnicodeDecodeError, near: int) -> BuildInputError:
        """
        The problem for text that is not UTF-8, on the line that holds the first bad byte.

        Text decodes a block at a time, so the reader fails where the block starts (`near`):
        a second look at the bytes, line by line, finds the line itself. A stream that cannot
        go back is reported at `near`.

        """
        found: tuple[int, UnicodeDecodeError] | None = None
        if isinstance(self.source, Path):
            with self.source.open("rb") as raw:
                found = first_bad_utf8(raw)
        elif not isinstance(self.source, io.TextIOBase) and self.source.seekable():
            stream: Any = self.source
            stream.seek(0)
            found = first_bad_utf8(stream)
        if found is None:
            return self.problem(_not_utf8(error) + ", on this line or one after it", near)
        line, located = found
        return self.problem(_not_utf8(located), line)

    def rewind(self) -> bool:
        """Go back to the start for a second pass; False when the source cannot."""
        if isinstance(self.source, Path):
            return True
        stream: Any = self.source
        if stream.seekable():
            stream.seek(0)
            return True
        return False

    def fills(
        self, given: set[str], problems: Problems, server_defaults: dict[str, Any]
    ) -> dict[int, Fill] | None:
        """Fills for the columns a source leaves out, or None after reporting missing ones."""
        fills: dict[int, Fill] = {}
        complete = True
        for index, converter in enumerate(self.converters):
            if converter.name in given:
                continue
            try:
                fill = fill_for(converter, server_defaults)
            except ValueError as error:
                fill = f"its default does not fit the column ({error})"
            if isinstance(fill, str):
                complete = False
                problems.add(
                    self.problem(f"missing column: {fill}", HEADER_LINE, converter.name)
                )
            else:
                fills[index] = fill
        return fills if complete else None

    def batches(
        self,
        problems: Problems,
        server_defaults: dict[str, Any] | None = None,
        progress: ProgressCallback | None = None,
        size: int = BATCH_SIZE,
    ) -> Iterator[Batch]:
        """Every good row, converted, in lists of up to `size`; bad rows go to `problems`."""
        server_defaults = server_defaults or {}
        with self._open() as (stream, tell):
            read = self._csv_batches if self.format == "csv" else self._jsonl_batches
            yield from read(stream, problems, server_defaults, reporter(tell, progress), size)

    def rows(
        self, problems: Problems, server_defaults: dict[str, Any] | None = None
    ) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """Every good row with its line: for second passes, where speed matters less."""
        for batch in self.batches(problems, server_defaults):
            yield from zip(batch.lines, batch.rows, strict=True)

    # --- CSV ------------------------------------------------------------------------------

    def _csv_batches(
        self,
        stream: IO[str],
        problems: Problems,
        server_defaults: dict[str, Any],
        report: Callable[[], None],
        size: int,
    ) -> Iterator[Batch]:
        allow_long_csv_fields()
        reader = csv.reader(stream, strict=True)
        try:
            header = next(reader, None)
        except csv.Error as error:
            problems.add(self.problem(f"malformed CSV header: {error}", HEADER_LINE))
            return
        except UnicodeDecodeError as error:
            problems.add(self.not_utf8(error, HEADER_LINE))
            return
        if header is None:
            problems.add(self.problem("empty file: a CSV source needs a header row", HEADER_LINE))
            return
        positions = self._csv_header(header, problems)
        if positions is None:
            return
        fills = self.fills(set(positions), problems, server_defaults)
        if fills is None:
            return
        loop = self._compile_csv(positions, fills)
        slow = self._slow_csv(positions, fills)
        width = len(header)
        failure: list[BuildInputError] = []

        def malformed(fields: list[str], line: int) -> None:
            if fields:  # a blank line is no row at all
                reason = f"malformed CSV: {len(fields)} fields where the header has {width}"
                problems.add(self.problem(reason, line))

        def failed(error: Exception, line: int) -> None:
            if isinstance(error, UnicodeDecodeError):
                failure.append(self.not_utf8(error, line))
            else:
                failure.append(self.problem(f"malformed CSV: {error}", line))

        for batch in loop(reader, width, size, slow, problems, malformed, failed):
            if batch.rows:
                yield batch
            report()
        for problem in failure:
            problems.add(problem)

    def _csv_header(self, header: list[str], problems: Problems) -> dict[str, int] | None:
        """Column name -> field position, or None after reporting a bad header."""
        known = {converter.name for converter in self.converters}
        positions: dict[str, int] = {}
        good = True
        for index, name in enumerate(header):
            if name in positions:
                good = False
                problems.add(self.problem("the header names this column twice", HEADER_LINE, name))
            elif name in known:
                positions[name] = index
            elif not self.ignore_unknown_columns:
                good = False
                problems.add(
                    self.problem(UNKNOWN_COLUMN.format(table=self.table.name), HEADER_LINE, name)
                )
        return positions if good else None

    def _compile_csv(self, positions: dict[str, int], fills: dict[int, Fill]) -> CsvLoop:
        """
        A generated loop over a CSV reader's records: the hot path of every build.

        Plain text, integer and float columns convert inline, booleans look their spelling
        up, others call their converter, and a row whose conversion raises anything goes to
        the slow path, which says what was wrong. Every `size` rows the loop yields a batch,
        with the line each row starts on.

        """
        namespace: dict[str, Any] = {
            "_required": _required,
            "_refuse": _refuse,
            "_int": _parse_integer,
            "_float": _parse_float,
            "Batch": Batch,
            "reader_error": csv.Error,
        }
        parts: list[str] = []
        for index, converter in enumerate(self.converters):
            if index in fills:
                fill = fills[index]
                if fill.call is not None:
                    namespace[f"_f{index}"] = fill.call
                    parts.append(f"_f{index}()")
                else:
                    namespace[f"_k{index}"] = fill.value
                    parts.append(f"_k{index}")
                continue
            field_ = f"r[{positions[converter.name]}]"
            inline = _inline(converter)
            if inline is not None:
                expression, refuses_empty = inline
                expression = expression.format(field_, index)
            elif converter.spellings is not None:
                namespace[f"_s{index}"] = converter.spellings
                # "" is no spelling: the lookup falls back to `from_text`, which refuses it
                expression, refuses_empty = f"_s{index}[{field_}]", True
            else:
                namespace[f"_c{index}"] = converter.from_text
                expression, refuses_empty = f"_c{index}({field_})", True
            if converter.accepts_null:
                parts.append(f"({expression} if {field_} else None)")
            elif refuses_empty:
                parts.append(expression)
            else:
                parts.append(f"({field_} or _required())" if expression == field_
                             else f"({expression} if {field_} else _required())")
        row = "(" + "".join(f"{part}, " for part in parts) + ")"
        source = CSV_LOOP.replace("ROW", row)
        exec(compile(source, f"<load {self.table.name}>", "exec"), namespace)
        loop: CsvLoop = namespace["loop"]
        return loop

    def _slow_csv(
        self, positions: dict[str, int], fills: dict[int, Fill]
    ) -> Callable[[list[str], int, Problems], tuple[Any, ...] | None]:
        """The careful conversion: one problem per bad field, None when any field is bad."""
        plan = [
            (converter, fills.get(index), positions.get(converter.name))
            for index, converter in enumerate(self.converters)
        ]

        def slow(fields: list[str], line: int, problems: Problems) -> tuple[Any, ...] | None:
            values: list[Any] = []
            good = True
            for converter, fill, position in plan:
                try:
                    if fill is not None:
                        values.append(fill.value if fill.call is None else fill.call())
                    else:
                        assert position is not None
                        values.append(converter.from_text(fields[position]))
                except Exception as error:
                    good = False
                    problems.add(self.problem(str(error), line, converter.name))
            return tuple(values) if good else None

        return slow

    # --- JSON Lines -----------------------------------------------------------------------

    def _jsonl_batches(
        self,
        stream: IO[str],
        problems: Problems,
        server_defaults: dict[str, Any],
        report: Callable[[], None],
        size: int,
    ) -> Iterator[Batch]:
        # per set of keys: the fills and the problems with those keys (unknown, missing),
        # so a file whose lines agree on their keys works them out once
        plans: dict[frozenset[str], tuple[dict[int, Fill] | None, list[BuildInputError]]] = {}
        rows: list[tuple[Any, ...]] = []
        lines: list[int] = []
        line = 0
        try:
            for line, text in enumerate(stream, start=1):
                row = self._jsonl_row(text, line, problems, server_defaults, plans)
                if row is None:
                    continue
                rows.append(row)
                lines.append(line)
                if len(rows) >= size:
                    yield Batch(rows, lines)
                    rows = []
                    lines = []
                    report()
        except UnicodeDecodeError as error:
            problems.add(self.not_utf8(error, line + 1))
        if rows:
            yield Batch(rows, lines)
        report()

    def _jsonl_row(
        self,
        text: str,
        line: int,
        problems: Problems,
        server_defaults: dict[str, Any],
        plans: dict[frozenset[str], tuple[dict[int, Fill] | None, list[BuildInputError]]],
    ) -> tuple[Any, ...] | None:
        """One line's row, or None (blank, or bad: its problems reported)."""
        if not text.strip():
            return None
        try:
            record = json.loads(text)
        except ValueError as error:  # JSONDecodeError, or an integer of too many digits
            problems.add(self.problem(f"malformed JSON: {error}", line))
            return None
        except RecursionError:
            problems.add(self.problem("malformed JSON: nested too deeply", line))
            return None
        if not isinstance(record, dict):
            kind = type(record).__name__
            problems.add(self.problem(f"a JSON Lines row is an object, not {kind}", line))
            return None
        keys = frozenset(record)
        plan = plans.get(keys)
        if plan is None:
            plan = self._jsonl_plan(keys, server_defaults)
            if len(plans) < 256:
                plans[keys] = plan
        fills, key_problems = plan
        for problem in key_problems:
            problems.add(self.problem(problem.reason, line, problem.column))
        if fills is None:
            return None
        values: list[Any] = []
        good = True
        for index, converter in enumerate(self.converters):
            try:
                fill = fills.get(index)
                if fill is None:
                    values.append(converter.from_json(record[converter.name]))
                else:
                    values.append(fill.value if fill.call is None else fill.call())
            except Exception as error:
                good = False
                problems.add(self.problem(str(error), line, converter.name))
        return tuple(values) if good else None

    def _jsonl_plan(
        self, keys: frozenset[str], server_defaults: dict[str, Any]
    ) -> tuple[dict[int, Fill] | None, list[BuildInputError]]:
        """The fills for lines with these keys, and the problems every such line has."""
        found = Problems(limit=len(keys) + len(self.converters) + 1)
        known = {converter.name for converter in self.converters}
        unknown = sorted(keys - known)
        if not self.ignore_unknown_columns:
            for name in unknown:
                found.add(self.problem(UNKNOWN_COLUMN.format(table=self.table.name), None, name))
        fills = self.fills(set(keys), found, server_defaults)
        return (None if found else fills), found.found


def source_name(source: Path | IO[str] | IO[bytes], fallback: str) -> str:
    """How problems name a source: its path, a stream's file name, or the fallback."""
    if isinstance(source, Path):
        return str(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else fallback


CsvLoop = Callable[..., Iterator[Batch]]

# the generated CSV loop; ROW becomes the tuple expression converting record `r`
CSV_LOOP = """
def loop(reader, width, size, slow, problems, malformed, failed):
    previous = reader.line_num
    rows = []
    lines = []
    append = rows.append
    mark = lines.append
    try:
        for r in reader:
            line = previous + 1
            previous = reader.line_num
            if len(r) != width:
                malformed(r, line)
                continue
            try:
                append(ROW)
            except Exception:
                checked = slow(r, line, problems)
                if checked is None:
                    continue
                append(checked)
            mark(line)
            if len(lines) == size:
                yield Batch(rows, lines)
                rows = []
                lines = []
                append = rows.append
                mark = lines.append
    except Exception as error:
        if not isinstance(error, (UnicodeDecodeError, reader_error)):
            raise
        failed(error, previous + 1)
    yield Batch(rows, lines)
"""


def _not_utf8(error: UnicodeDecodeError) -> str:
    bad = error.object[error.start:error.end].hex(" ")
    return f"not UTF-8 text: {error.reason} (bytes {bad})"


def first_bad_utf8(raw: IO[bytes]) -> tuple[int, UnicodeDecodeError] | None:
    """
    The line holding the first byte that is not UTF-8, and the decoding error, or None.

    Lines end as a reader with `newline=""` ends them: at `\\n`, `\\r\\n` or a bare `\\r`.
    A line is decoded alone: no UTF-8 sequence holds the byte of `\\n`, so none spans two.

    """
    line = 1
    for chunk in raw:
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError as error:
            return line + _line_breaks(chunk[:error.start]), error
        line += _line_breaks(chunk)
    return None


def _line_breaks(data: bytes) -> int:
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def allow_long_csv_fields() -> None:
    """
    Raise the csv module's field size limit to `CSV_FIELD_LIMIT`, so every field a dump
    writes reads back. The limit is global to the process: it is only ever raised.

    """
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)


def _required() -> None:
    raise ValueError("empty value in a column that is not nullable")


def _refuse() -> None:
    raise ValueError("refused inline: the slow path says why")


def _inline(converter: ColumnConverter) -> tuple[str, bool] | None:
    """
    A Python expression (with `{0}` for the field, `{1}` for the column's position) that
    converts text inline, if one fits, and whether it raises on empty text by itself (so a
    required column needs no check).

    Each is `_parse_integer` or `_parse_float` made fast for the usual text: a quick check
    that only the syntax's characters occur before the builtin conversion, which settles
    the rest. Numbers it turns away take the full parser (negative integers, which pass
    it) or raise, and the row takes the slow path, which says what is wrong.

    """
    if not converter.plain:
        return None
    if converter.bind is None and converter.parse is None and isinstance(converter.type, String):
        if converter.length is None:
            return "{0}", False
        return f"({{0}} if len({{0}}) <= {converter.length} else _refuse())", False
    if converter.bind is None and converter.parse is _parse_integer:
        # 18 digits always fit 64 bits; longer text takes the full parser, which checks
        return (
            "(int({0}) if len({0}) < 19 and {0}.isascii() and {0}.isdigit() else _int({0}))"
        ), True
    if converter.parse is _parse_float and isinstance(converter.type, Float):
        # the SQLite dialect's Float bind processor turns a float into the same float;
        # `v - v` is 0 for every float but NaN and the infinities (an overflow)
        return (
            f"(_v{{1}} if not {{0}}.lstrip({NUMBER_CHARACTERS!r})"
            " and (_v{1} := float({0})) - _v{1} == 0 else _float({0}))"
        ), True
    return None


def reporter(tell: Callable[[], int], progress: ProgressCallback | None) -> Callable[[], None]:
    """Reports the bytes read since its last call to `progress`; does nothing without one."""
    if progress is None:
        return lambda: None
    listener = progress
    reported = 0

    def report() -> None:
        nonlocal reported
        now = tell()
        listener(now - reported)
        reported = now

    return report
