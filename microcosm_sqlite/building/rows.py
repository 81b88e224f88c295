"""
Rows held in Python as a build source: `build_from_rows` hands them to the same table writer
as files.

A row is a mapping of column names to values. Values convert as the other sources' do, by
column type and with the same checks: a string parses as source text would (`"12"` in an
integer column, `"2024-01-31"` in a date column, `"yes"` in a boolean one), numbers, booleans,
lists and dicts are checked as JSON Lines values are, and other Python values (dates, decimals,
enum members, UUIDs, bytes) go through the column type as the ORM would send them. A key the
row leaves out takes the column's default.

Problems name the table and the row's index in what was given, `country[2]: column 'code':
...`, where a file's would name the file and line.

"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect

from microcosm_sqlite.artifact.manifest import TableReport
from microcosm_sqlite.building.conversion import ColumnConverter, Fill
from microcosm_sqlite.building.problems import Problems
from microcosm_sqlite.building.sources import BATCH_SIZE, Batch, ProgressCallback, TableSource
from microcosm_sqlite.errors import BuildInputError

__all__ = ["RowsInput"]

# what sqlite3 binds: a stored value of any other type is refused at its row
BINDABLE = (int, float, str, bytes)
# text, which parses as a source's text, and the other values a JSON Lines row may hold,
# checked the same way here
TEXT_OR_JSON = (str, bool, int, float, list, dict)
# the table writer's wording for where a duplicated key came first, in a file
FIRST_ON_LINE = re.compile(r", first on line (\d+)$")
# plans kept per set of keys, so rows agreeing on their keys work out their fills once
MAX_PLANS = 256


def stored_value(converter: ColumnConverter, value: Any) -> Any:
    """The value SQLite stores for a Python value; `ValueError` says what is wrong."""
    if value is None:
        return converter.null()
    if isinstance(value, TEXT_OR_JSON):
        # text parses as a source's text; JSON-like values are checked as JSON Lines' are
        return converter.from_json(value)
    stored = converter.from_python(value)
    if stored is not None and not isinstance(stored, BINDABLE):
        raise ValueError(f"{value!r} does not fit a {converter.type!r} column")
    return stored


class RowsSource(TableSource):
    """One table's rows from Python mappings, converted, in the order given."""

    def __init__(
        self,
        table: Table,
        dialect: Dialect,
        rows: Iterable[Mapping[str, Any]],
        *,
        ignore_unknown_columns: bool = False,
    ) -> None:
        super().__init__(table, dialect, table.name, ignore_unknown_columns=ignore_unknown_columns)
        self.given = rows

    def problem(
        self, reason: str, line: int | None = None, column: str | None = None
    ) -> BuildInputError:
        """A problem at a row's index in what was given (`line` is that index)."""
        name = self.table.name
        reason = FIRST_ON_LINE.sub(lambda match: f", first at {name}[{match[1]}]", reason)
        where = name if line is None else f"{name}[{line}]"
        return BuildInputError(reason, file=where, column=column)

    def rewind(self) -> bool:
        """A sequence can be read again (to name where a duplicated key came first)."""
        return isinstance(self.given, Sequence)

    def batches(
        self,
        problems: Problems,
        server_defaults: dict[str, Any] | None = None,
        progress: ProgressCallback | None = None,
        size: int = BATCH_SIZE,
    ) -> Iterator[Batch]:
        """
        Every good row, converted, in lists of up to `size`, with its index in what was
        given; bad rows go to `problems`. Raises `TooManyProblems` at their limit.

        """
        server_defaults = server_defaults or {}
        plans: dict[frozenset[str], dict[int, Fill] | None] = {}
        rows: list[tuple[Any, ...]] = []
        indexes: list[int] = []
        for index, record in enumerate(self.given):
            row = self._row(record, index, problems, server_defaults, plans)
            if row is None:
                continue
            rows.append(row)
            indexes.append(index)
            if len(rows) >= size:
                yield Batch(rows, indexes)
                rows, indexes = [], []
        if rows:
            yield Batch(rows, indexes)

    def _row(
        self,
        record: Any,
        index: int,
        problems: Problems,
        server_defaults: dict[str, Any],
        plans: dict[frozenset[str], dict[int, Fill] | None],
    ) -> tuple[Any, ...] | None:
        """One row's stored values, or None (its problems reported)."""
        if not isinstance(record, Mapping):
            kind = type(record).__name__
            problems.add(self.problem(f"a row is a mapping of column names, not {kind}", index))
            return None
        keys = frozenset(record)
        if keys in plans and plans[keys] is not None:
            fills = plans[keys]
        else:
            # a plan that failed runs again, so each row with those keys is reported
            fills = self._plan(keys, index, problems, server_defaults)
            if len(plans) < MAX_PLANS:
                plans[keys] = fills
        if fills is None:
            return None
        values: list[Any] = []
        good = True
        for position, converter in enumerate(self.converters):
            fill = fills.get(position)
            try:
                if fill is None:
                    values.append(stored_value(converter, record[converter.name]))
                else:
                    values.append(fill.value if fill.call is None else fill.call())
            except Exception as error:
                good = False
                problems.add(self.problem(str(error), index, converter.name))
        return tuple(values) if good else None

    def _plan(
        self, keys: frozenset[str], index: int, problems: Problems, server_defaults: dict[str, Any]
    ) -> dict[int, Fill] | None:
        """The fills for rows with these keys; None after reporting unknown or missing ones."""
        found = Problems(limit=len(keys) + len(self.converters) + 1)
        known = {converter.name for converter in self.converters}
        if not self.ignore_unknown_columns:
            for name in sorted(keys - known, key=str):
                found.add(
                    self.problem(
                        f"unknown column: table {self.table.name!r} has no such column"
                        " (ignore_unknown_columns=True skips it)",
                        index,
                        str(name),
                    )
                )
        fills = self.fills({key for key in keys if key in known}, found, server_defaults)
        for problem in found.found:
            # `fills` locates what is missing at a header line; here it is the row
            problems.add(self.problem(problem.reason, index, problem.column))
        return None if found else fills


@dataclass(frozen=True)
class RowsInput:
    """A table's rows as Python mappings, as `build_from_rows` takes them."""

    rows: Iterable[Mapping[str, Any]]

    def source(
        self, table: Table, dialect: Dialect, *, ignore_unknown_columns: bool
    ) -> TableSource:
        """The reader of the rows; nothing is read yet."""
        return RowsSource(table, dialect, self.rows, ignore_unknown_columns=ignore_unknown_columns)

    def size(self) -> int:
        """0: rows held in Python have no size in bytes to show progress by."""
        return 0

    def report(self, table: str, rows: int) -> TableReport:
        """The manifest's line for the table: its rows, and no file."""
        return TableReport(table, rows)
