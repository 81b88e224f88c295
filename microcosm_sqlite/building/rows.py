"""
Rows held in Python as a build source: `build_from_rows` hands them to the same table writer
as files.

A table's rows are an iterable of mappings of column names to values. Values convert as the
other sources' do, by column type and with the same checks: a string parses as source text
would (`"12"` in an integer column, `"2024-01-31"` in a date column, `"yes"` in a boolean one,
`"dead00"` in a binary one), numbers, booleans, lists and dicts are checked as JSON Lines values
are, and other Python values go through the column type as the ORM would send them, when they
are of its Python type (a date for a Date column, a datetime for a DateTime, a Decimal for a
Numeric, bytes for a binary column, an enum member for an enum...): `bytes` in a text or
integer column is a problem, not a BLOB. A key the row leaves out takes the column's default.

Problems name the table and the row's index in what was given, `country[2]: column 'code':
...`, where a file's would name the file and line; they are listed in row order.

"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect

from microcosm_sqlite.artifact.manifest import TableReport
from microcosm_sqlite.building.defaults import Fill
from microcosm_sqlite.building.problems import Problems
from microcosm_sqlite.building.sources import BATCH_SIZE, Batch, ProgressCallback, TableSource
from microcosm_sqlite.errors import BuildInputError

__all__ = ["RowsInput"]

# the table writer's wording for where a duplicated key came first, in a file
FIRST_ON_LINE = re.compile(r", first on line (\d+)$")
# plans kept per set of keys, so rows agreeing on their keys work out their fills once
MAX_PLANS = 256
NOT_ROWS = "a table's rows are an iterable of mappings, one per row"
ROWS_EXAMPLE = "[{'code': 'FR', 'name': 'France'}, ...]"


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
        # rows read so far that are not mappings: only the first is reported
        self.not_mappings = 0

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
        given = self._iterate(problems)
        plans: dict[frozenset[str], dict[int, Fill] | None] = {}
        rows: list[tuple[Any, ...]] = []
        indexes: list[int] = []
        self.not_mappings = 0
        for index, record in enumerate(given):
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

    def _iterate(self, problems: Problems) -> Iterator[Any]:
        """The rows given, or none after reporting rows that are not an iterable."""
        given: Any = self.given
        if isinstance(given, str | bytes | Mapping):
            what = "one row" if isinstance(given, Mapping) else type(given).__name__
            problems.add(self.problem(f"{NOT_ROWS}, not {what}: {ROWS_EXAMPLE}"))
            return iter(())
        try:
            return iter(given)
        except TypeError:
            problems.add(self.problem(f"{NOT_ROWS}, not {type(given).__name__}: {ROWS_EXAMPLE}"))
            return iter(())

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
            self.not_mappings += 1
            if self.not_mappings == 1:
                kind = type(record).__name__
                problems.add(
                    self.problem(
                        f"a row is a mapping of column names to values, not {kind}"
                        " (only the first such row is reported)",
                        index,
                    )
                )
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
        values: dict[str, Any] = {}
        good = True
        for position, converter in enumerate(self.converters):
            fill = fills.get(position)
            try:
                if fill is None:
                    values[converter.name] = converter.from_row(record[converter.name])
                else:
                    values[converter.name] = fill.value if fill.call is None else fill.call()
            except Exception as error:
                good = False
                problems.add(self.problem(str(error), index, converter.name))
        if not good:
            # what did convert, so that keys pointing at the row fold into its problem
            problems.refuse(self.table.name, values)
            return None
        return tuple(values.values())

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
