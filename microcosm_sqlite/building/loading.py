"""
Loading the build's temporary file: the schema, every table's rows through the table writer,
then the indexes, in one transaction with build-time pragmas (no sync, journal in memory).

Unique indexes are made before the rows go in, so a duplicate key is a problem at its line;
the other indexes after, sorted in small runs, which is far faster than keeping them as rows
arrive.

"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Table
from sqlalchemy.engine import Dialect

from microcosm_sqlite.artifact.manifest import TableReport
from microcosm_sqlite.building.problems import IN_THE_SOURCES, Problems, collecting
from microcosm_sqlite.building.progress import BuildProgress, announce
from microcosm_sqlite.building.schema import index_ddl, sorted_indexes, table_ddl
from microcosm_sqlite.building.sources import TableSource
from microcosm_sqlite.building.writing import TableWriter
from microcosm_sqlite.formatting import plural

__all__ = ["BUILD_CACHE_KIB", "TableInput", "write_tables"]

logger = logging.getLogger(__name__)

PAGE_SIZE = 4096
# page cache of the build connection while rows are written, in KiB: room for the unique
# indexes that fill as rows go in, within the memory budget
BUILD_CACHE_KIB = 32768
# page cache while the other indexes are created, in KiB: CREATE INDEX sorts in runs of this
# size merged from temporary files, and small runs merge far faster than one large sort in
# memory (1,000,000 keys: 0.3 s at 2 MiB against 0.9 s at 32 MiB; 1.0 s with the runs in
# memory, so temporary files stay files)
INDEX_CACHE_KIB = 2048


class TableInput(Protocol):
    """One table's rows for a build: a source file, or rows held in Python."""

    def source(
        self, table: Table, dialect: Dialect, *, ignore_unknown_columns: bool
    ) -> TableSource:
        """The reader of the table's rows."""
        ...

    def size(self) -> int:
        """Bytes to read, for progress (0 when unknown)."""
        ...

    def report(self, table: str, rows: int) -> TableReport:
        """What the manifest records of the table: its rows, and where they came from."""
        ...


def write_tables(
    connection: sqlite3.Connection,
    tables: Sequence[Table],
    inputs: Mapping[str, TableInput],
    dialect: Dialect,
    problems: Problems,
    context: dict[str, Any],
    *,
    ignore_unknown_columns: bool,
    progress: BuildProgress | None,
    where: str = IN_THE_SOURCES,
) -> list[TableReport]:
    """Schema, rows and indexes in one transaction; raises with the problems found."""
    # the load file is thrown away after `VACUUM INTO`: no sync, and no journal kept on disk
    for pragma in (
        f"PRAGMA page_size = {PAGE_SIZE}",
        "PRAGMA journal_mode = MEMORY",
        "PRAGMA synchronous = OFF",
        "PRAGMA locking_mode = EXCLUSIVE",
        "PRAGMA foreign_keys = OFF",
        f"PRAGMA cache_size = -{BUILD_CACHE_KIB}",
    ):
        connection.execute(pragma)
    connection.execute("BEGIN")
    for table in tables:
        connection.execute(table_ddl(table, dialect))
        for index in sorted_indexes(table):
            if index.unique:
                connection.execute(index_ddl(index, dialect))

    writer = TableWriter(connection, problems)
    reports: list[TableReport] = []
    if progress is not None:
        progress.begin(sum(given.size() for given in inputs.values()))
    advance = progress.advance if progress is not None else None
    with collecting(problems, context, where):
        for table in tables:
            given = inputs.get(table.name)
            if given is None:  # allowed missing: the table stays empty
                reports.append(TableReport(table.name, 0))
                continue
            announce(progress, f"loading {table.name}")
            source = given.source(table, dialect, ignore_unknown_columns=ignore_unknown_columns)
            rows = writer.write(source, advance)
            logger.debug("loaded %s into %s from %s", plural(rows, "row"), table.name, source.name)
            reports.append(given.report(table.name, rows))
        # with the other problems, so one build reports them all
        announce(progress, "checking foreign keys")
        writer.check_foreign_keys(table.name for table in tables)

    announce(progress, "creating indexes")
    connection.execute(f"PRAGMA cache_size = -{INDEX_CACHE_KIB}")
    connection.execute("PRAGMA temp_store = FILE")
    for table in tables:
        for index in sorted_indexes(table):
            if not index.unique:
                connection.execute(index_ddl(index, dialect))
    return reports
