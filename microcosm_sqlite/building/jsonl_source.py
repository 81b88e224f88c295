"""
JSON Lines sources: one JSON object per line, its keys the columns.

Unlike CSV, JSON Lines tells an empty string (`""`) from NULL (`null`), and holds numbers,
booleans, lists and objects as themselves: `conversion` checks that each fits its column.
A table with a decimal column reads numbers with a fraction or exponent as `JsonNumber`s,
which keep their text, so no digit of a decimal is lost to a float on the way. Lines may name
different keys: each set of keys works out its defaults once.

"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import IO, Any

from microcosm_sqlite.building.defaults import Fill
from microcosm_sqlite.building.parsing import JsonNumber
from microcosm_sqlite.building.problems import Problems
from microcosm_sqlite.building.sources import UNKNOWN_COLUMN, Batch, FileSource
from microcosm_sqlite.errors import BuildInputError

__all__ = ["JsonLinesSource", "malformed"]

# plans kept per set of keys, so lines agreeing on their keys work out their fills once
MAX_PLANS = 256


class JsonLinesSource(FileSource):
    """One table's rows from a JSON Lines stream or path: an object per line."""

    format = "jsonl"

    def read(
        self,
        stream: IO[str],
        problems: Problems,
        server_defaults: dict[str, Any],
        report: Callable[[], None],
        size: int,
    ) -> Iterator[Batch]:
        """The lines of a JSON Lines text stream, converted; raises `TooManyProblems`."""
        # per set of keys: the fills and the problems with those keys (unknown, missing),
        # so a file whose lines agree on their keys works them out once
        plans: dict[frozenset[str], tuple[dict[int, Fill] | None, list[BuildInputError]]] = {}
        rows: list[tuple[Any, ...]] = []
        lines: list[int] = []
        line = 0
        decode: Callable[[str], Any] = (
            json.JSONDecoder(parse_float=JsonNumber).decode
            if any(converter.is_decimal for converter in self.converters)
            else json.loads
        )
        try:
            for line, text in enumerate(stream, start=1):
                row = self._row(text, line, problems, server_defaults, plans, decode)
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

    def _row(
        self,
        text: str,
        line: int,
        problems: Problems,
        server_defaults: dict[str, Any],
        plans: dict[frozenset[str], tuple[dict[int, Fill] | None, list[BuildInputError]]],
        decode: Callable[[str], Any],
    ) -> tuple[Any, ...] | None:
        """One line's row, or None (blank, or bad: its problems reported)."""
        if not text.strip():
            return None
        try:
            record = decode(text)
        except json.JSONDecodeError as error:
            problems.add(self.problem(malformed(text, error), line))
            return None
        except ValueError as error:  # an integer of too many digits
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
            plan = self._plan(keys, server_defaults)
            if len(plans) < MAX_PLANS:
                plans[keys] = plan
        fills, key_problems = plan
        for problem in key_problems:
            problems.add(self.problem(problem.reason, line, problem.column))
        if fills is None:
            return None
        values: list[Any] = []
        bad: list[str] = []
        for index, converter in enumerate(self.converters):
            try:
                fill = fills.get(index)
                if fill is None:
                    values.append(converter.from_json(record[converter.name]))
                else:
                    values.append(fill.value if fill.call is None else fill.call())
            except Exception as error:
                bad.append(converter.name)
                problems.add(self.problem(str(error), line, converter.name))
        if bad:
            # what did convert, so that keys pointing at the row fold into its problem
            good = (converter.name for converter in self.converters if converter.name not in bad)
            problems.refuse(self.table.name, dict(zip(good, values, strict=True)))
            return None
        return tuple(values)

    def _plan(
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


def malformed(text: str, error: json.JSONDecodeError) -> str:
    """
    A malformed line's problem, at the column of the line where the JSON goes wrong: the
    decoder counts lines inside the text it is given, and the line's own ending is one, so a
    truncated row would be "line 2 column 1".

    """
    content = text.rstrip("\r\n")
    if error.pos >= len(content):
        return f"malformed JSON: the line ends before the JSON does ({error.msg})"
    return f"malformed JSON at column {error.pos + 1}: {error.msg}"
