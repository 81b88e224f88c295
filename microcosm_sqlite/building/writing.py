"""
Writing converted rows into tables: the step that meets SQLite's constraints.

A `TableWriter` streams a table source into one open transaction of a plain sqlite3
connection, whether the build's own file or a writable data set's (`write_sources`, for the
graph's `sqlite_builder`). It knows nothing of engines or graphs.

Rows go in through `executemany`, one batch at a time, so memory stays flat whatever the
size of a source. SQLite itself finds duplicate keys: when it refuses a row, the rows before
it went in (`total_changes` says how many), so the refused row and its line are known, and
the rest of the batch carries on. A second pass over the source names the line where a
duplicated key came first. Foreign keys are checked once every table is written, so tables
that reference each other (a cycle) write too.

"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import Table

from microcosm_sqlite.artifact.contents import quote
from microcosm_sqlite.artifact.defences import MAX_VALUE_BYTES
from microcosm_sqlite.building.foreign_keys import FoldedKeys, foreign_keys
from microcosm_sqlite.building.problems import DiscardedProblems, Problems, collecting
from microcosm_sqlite.building.schema import load_order, server_defaults
from microcosm_sqlite.building.sources import ProgressCallback, TableSource
from microcosm_sqlite.errors import BuildInputError
from microcosm_sqlite.formatting import plural, size

__all__ = ["TableWriter", "write_sources"]

# rows per INSERT statement: far fewer calls into SQLite than one statement per row
ROWS_PER_STATEMENT = 150
UNIQUE_FAILED = re.compile(r"UNIQUE constraint failed: (.+)$")
# what SQLite (or the driver, binding a value) refuses a row with: conversion refuses such
# values first, so the driver's errors only meet values no conversion saw (text streams)
REFUSED = (sqlite3.IntegrityError, sqlite3.DataError, OverflowError, UnicodeEncodeError)
# the savepoint `write_sources` writes under, so a failure leaves the data set as it was
SAVEPOINT = "microcosm_sqlite_build"


@dataclass
class _Duplicate:
    index: int
    line: int
    columns: tuple[str, ...]
    values: tuple[Any, ...]
    primary: bool


class TableWriter:
    """Writes table sources into one open transaction of a sqlite3 connection."""

    def __init__(self, connection: sqlite3.Connection, problems: Problems) -> None:
        self.connection = connection
        self.problems = problems
        self.sources: dict[str, TableSource] = {}
        # tables that wrote no rows and had problems: keys into them wait for a good write
        self.failed: set[str] = set()
        self._multi_sql = ""
        self._single_sql = ""

    def write(self, source: TableSource, progress: ProgressCallback | None = None) -> int:
        """
        Write one table's rows; returns how many went in. Rows SQLite refuses are problems;
        raises `TooManyProblems` at their limit, `sqlite3.Error` for what is not a row's.

        """
        table = source.table.name
        self.sources[table] = source
        width = len(source.columns)
        columns = ", ".join(quote(column.name) for column in source.columns)
        marks = "(" + ", ".join("?" for _ in source.columns) + ")"
        insert = f"INSERT INTO {quote(table)} ({columns}) VALUES "
        limit = self.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        per_statement = max(1, min(ROWS_PER_STATEMENT, limit // width))
        self._multi_sql = insert + ", ".join([marks] * per_statement)
        self._single_sql = insert + marks
        connection = self.connection
        first = connection.total_changes
        found = len(self.problems)
        duplicates: list[_Duplicate] = []
        defaults = server_defaults(connection, table)
        try:
            for rows, lines in source.batches(self.problems, defaults, progress):
                self._insert(source, rows, lines, per_statement, width, duplicates)
        finally:
            if duplicates:
                self._locate_firsts(source, duplicates)
        written = connection.total_changes - first
        if not written and len(self.problems) > found:
            self.failed.add(table)
        return written

    def _insert(
        self,
        source: TableSource,
        rows: list[tuple[Any, ...]],
        lines: list[int],
        per_statement: int,
        width: int,
        duplicates: list[_Duplicate],
    ) -> None:
        """
        One batch, `per_statement` rows to a statement (far fewer calls than one per row).

        SQLite backs out a statement it refuses and `total_changes` counts the ones before it,
        so only the refused statement's rows go again, one by one, to find the bad one.

        """
        connection = self.connection
        whole = len(rows) // per_statement * per_statement
        if whole:
            step = per_statement * width
            flat = list(chain.from_iterable(rows[:whole] if whole < len(rows) else rows))
            statements = [flat[start : start + step] for start in range(0, len(flat), step)]
            start = 0
            while start < len(statements):
                before = connection.total_changes
                try:
                    connection.executemany(
                        self._multi_sql, statements[start:] if start else statements
                    )
                    break
                except REFUSED:
                    refused = start + (connection.total_changes - before) // per_statement
                    first = refused * per_statement
                    self._insert_each(
                        source,
                        rows[first : first + per_statement],
                        lines[first : first + per_statement],
                        duplicates,
                    )
                    start = refused + 1
        if whole < len(rows):
            self._insert_each(source, rows[whole:], lines[whole:], duplicates)

    def _insert_each(
        self,
        source: TableSource,
        rows: list[tuple[Any, ...]],
        lines: list[int],
        duplicates: list[_Duplicate],
    ) -> None:
        """Rows one statement each; every row SQLite refuses becomes a problem at its line."""
        connection = self.connection
        start = 0
        while start < len(rows):
            before = connection.total_changes
            try:
                connection.executemany(self._single_sql, rows[start:] if start else rows)
                break
            except REFUSED as error:
                # every row before the refused one went in
                refused = start + connection.total_changes - before
                self._refused(source, error, rows[refused], lines[refused], duplicates)
                start = refused + 1

    def _refused(
        self,
        source: TableSource,
        error: Exception,
        row: tuple[Any, ...],
        line: int,
        duplicates: list[_Duplicate],
    ) -> None:
        """Report a row SQLite refused."""
        message = str(error)
        written = dict(zip((column.name for column in source.columns), row, strict=True))
        if isinstance(error, sqlite3.DataError):
            message = (
                f"a value or the row is larger than {size(MAX_VALUE_BYTES)}, the most a reader"
                f" accepts ({message})"
            )
            self.problems.add(source.problem(message, line))
            self.problems.refuse(source.table.name, written)
            return
        match = UNIQUE_FAILED.search(message)
        if match is None:
            self.problems.add(source.problem(f"refused by SQLite: {message}", line))
            self.problems.refuse(source.table.name, written)
            return
        names = tuple(name.strip().rpartition(".")[2] for name in match.group(1).split(","))
        positions = {column.name: index for index, column in enumerate(source.columns)}
        values = tuple(row[positions[name]] for name in names if name in positions)
        primary = set(names) == {column.name for column in source.table.primary_key}
        duplicates.append(_Duplicate(len(self.problems), line, names, values, primary))
        self.problems.add(source.problem(_duplicate_reason(names, values, primary), line, names[0]))

    def _locate_firsts(self, source: TableSource, duplicates: list[_Duplicate]) -> None:
        """A second pass naming the line each duplicated key first appeared on."""
        if not source.rewind():
            return
        positions = {column.name: index for index, column in enumerate(source.columns)}
        wanted: dict[tuple[tuple[str, ...], tuple[Any, ...]], int | None] = {
            (duplicate.columns, duplicate.values): None for duplicate in duplicates
        }
        keys = {columns: [positions[name] for name in columns] for columns, _ in wanted}
        last_line = max(duplicate.line for duplicate in duplicates)
        remaining = len(wanted)
        for line, row in source.rows(DiscardedProblems()):
            if line >= last_line or not remaining:
                break
            for columns, indexes in keys.items():
                key = (columns, tuple(row[index] for index in indexes))
                if key in wanted and wanted[key] is None:
                    wanted[key] = line
                    remaining -= 1
        for duplicate in duplicates:
            first = wanted[(duplicate.columns, duplicate.values)]
            if first is not None and duplicate.index < len(self.problems.found):
                reason = _duplicate_reason(duplicate.columns, duplicate.values, duplicate.primary)
                self.problems.found[duplicate.index] = source.problem(
                    f"{reason}, first on line {first}", duplicate.line, duplicate.columns[0]
                )

    def check_foreign_keys(self, tables: Iterable[str]) -> None:
        """
        Report every row whose foreign key has no match, at its source line if it can.

        Rows refused for other problems were not written, so keys pointing at them have no
        match either: those are folded into the refused row's problem, which says how many
        rows point at it, rather than reported one by one. Keys into a table that wrote
        nothing but problems are not checked. Raises `TooManyProblems` when the problems reach
        their limit.

        """
        folded = FoldedKeys(self.problems)
        try:
            self._check_foreign_keys(tables, folded)
        finally:
            folded.note()

    def _check_foreign_keys(self, tables: Iterable[str], folded: FoldedKeys) -> None:
        connection = self.connection
        for table in tables:
            missing: dict[int, set[tuple[Any, ...]]] = {}
            without_line: dict[int, int] = {}
            keys = foreign_keys(connection, table)
            for _, rowid, parent, key_id in connection.execute(
                f"PRAGMA foreign_key_check({quote(table)})"
            ):
                if parent in self.failed:
                    continue
                children, _, _ = keys[key_id]
                if rowid is None:
                    without_line[key_id] = without_line.get(key_id, 0) + 1
                    continue
                names = ", ".join(quote(name) for name in children)
                values = connection.execute(
                    f"SELECT {names} FROM {quote(table)} WHERE rowid = ?", (rowid,)
                ).fetchone()
                missing.setdefault(key_id, set()).add(tuple(values))
                if sum(len(found) for found in missing.values()) >= self.problems.limit:
                    break
            source = self.sources.get(table)
            for key_id, count in without_line.items():
                self.problems.add(
                    BuildInputError(
                        f"{plural(count, 'row')} {'has' if count == 1 else 'have'} a foreign key"
                        f" with no match in {keys[key_id][1]}",
                        file=source.name if source else table,
                        column=keys[key_id][0][0],
                    )
                )
            if missing:
                self._report_missing(table, source, keys, missing, folded)

    def _report_missing(
        self,
        table: str,
        source: TableSource | None,
        keys: dict[int, tuple[tuple[str, ...], str, tuple[str, ...]]],
        missing: dict[int, set[tuple[Any, ...]]],
        folded: FoldedKeys,
    ) -> None:
        def reason(key_id: int, values: tuple[Any, ...]) -> str:
            _, parent, parents = keys[key_id]
            shown = ", ".join(repr(value) for value in values)
            target = ", ".join(f"{parent}.{name}" for name in parents)
            return f"{shown} has no match in {target}"

        name = source.name if source else table
        if source is None or not source.rewind():
            for key_id, found in sorted(missing.items()):
                for values in sorted(found, key=repr):
                    _, parent, parents = keys[key_id]
                    if not folded.into(parent, parents, values, name):
                        self.problems.add(
                            BuildInputError(
                                reason(key_id, values), file=name, column=keys[key_id][0][0]
                            )
                        )
            return
        positions = {column.name: index for index, column in enumerate(source.columns)}
        indexes = {key_id: [positions[name] for name in keys[key_id][0]] for key_id in missing}
        for line, row in source.rows(DiscardedProblems()):
            for key_id, found in missing.items():
                values = tuple(row[index] for index in indexes[key_id])
                if values in found:
                    _, parent, parents = keys[key_id]
                    if not folded.into(parent, parents, values, name):
                        column = keys[key_id][0][0]
                        self.problems.add(source.problem(reason(key_id, values), line, column))


def _duplicate_reason(columns: Sequence[str], values: Sequence[Any], primary: bool) -> str:
    shown = ", ".join(f"{name}={value!r}" for name, value in zip(columns, values, strict=False))
    if primary:
        return f"duplicate primary key ({shown})"
    noun = "column" if len(columns) == 1 else "columns"
    return f"duplicate value for unique {noun} ({shown})"


def write_sources(
    connection: sqlite3.Connection,
    sources: Mapping[str, TableSource],
    problems: Problems,
    context: dict[str, Any],
) -> dict[str, int]:
    """
    Write each table's source (table name -> source) in one savepoint of `connection`, in
    load order; returns the rows written per table.

    Nothing is kept unless every row goes in and every foreign key has its match: raises
    `BuildError` with the problems (naming `context`), or `sqlite3.Error`, and rolls back.

    """
    tables: list[Table] = [source.table for source in sources.values()]
    counts: dict[str, int] = {}
    connection.execute(f"SAVEPOINT {SAVEPOINT}")
    try:
        # foreign keys wait for the end, so the order of sources does not matter
        connection.execute("PRAGMA defer_foreign_keys = ON")
        writer = TableWriter(connection, problems)
        with collecting(problems, context):
            for table in load_order(tables):
                counts[table.name] = writer.write(sources[table.name])
            writer.check_foreign_keys(table.name for table in tables)
    except BaseException:
        connection.execute(f"ROLLBACK TO {SAVEPOINT}")
        connection.execute(f"RELEASE {SAVEPOINT}")
        raise
    connection.execute(f"RELEASE {SAVEPOINT}")
    if connection.in_transaction:
        connection.commit()
    return counts
