"""
The offline build: sources in, a checked, reproducible, ready-to-serve SQLite artifact out.

    build_artifact(Base, "datasets/airports", "airports.sqlite")
    build_from_rows(Base, {"country": [{"code": "FR", "name": "France"}]}, "countries.sqlite")

1. Models: the data set's tables, loaded in foreign-key order. Foreign keys are checked once
   every table is loaded, so tables that reference each other (a cycle) load too.
2. A temporary file beside the output, `.<output name>.<pid>.load.tmp`, with build-time pragmas
   (no sync, in-memory journal); tables and their unique indexes first, then every source
   streams through batched `executemany` in one transaction, then the other indexes.
3. Problems (bad values, missing or unknown columns, duplicate keys, foreign keys with no
   match, malformed lines) are collected up to a limit and fail the build as one `BuildError`.
   Foreign keys are checked whenever the limit was not reached, so one build reports them
   with the other problems; a row that was refused is not loaded, so a key pointing at it
   has no match too. Keys into a table that loaded nothing but problems (a bad header, say)
   are left until it loads: every one of them would have no match.
4. The manifest table, `ANALYZE`, then `VACUUM INTO` the temporary file
   `.<output name>.<pid>.tmp` (the load file is removed), rollback-journal mode,
   `integrity_check` and `foreign_key_check`, fsync, and only then `os.replace` over the
   output. On any error or interrupt the temporary files are removed and the old artifact is
   untouched; a build that was killed leaves its temporary files, which the next build of that
   output removes once their process is gone.

Values are checked as strictly as sources are documented (`microcosm_sqlite.sources`):
integers are `[+-]?[0-9]+`, floats and decimals that with a fraction and exponent, in ASCII,
with no spaces around and no `_`; NaN and infinity are refused, since SQLite would store
infinity and turn NaN into NULL, and a reference value is never either (NULL, an empty
field, says a number is unknown); text longer than a `String(n)` column's `n` is refused,
though SQLite would store it.

`build_from_rows` takes each table's rows as Python mappings instead of a source file
(`microcosm_sqlite.rowsource`); the rest of the build is the same.

No clock time goes into the file, and every step runs in a fixed order, so the same sources
and models give the same bytes.

The `Loader` that streams sources into a transaction is shared with `SQLiteBuilder`, the
graph's `sqlite_builder` component, which loads CSV into a writable data set.

"""
from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy import Table
from sqlalchemy.engine import Dialect

