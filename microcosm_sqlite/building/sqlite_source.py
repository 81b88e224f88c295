"""
An existing SQLite file as a build's source: a file microcosm-sqlite 2.x built (which carries no
manifest), another tool's, or an earlier artifact. Each table of the models reads its rows from
the file's table of that name, and they go through the build's checks as rows from Python do, so
the file becomes a checked artifact:

    microcosm-sqlite build reference.models legacy.sqlite -o reference.sqlite

Values are taken as stored, as `build_from_rows` takes them: text parses as a source's text would
(dates, datetimes and enums as 2.x stored them), numbers and booleans are checked against their
column, blobs go to binary columns only; a JSON column's stored text is the document. Rows are
read in the order they are stored in (rowid order), so an artifact rebuilt from itself has the
same bytes. The file is opened read-only, with the defences for files one did not build.

Problems name the file, the table and the row's position in it: `legacy.sqlite:country:3`.
The models' tables the file lacks, and its tables the models lack, are problems as missing and
unknown source files are (2.x's migrations table, `alembic_version`, is not data and is skipped).

"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect

from microcosm_sqlite.artifact.contents import columns_of, data_tables, quote, stored_order
from microcosm_sqlite.artifact.manifest import TableReport
from microcosm_sqlite.artifact.opening import open_artifact
from microcosm_sqlite.building.defaults import Fill
from microcosm_sqlite.building.problems import Problems
from microcosm_sqlite.building.rows import RowsSource
from microcosm_sqlite.building.sources import BATCH_SIZE, Batch, ProgressCallback, TableSource
from microcosm_sqlite.errors import BuildError, BuildInputError, SQLiteError

__all__ = ["SqliteTableInput", "collect_tables", "is_sqlite_file"]

# the header every SQLite database file starts with
SQLITE_HEADER = b"SQLite format 3\x00"
# 2.x's migrations (alembic) kept their revision here: not data
MIGRATIONS_TABLE = "alembic_version"
# the table writer's wording for where a duplicated key came first (an index, here)
FIRST_ON_LINE = re.compile(r", first on line (\d+)$")


def is_sqlite_file(path: Path) -> bool:
    """Whether `path` is a regular file that starts as a SQLite database does."""
    try:
        with path.open("rb") as file:
            return path.is_file() and file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def collect_tables(
    tables: Sequence[Table], path: Path, *, allow_missing: bool, problems: Problems
) -> dict[str, SqliteTableInput]:
    """
    Each table's rows in the SQLite file at `path`; tables missing on either side are problems.

    Raises `BuildError` when the file cannot be read as SQLite, `TooManyProblems` when the
    problems reach their limit.

    """
    try:
        with open_artifact(path) as connection:
            found = [name for name in data_tables(connection) if name != MIGRATIONS_TABLE]
    except SQLiteError as error:
        raise BuildError(f"the source {str(path)!r} cannot be read: {error}") from error
    names = {table.name for table in tables}
    for name in found:
        if name not in names:
            problems.add(
                BuildInputError(
                    f"no table named {name!r} in the models (tables: {', '.join(sorted(names))})",
                    file=f"{path}:{name}",
                )
            )
    for table in tables:
        if table.name not in found and not allow_missing:
            problems.add(
                BuildInputError(
                    f"no table {table.name!r} in the file (--allow-missing builds it empty)",
                    file=path,
                )
            )
    return {name: SqliteTableInput(path, name) for name in found if name in names}


@dataclass(frozen=True)
class SqliteTableInput:
    """One table of a SQLite file, as a build's input."""

    path: Path
    table: str

    def source(
        self, table: Table, dialect: Dialect, *, ignore_unknown_columns: bool
    ) -> TableSource:
        """The reader of the table's rows; nothing is read yet."""
        return SqliteTableSource(
            table, dialect, StoredRows(self.path, self.table), ignore_unknown_columns
        )

    def size(self) -> int:
        """0: a table's rows have no size in bytes to show progress by."""
        return 0

    def report(self, table: str, rows: int) -> TableReport:
        """The manifest's line for the table: its rows."""
        return TableReport(table, rows)


class StoredRows:
    """A table's stored rows as mappings, in rowid order; each iteration reads them again."""

    def __init__(self, path: Path, table: str) -> None:
        self.path = path
        self.table = table

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        with open_artifact(self.path) as connection:
            names = [column.name for column in columns_of(connection, self.table)]
            cursor = connection.execute(
                f"SELECT {', '.join(map(quote, names))} FROM {quote(self.table)}"
                f" ORDER BY {stored_order(connection, self.table)}"
            )
            for row in cursor:
                yield dict(zip(names, row, strict=True))


class SqliteTableSource(RowsSource):
    """A table's stored rows, converted as rows from Python are, a JSON column's text decoded."""

    def __init__(
        self, table: Table, dialect: Dialect, rows: StoredRows, ignore_unknown_columns: bool
    ) -> None:
        super().__init__(table, dialect, rows, ignore_unknown_columns=ignore_unknown_columns)
        self.stored = rows
        self.name = f"{rows.path}:{rows.table}"
        self.documents = {converter.name for converter in self.converters if converter.is_json}

    def problem(
        self, reason: str, line: int | None = None, column: str | None = None
    ) -> BuildInputError:
        """A problem at a row of the table, counted from 1 in the order rows are stored in."""
        reason = FIRST_ON_LINE.sub(lambda match: f", first on row {int(match[1]) + 1}", reason)
        at = None if line is None else line + 1
        return BuildInputError(reason, file=self.name, line=at, column=column)

    def rewind(self) -> bool:
        """The file is read again from its start (to name where a duplicated key came first)."""
        return True

    def batches(
        self,
        problems: Problems,
        server_defaults: dict[str, Any] | None = None,
        progress: ProgressCallback | None = None,
        size: int = BATCH_SIZE,
    ) -> Iterator[Batch]:
        """The rows' batches, as `RowsSource` makes them; a file that turns out damaged as
        it is read is a problem of the table, not an exception."""
        try:
            yield from super().batches(problems, server_defaults, progress, size)
        except SQLiteError as error:
            reason = getattr(error, "reason", str(error))
            problems.add(self.problem(f"the file cannot be read: {reason}"))

    def _row(
        self,
        record: Any,
        index: int,
        problems: Problems,
        server_defaults: dict[str, Any],
        plans: dict[frozenset[str], dict[int, Fill] | None],
    ) -> tuple[Any, ...] | None:
        """One stored row's values, a JSON column's text read as the document it holds."""
        decoded = dict(record)
        for name in self.documents & decoded.keys():
            text = decoded[name]
            if not isinstance(text, str):
                continue
            try:
                decoded[name] = json.loads(text)
            except ValueError as error:
                problems.add(self.problem(f"the stored JSON is malformed: {error}", index, name))
                return None
        return super()._row(decoded, index, problems, server_defaults, plans)
