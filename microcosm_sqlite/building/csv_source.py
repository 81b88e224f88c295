"""
CSV sources: a header row naming columns, then one row per record, read with a loop generated
for the table, the hot path of every build.

An empty field is NULL (`conversion` says why and what else each column type takes). CSV
fields may be of any length: reading raises the csv module's field size limit, which is
global to the process, to `CSV_FIELD_LIMIT` (once, and never lowers it), since a dump of long
text holds fields beyond its default of 131,072 characters.

"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import IO, Any

from sqlalchemy.types import Float, String

from microcosm_sqlite._generated_code import compile_generated
from microcosm_sqlite.building.conversion import ColumnConverter
from microcosm_sqlite.building.defaults import Fill
from microcosm_sqlite.building.parsing import NUMBER_CHARACTERS, parse_float, parse_integer
from microcosm_sqlite.building.problems import Problems
from microcosm_sqlite.building.sources import HEADER_LINE, UNKNOWN_COLUMN, Batch, FileSource
from microcosm_sqlite.errors import BuildInputError

__all__ = ["CsvSource"]

# the csv module's field size limit while reading: the largest a C long holds on every
# platform (Windows' is 32 bits), far beyond any field, where the default is 131,072
CSV_FIELD_LIMIT = 2**31 - 1

CsvLoop = Callable[..., Iterator[Batch]]


class CsvSource(FileSource):
    """One table's rows from a CSV stream or path: a header, then a row per record."""

    format = "csv"

    def read(
        self,
        stream: IO[str],
        problems: Problems,
        server_defaults: dict[str, Any],
        report: Callable[[], None],
        size: int,
    ) -> Iterator[Batch]:
        """The records of a CSV text stream, converted; raises `TooManyProblems` at the limit."""
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
        positions = self._header(header, problems)
        if positions is None:
            return
        fills = self.fills(set(positions), problems, server_defaults)
        if fills is None:
            return
        loop = self._compile(positions, fills)
        slow = self._slow(positions, fills)
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

    def _header(self, header: list[str], problems: Problems) -> dict[str, int] | None:
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

    def _compile(self, positions: dict[str, int], fills: dict[int, Fill]) -> CsvLoop:
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
            "_int": parse_integer,
            "_float": parse_float,
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
                parts.append(
                    f"({field_} or _required())"
                    if expression == field_
                    else f"({expression} if {field_} else _required())"
                )
        row = "(" + "".join(f"{part}, " for part in parts) + ")"
        source = CSV_LOOP.replace("ROW", row)
        name = f"microcosm_sqlite csv loop for table {self.table.name}"
        exec(compile_generated(source, name), namespace)
        loop: CsvLoop = namespace["loop"]
        return loop

    def _slow(
        self, positions: dict[str, int], fills: dict[int, Fill]
    ) -> Callable[[list[str], int, Problems], tuple[Any, ...] | None]:
        """The careful conversion: one problem per bad field, None when any field is bad."""
        plan = [
            (converter, fills.get(index), positions.get(converter.name))
            for index, converter in enumerate(self.converters)
        ]

        def slow(fields: list[str], line: int, problems: Problems) -> tuple[Any, ...] | None:
            values: dict[str, Any] = {}
            good = True
            for converter, fill, position in plan:
                try:
                    if fill is not None:
                        values[converter.name] = fill.value if fill.call is None else fill.call()
                    else:
                        assert position is not None
                        values[converter.name] = converter.from_text(fields[position])
                except Exception as error:
                    good = False
                    problems.add(self.problem(str(error), line, converter.name))
            if not good:
                # what did convert, so that keys pointing at the row fold into its problem
                problems.refuse(self.table.name, values)
                return None
            return tuple(values.values())

        return slow


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

    Each is `parse_integer` or `parse_float` made fast for the usual text: a quick check
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
    if converter.bind is None and converter.parse is parse_integer:
        # 18 digits always fit 64 bits; longer text takes the full parser, which checks
        return (
            "(int({0}) if len({0}) < 19 and {0}.isascii() and {0}.isdigit() else _int({0}))"
        ), True
    if converter.parse is parse_float and isinstance(converter.type, Float):
        # the SQLite dialect's Float bind processor turns a float into the same float;
        # `v - v` is 0 for every float but NaN and the infinities (an overflow)
        return (
            f"(_v{{1}} if not {{0}}.lstrip({NUMBER_CHARACTERS!r})"
            " and (_v{1} := float({0})) - _v{1} == 0 else _float({0}))"
        ), True
    return None