from microcosm_sqlite.build.files import (
    cannot_write,
    create_empty,
    discard_temp,
    move_into_place,
    not_replaceable,
    remove_stale_temp_files,
    remove_temp,
    temp_path,
)
from microcosm_sqlite.build.schema import (
    artifact_dialect,
    index_ddl,
    load_order,
    server_defaults,
    sorted_indexes,
    table_ddl,
)
from microcosm_sqlite.errors import BuildError, BuildInputError
from microcosm_sqlite.formatting import plural, size
from microcosm_sqlite.manifest import (
    TableReport,
    file_sha256,
    manifest_entries,
    schema_fingerprint,
    write_manifest,
)
from microcosm_sqlite.rowsource import RowsSource
from microcosm_sqlite.sources import (
    Problems,
    ProgressCallback,
    SourceFile,
    SourceFormat,
    TableSource,
    TooManyProblems,
    find_sources,
    quote,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 4096
# page cache of the build connection while rows load, in KiB: room for the unique indexes
# that fill as rows go in, within the memory budget
BUILD_CACHE_KIB = 32768
# page cache while the other indexes are created, in KiB: CREATE INDEX sorts in runs of this
# size merged from temporary files, and small runs merge far faster than one large sort in
# memory (1,000,000 keys: 0.3 s at 2 MiB against 0.9 s at 32 MiB; 1.0 s with the runs in
# memory, so temporary files stay files)
INDEX_CACHE_KIB = 2048
# rows per INSERT statement: far fewer calls into SQLite than one statement per row
ROWS_PER_STATEMENT = 150
UNIQUE_FAILED = re.compile(r"UNIQUE constraint failed: (.+)$")
# what SQLite (or the driver, binding a value) refuses a row with: conversion refuses such
# values first, so the driver's errors only meet values no conversion saw (text streams)
REFUSED = (sqlite3.IntegrityError, OverflowError, UnicodeEncodeError)


# --- what a build wrote ---------------------------------------------------------------------


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote, for logs and the command line."""

    dataset: str
    output: Path
    tables: tuple[TableReport, ...]
    schema_sha256: str
    size: int
    seconds: float

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)


# --- loading: shared by the command line and the graph's builder ----------------------------


class _DiscardedProblems(Problems):
    """A sink for second passes, whose problems were reported by the first."""

    def add(self, problem: BuildInputError) -> None:
        pass


@dataclass
class _Duplicate:
    index: int
    line: int
    columns: tuple[str, ...]
    values: tuple[Any, ...]
    primary: bool


class Loader:
    """
    Streams table sources into one open transaction of a sqlite3 connection.

    Rows go in through `executemany`, one batch at a time, so memory stays flat whatever the
    size of a source. SQLite itself finds duplicate keys: when it refuses a row, the rows
    before it went in (`total_changes` says how many), so the refused row and its line are
    known, and the rest of the batch carries on. A second pass over the source names the line
    where a duplicated key came first.

    """

    def __init__(self, connection: sqlite3.Connection, problems: Problems) -> None:
        self.connection = connection
        self.problems = problems
        self.sources: dict[str, TableSource] = {}
        # tables that loaded no rows and had problems: keys into them wait for a good load
        self.failed: set[str] = set()
        self._multi_sql = ""
        self._single_sql = ""

    def load(self, source: TableSource, progress: ProgressCallback | None = None) -> int:
        """Load one table's rows; returns how many went in."""
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
        loaded = connection.total_changes - first
        if not loaded and len(self.problems) > found:
            self.failed.add(table)
        return loaded

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
            statements = [flat[start:start + step] for start in range(0, len(flat), step)]
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
                        rows[first:first + per_statement],
                        lines[first:first + per_statement],
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
        match = UNIQUE_FAILED.search(message)
        if match is None:
            self.problems.add(source.problem(f"refused by SQLite: {message}", line))
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
        for line, row in source.rows(_DiscardedProblems()):
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

        Rows refused for other problems were not loaded, so keys pointing at them have no
        match either; keys into a table that loaded nothing but problems are not checked.

        """
        connection = self.connection
        for table in tables:
            missing: dict[int, set[tuple[Any, ...]]] = {}
            without_line: dict[int, int] = {}
            keys = _foreign_keys(connection, table)
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
                self._report_missing(table, source, keys, missing)

    def _report_missing(
        self,
        table: str,
        source: TableSource | None,
        keys: dict[int, tuple[tuple[str, ...], str, tuple[str, ...]]],
        missing: dict[int, set[tuple[Any, ...]]],
    ) -> None:
        def reason(key_id: int, values: tuple[Any, ...]) -> str:
            _, parent, parents = keys[key_id]
            shown = ", ".join(repr(value) for value in values)
            target = ", ".join(f"{parent}.{name}" for name in parents)
            return f"{shown} has no match in {target}"

        if source is None or not source.rewind():
            for key_id, found in sorted(missing.items()):
                for values in sorted(found, key=repr):
                    self.problems.add(
                        BuildInputError(
                            reason(key_id, values),
                            file=source.name if source else table,
                            column=keys[key_id][0][0],
                        )
                    )
            return
        positions = {column.name: index for index, column in enumerate(source.columns)}
        indexes = {key_id: [positions[name] for name in keys[key_id][0]] for key_id in missing}
        for line, row in source.rows(_DiscardedProblems()):
            for key_id, found in missing.items():
                values = tuple(row[index] for index in indexes[key_id])
                if values in found:
                    column = keys[key_id][0][0]
                    self.problems.add(source.problem(reason(key_id, values), line, column))


def _foreign_keys(
    connection: sqlite3.Connection, table: str
) -> dict[int, tuple[tuple[str, ...], str, tuple[str, ...]]]:
    """Foreign key id -> (child columns, parent table, parent columns), as SQLite numbers them."""
    keys: dict[int, tuple[list[str], str, list[str]]] = {}
    for key_id, _, parent, child, target, *_ in connection.execute(
        f"PRAGMA foreign_key_list({quote(table)})"
    ):
        children, _, parents = keys.setdefault(key_id, ([], parent, []))
        children.append(child)
        parents.append(target or "rowid")
    return {
        key_id: (tuple(children), parent, tuple(parents))
        for key_id, (children, parent, parents) in keys.items()
    }


def _duplicate_reason(columns: Sequence[str], values: Sequence[Any], primary: bool) -> str:
    shown = ", ".join(f"{name}={value!r}" for name, value in zip(columns, values, strict=False))
    if primary:
        return f"duplicate primary key ({shown})"
    noun = "column" if len(columns) == 1 else "columns"
    return f"duplicate value for unique {noun} ({shown})"


class BuildProgress(Protocol):
    """
    Where a build reports how far it is: `begin` with its sources' size in bytes, `advance`
    as it reads them, and `end` when the build is over (done or failed). A listener that
    also has `phase(name)` hears each step's name as it starts: `loading <table>` for each
    table, then `checking foreign keys`, `creating indexes`, `gathering statistics (ANALYZE)`,
    `compacting (VACUUM)`, `checking integrity and foreign keys`, `writing to disk`.
    """

    def begin(self, total_bytes: int) -> None: ...

    def advance(self, bytes_read: int) -> None: ...

    def end(self) -> None: ...


def _phase(progress: BuildProgress | None, name: str) -> None:
    """Tell `progress` that the step `name` starts, if it listens for steps."""
    announce = getattr(progress, "phase", None)
    if announce is not None:
        announce(name)


class TableInput(Protocol):
    """One table's rows for a build: a source file, or rows held in Python."""

    def source(
        self, table: Table, dialect: Dialect, *, ignore_unknown_columns: bool
    ) -> TableSource: ...

    def size(self) -> int:
        """Bytes to read, for progress (0 when unknown)."""
        ...

    def report(self, table: str, rows: int) -> TableReport:
        """What the manifest records of the table: its rows, and where they came from."""
        ...


@dataclass(frozen=True)
class FileInput:
    """A table's source file, as `build_artifact` finds them."""

    file: SourceFile

    def source(
        self, table: Table, dialect: Dialect, *, ignore_unknown_columns: bool
    ) -> TableSource:
        return TableSource(
            table, dialect, self.file.path, self.file.format,
            ignore_unknown_columns=ignore_unknown_columns,
        )

    def size(self) -> int:
        return self.file.path.stat().st_size

    def report(self, table: str, rows: int) -> TableReport:
        path = self.file.path
        return TableReport(table, rows, path.name, file_sha256(path))


@dataclass(frozen=True)
class RowsInput:
    """A table's rows as Python mappings, as `build_from_rows` takes them."""

    rows: Iterable[Mapping[str, Any]]

    def source(
        self, table: Table, dialect: Dialect, *, ignore_unknown_columns: bool
    ) -> TableSource:
        return RowsSource(table, dialect, self.rows, ignore_unknown_columns=ignore_unknown_columns)

    def size(self) -> int:
        return 0

    def report(self, table: str, rows: int) -> TableReport:
        return TableReport(table, rows)


def collect_sources(
    tables: Sequence[Table],
    source_dir: Path,
    *,
    allow_missing: bool,
    problems: Problems,
) -> dict[str, SourceFile]:
    """Each table's source file; missing, doubled and unknown sources are problems."""
    if not source_dir.is_dir():
        raise BuildError(f"source directory {str(source_dir)!r} does not exist or is not one")
    found, doubled = find_sources(source_dir)
    for problem in doubled:
        problems.add(problem)
    names = {table.name for table in tables}
    for name, source in found.items():
        if name not in names:
            problems.add(
                BuildInputError(
                    f"no table named {name!r} in the models (tables: {', '.join(sorted(names))})",
                    file=source.path,
                )
            )
    for table in tables:
        if table.name not in found and not allow_missing:
            problems.add(
                BuildInputError(
                    f"no source for table {table.name!r}: expected {table.name}.csv or"
                    f" {table.name}.jsonl (--allow-missing builds it empty)",
                    file=source_dir / f"{table.name}.csv",
                )
            )
    return {name: source for name, source in found.items() if name in names}


def build_artifact(
    base: type[Any],
    source_dir: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    allow_missing: bool = False,
    ignore_unknown_columns: bool = False,
    max_errors: int = 20,
    progress: BuildProgress | None = None,
    force: bool = False,
) -> BuildReport:
    """
    Build `base`'s data set from the sources in `source_dir` into `output`, atomically.

    Raises `BuildError` (with `problems`) and leaves `output` as it was when anything is
    wrong; returns what was written otherwise. An existing `output` is replaced only when
    it is an artifact a build wrote (or empty), unless `force`.

    """
    started = time.monotonic()
    source_dir = Path(source_dir)
    output = Path(output)
    context = _check_output(base, output, force)
    tables = load_order(base.metadata.tables.values())
    problems = Problems(limit=max(1, max_errors))
    try:
        files = collect_sources(tables, source_dir, allow_missing=allow_missing, problems=problems)
    except TooManyProblems:
        files = {}
    if problems:
        raise _failed(problems, context)
    inputs = {name: FileInput(file) for name, file in files.items()}
    return _build(
        base, output, tables, inputs, problems, context,
        ignore_unknown_columns=ignore_unknown_columns, progress=progress, started=started,
    )


def build_from_rows(
    base: type[Any],
    rows: Mapping[str, Iterable[Mapping[str, Any]]],
    output: str | os.PathLike[str],
    *,
    allow_missing: bool = False,
    ignore_unknown_columns: bool = False,
    max_errors: int = 20,
    force: bool = False,
) -> BuildReport:
    """
    Build `base`'s data set from rows held in Python into `output`, as `build_artifact` does.

        build_from_rows(Base, {"country": [{"code": "FR", "name": "France"}], "city": []}, out)

    `rows` maps each table's name to its rows, each a mapping of column names to values (a
    list, or any iterable, read once). Validation, atomicity and the manifest are the build's;
    problems name the table and the row's index (`country[2]: column 'code': ...`).

    """
    started = time.monotonic()
    output = Path(output)
    context = _check_output(base, output, force)
    tables = load_order(base.metadata.tables.values())
    problems = Problems(limit=max(1, max_errors))
    names = {table.name for table in tables}
    try:
        for name in rows:
            if name not in names:
                problems.add(BuildInputError(
                    f"no table named {name!r} in the models (tables: {', '.join(sorted(names))})",
                    file=str(name),
                ))
        for table in tables:
            if table.name not in rows and not allow_missing:
                problems.add(BuildInputError(
                    f"no rows for table {table.name!r} (allow_missing=True builds it empty)",
                    file=table.name,
                ))
    except TooManyProblems:
        pass
    if problems:
        raise _failed(problems, context, "in the rows")
    inputs = {name: RowsInput(given) for name, given in rows.items()}
    return _build(
        base, output, tables, inputs, problems, context,
        ignore_unknown_columns=ignore_unknown_columns, progress=None, started=started,
        where="in the rows",
    )


def _check_output(base: type[Any], output: Path, force: bool) -> dict[str, Any]:
    """The build's context for errors, once `output` is known to be a place it may write."""
    context: dict[str, Any] = dict(dataset=base.__dataset__, output=output)
    if output.is_dir():
        raise BuildError("the output is a directory", **context)
    if not output.parent.is_dir():
        raise BuildError(f"the directory {str(output.parent)!r} does not exist", **context)
    if not force:
        refused = not_replaceable(output)
        if refused is not None:
            raise BuildError(
                f"{refused}, so it is kept (--force replaces it)", **context
            )
    return context


def _build(
    base: type[Any],
    output: Path,
    tables: Sequence[Table],
    inputs: Mapping[str, TableInput],
    problems: Problems,
    context: dict[str, Any],
    *,
    ignore_unknown_columns: bool,
    progress: BuildProgress | None,
    started: float,
    where: str = "in the sources",
) -> BuildReport:
    """Load, check and move into place: the build whatever its sources are."""
    dataset: str = base.__dataset__
    dialect = artifact_dialect()
    temp = temp_path(output)
    loading = temp_path(output, stage="load")
    clock = _Clock()
    try:
        remove_stale_temp_files(output)
        remove_temp(temp)
        remove_temp(loading)
        create_empty(loading)
        connection = sqlite3.connect(loading, isolation_level=None)
        try:
            reports = _load(
                connection, tables, inputs, dialect, problems, context,
                ignore_unknown_columns=ignore_unknown_columns,
                progress=progress,
                where=where,
            )
            clock.lap("loaded sources and created indexes")
            fingerprint = schema_fingerprint(connection)
            write_manifest(connection, manifest_entries(dataset, fingerprint, reports))
            connection.execute("COMMIT")
            _phase(progress, "gathering statistics (ANALYZE)")
            connection.execute("ANALYZE")
            clock.lap("analyzed")
            _phase(progress, "compacting (VACUUM)")
            # the compacted copy is the artifact: one copy, where VACUUM in place makes two
            connection.execute("VACUUM INTO ?", (os.fspath(temp),))
            clock.lap("vacuumed")
        finally:
            connection.close()
            remove_temp(loading)
        _phase(progress, "checking integrity and foreign keys")
        _check(temp, context)
        clock.lap("checked")
        _phase(progress, "writing to disk")
        move_into_place(temp, output)
        clock.lap("synced and moved into place")
    except sqlite3.Error as error:
        discard_temp(temp)
        discard_temp(loading)
        raise BuildError(f"SQLite failed: {error}", **context) from error
    except OSError as error:
        discard_temp(temp)
        discard_temp(loading)
        raise BuildError(cannot_write(error, output), **context) from error
    except BaseException:
        discard_temp(temp)
        discard_temp(loading)
        raise
    finally:
        if progress is not None:
            progress.end()
    report = BuildReport(
        dataset=dataset,
        output=output,
        tables=tuple(reports),
        schema_sha256=fingerprint,
        size=output.stat().st_size,
        seconds=time.monotonic() - started,
    )
    logger.info(
        "built data set %r into %s: %s, %s, %s in %.1fs",
        dataset, output, plural(len(report.tables), "table"), plural(report.rows, "row"),
        size(report.size), report.seconds,
    )
    return report


def _failed(
    problems: Problems, context: dict[str, Any], where: str = "in the sources"
) -> BuildError:
    count = len(problems)
    more = " (stopped there; --max-errors raises the limit)" if count >= problems.limit else ""
    return BuildError(
        f"{plural(count, 'problem')} {where}{more}",
        problems=in_source_order(problems.found),
        **context,
    )


def in_source_order(problems: Iterable[BuildInputError]) -> list[BuildInputError]:
    """
    Problems by file, then line: the order they were found in is the order of the checks
    (a bad value as its batch is read, a duplicate key as the batch is inserted), not theirs.
    Problems of a whole file (no line) come first among its own.
    """
    return sorted(problems, key=lambda problem: (problem.file, problem.line or 0))


def _load(
    connection: sqlite3.Connection,
    tables: Sequence[Table],
    inputs: Mapping[str, TableInput],
    dialect: Dialect,
    problems: Problems,
    context: dict[str, Any],
    *,
    ignore_unknown_columns: bool,
    progress: BuildProgress | None,
    where: str = "in the sources",
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

    loader = Loader(connection, problems)
    reports: list[TableReport] = []
    if progress is not None:
        progress.begin(sum(given.size() for given in inputs.values()))
    advance = progress.advance if progress is not None else None
    try:
        for table in tables:
            given = inputs.get(table.name)
            if given is None:  # allowed missing: the table stays empty
                reports.append(TableReport(table.name, 0))
                continue
            _phase(progress, f"loading {table.name}")
            source = given.source(table, dialect, ignore_unknown_columns=ignore_unknown_columns)
            rows = loader.load(source, advance)
            logger.debug("loaded %s into %s from %s", plural(rows, "row"), table.name, source.name)
            reports.append(given.report(table.name, rows))
        # with the other problems, so one build reports them all
        _phase(progress, "checking foreign keys")
        loader.check_foreign_keys(table.name for table in tables)
    except TooManyProblems:
        pass
    if problems:
        raise _failed(problems, context, where)

    _phase(progress, "creating indexes")
    connection.execute(f"PRAGMA cache_size = -{INDEX_CACHE_KIB}")
    connection.execute("PRAGMA temp_store = FILE")
    for table in tables:
        for index in sorted_indexes(table):
            if not index.unique:
                connection.execute(index_ddl(index, dialect))
    return reports


def _check(path: Path, context: dict[str, Any]) -> None:
    """Serving mode (rollback journal), then SQLite's own checks of the finished file."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
        # the load's connection is closed by now: its page cache budget serves the checks
        connection.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")
        result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise BuildError("integrity check failed: " + "; ".join(result), **context)
        if connection.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise BuildError("foreign key check failed on the finished file", **context)
    finally:
        connection.close()


class _Clock:
    """Debug-level timings of a build's steps."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def lap(self, step: str) -> None:
        now = time.monotonic()
        logger.debug("%s in %.2fs", step, now - self.last)
        self.last = now


# --- the graph's builder --------------------------------------------------------------------


class ModelLoad:
    """A pending load of some models' rows into a writable data set: call `build`."""

    def __init__(
        self,
        graph: Any,
        models: Sequence[type[Any]],
        format: SourceFormat,
        *,
        max_errors: int,
        ignore_unknown_columns: bool,
    ) -> None:
        if not models:
            raise ValueError("name at least one model to load")
        datasets = {model.__dataset__ for model in models}
        if len(datasets) != 1:
            raise ValueError(
                f"models of one data set load together, not {', '.join(sorted(datasets))}"
            )
        self.graph = graph
        self.models = tuple(models)
        self.dataset: str = datasets.pop()
        self.format = format
        self.max_errors = max_errors
        self.ignore_unknown_columns = ignore_unknown_columns

    def build(self, *sources: IO[str] | IO[bytes] | str | os.PathLike[str]) -> dict[str, int]:
        """
        Load one source per model (in the models' order) in one transaction.

        Tables are created when missing. Nothing is kept unless every row of every source
        goes in; returns the rows loaded per table.

        """
        if len(sources) != len(self.models):
            need = "needs" if len(self.models) == 1 else "need"
            raise ValueError(
                f"{plural(len(self.models), 'model')} {need} as many sources, got {len(sources)}"
            )
        engine = self.graph.sqlite(self.dataset)
        names = ", ".join(model.__name__ for model in self.models)
        engine.refuse_write(f"load {names}")
        tables: list[Table] = [model.__table__ for model in self.models]
        tables[0].metadata.create_all(engine.engine, tables=tables, checkfirst=True)
        dialect = engine.engine.dialect
        by_table = {
            table.name: TableSource(
                table,
                dialect,
                Path(source) if isinstance(source, str | os.PathLike) else source,
                self.format,
                ignore_unknown_columns=self.ignore_unknown_columns,
            )
            for table, source in zip(tables, sources, strict=True)
        }
        problems = Problems(limit=max(1, self.max_errors))
        context: dict[str, Any] = dict(dataset=self.dataset)
        counts: dict[str, int] = {}
        raw = engine.engine.raw_connection()
        try:
            connection: sqlite3.Connection = raw.driver_connection
            connection.execute("SAVEPOINT microcosm_sqlite_build")
            try:
                # foreign keys wait for the end, so the order of models does not matter
                connection.execute("PRAGMA defer_foreign_keys = ON")
                loader = Loader(connection, problems)
                try:
                    for table in load_order(tables):
                        counts[table.name] = loader.load(by_table[table.name])
                    loader.check_foreign_keys(table.name for table in tables)
                except TooManyProblems:
                    pass
                if problems:
                    raise _failed(problems, context)
            except BaseException:
                connection.execute("ROLLBACK TO microcosm_sqlite_build")
                connection.execute("RELEASE microcosm_sqlite_build")
                raise
            connection.execute("RELEASE microcosm_sqlite_build")
            if connection.in_transaction:
                connection.commit()
        finally:
            raw.close()
        return counts


class SQLiteBuilder:
    """
    The graph's `sqlite_builder`: loads sources into writable data sets (tests, tools).

        graph.sqlite_builder.csv(Country).build(countries_csv)
        graph.sqlite_builder.csv(Country, Airport).build(countries_csv, airports_csv)

    """

    def __init__(
        self, graph: Any, *, max_errors: int = 20, ignore_unknown_columns: bool = False
    ) -> None:
        self.graph = graph
        self.max_errors = max_errors
        self.ignore_unknown_columns = ignore_unknown_columns

    def csv(self, *models: type[Any]) -> ModelLoad:
        """A load of these models from CSV streams or paths, one per model."""
        return self._load(models, "csv")

    def jsonl(self, *models: type[Any]) -> ModelLoad:
        """A load of these models from JSON Lines streams or paths, one per model."""
        return self._load(models, "jsonl")

    def _load(self, models: Sequence[type[Any]], format: SourceFormat) -> ModelLoad:
        return ModelLoad(
            self.graph,
            models,
            format,
            max_errors=self.max_errors,
            ignore_unknown_columns=self.ignore_unknown_columns,
        )
