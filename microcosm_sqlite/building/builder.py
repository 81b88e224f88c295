"""
The offline build's steps, in order: sources in, a checked, reproducible, ready-to-serve
SQLite artifact out.

    build_artifact(Base, "datasets/airports", "airports.sqlite")
    build_from_rows(Base, {"country": [{"code": "FR", "name": "France"}]}, "countries.sqlite")

1. Models: the data set's tables, written in foreign-key order (`schema`). Foreign keys are
   checked once every table is written, so tables that reference each other (a cycle) build.
2. A temporary file beside the output, `.<output name>.<pid>.load.tmp` (`files`), with
   build-time pragmas (no sync, in-memory journal); tables and their unique indexes first,
   then every source (`source_files`, `csv_source`, `jsonl_source`, `rows`) streams through
   the table writer (`writing`) in one transaction, then the other indexes.
3. Problems (bad values, missing or unknown columns, duplicate keys, foreign keys with no
   match, malformed lines) are collected up to a limit and fail the build as one `BuildError`
   (`problems`). Foreign keys are checked whenever the limit was not reached, so one build
   reports them with the other problems; a row that was refused is not written, so a key
   pointing at it has no match too. Keys into a table that wrote nothing but problems (a bad
   header, say) are left until it writes: every one of them would have no match.
4. The data checks the models declare (`checks`, `microcosm_sqlite.checks`), reading only: a
   failing one is a problem naming the check, its table and a few offending rows, and fails
   the build as the others do; one of severity "warn" is logged and kept in the report. Then
   the full-text indexes the models declare (`fts`).
5. The manifest table, `ANALYZE`, then `VACUUM INTO` the temporary file
   `.<output name>.<pid>.tmp` (the load file is removed), rollback-journal mode,
   `integrity_check` and `foreign_key_check`, fsync, and only then `os.replace` over the
   output. On any error or interrupt the temporary files are removed and the old artifact is
   untouched; a build that was killed leaves its temporary files, which the next build of that
   output removes once their process is gone.

Values are checked as strictly as sources are documented (`conversion`): integers are
`[+-]?[0-9]+`, floats and decimals that with a fraction and exponent, in ASCII, with no spaces
around and no `_`; NaN and infinity are refused, since SQLite would store infinity and turn
NaN into NULL, and a reference value is never either (NULL, an empty field, says a number is
unknown); text longer than a `String(n)` column's `n` is refused, though SQLite would store it.

No clock time goes into the file, and every step runs in a fixed order, so the same sources
and models give the same bytes.

"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table

from microcosm_sqlite.artifact.checks import foreign_key_problems, integrity_problems
from microcosm_sqlite.artifact.defences import MAX_VALUE_BYTES
from microcosm_sqlite.artifact.dialect import artifact_dialect
from microcosm_sqlite.artifact.files import (
    cannot_write,
    create_empty,
    discard_temp,
    move_into_place,
    remove_stale_temp_files,
    remove_temp,
    temp_path,
    unusable_output,
)
from microcosm_sqlite.artifact.manifest import (
    TableReport,
    manifest_entries,
    schema_fingerprint,
    write_manifest,
)
from microcosm_sqlite.building import checks as data_checks
from microcosm_sqlite.building import fts
from microcosm_sqlite.building.loading import BUILD_CACHE_KIB, TableInput, write_tables
from microcosm_sqlite.building.problems import IN_THE_SOURCES, Problems, collecting
from microcosm_sqlite.building.progress import BuildProgress, announce
from microcosm_sqlite.building.rows import RowsInput
from microcosm_sqlite.building.schema import load_order
from microcosm_sqlite.building.source_files import collect_inputs
from microcosm_sqlite.checks import declared_checks
from microcosm_sqlite.errors import BuildError, BuildInputError
from microcosm_sqlite.formatting import plural, size

__all__ = ["BuildReport", "build_artifact", "build_from_rows"]

logger = logging.getLogger(__name__)

IN_THE_ROWS = "in the rows"
IN_THE_CHECKS = "in the data checks"
IN_THE_MODELS = "in the models' declarations"


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote, for logs and the command line."""

    dataset: str
    output: Path
    tables: tuple[TableReport, ...]
    schema_sha256: str
    size: int
    seconds: float
    # the data checks of severity "warn" that failed, one line each
    warnings: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        """Rows written, in all tables."""
        return sum(table.rows for table in self.tables)


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
    checks: bool = True,
) -> BuildReport:
    """
    Build `base`'s data set from the sources in `source_dir` into `output`, atomically.
    `source_dir` may be a SQLite file instead (one 2.x built, say): its tables are the sources.

    Raises `BuildError` (with `problems`) and leaves `output` as it was when anything is
    wrong; returns what was written otherwise. An existing `output` is replaced only when
    it is an artifact a build wrote (or empty), unless `force`. `checks=False` skips the
    models' data checks (a test's few rows, say).

    """
    started = time.monotonic()
    source_dir = Path(source_dir)
    output = Path(output)
    context = _check_output(base, output, force)
    tables = load_order(base.metadata.tables.values())
    problems = Problems(limit=max(1, max_errors))
    with collecting(problems, context):
        inputs = collect_inputs(tables, source_dir, allow_missing=allow_missing, problems=problems)
    return _build(
        base,
        output,
        tables,
        inputs,
        problems,
        context,
        ignore_unknown_columns=ignore_unknown_columns,
        progress=progress,
        started=started,
        checks=checks,
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
    checks: bool = True,
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
    if not isinstance(rows, Mapping):
        raise BuildError(
            f"the rows are a {type(rows).__name__}, not a mapping of each table's name to its"
            " rows: {'country': [{'code': 'FR', 'name': 'France'}], ...}",
            **context,
        )
    tables = load_order(base.metadata.tables.values())
    problems = Problems(limit=max(1, max_errors))
    names = {table.name for table in tables}
    with collecting(problems, context, IN_THE_ROWS):
        for name in rows:
            if name not in names:
                problems.add(
                    BuildInputError(
                        f"no table named {name!r} in the models"
                        f" (tables: {', '.join(sorted(names))})",
                        file=str(name),
                    )
                )
        for table in tables:
            if table.name not in rows and not allow_missing:
                problems.add(
                    BuildInputError(
                        f"no rows for table {table.name!r} (allow_missing=True builds it empty)",
                        file=table.name,
                    )
                )
    inputs = {name: RowsInput(given) for name, given in rows.items()}
    return _build(
        base,
        output,
        tables,
        inputs,
        problems,
        context,
        ignore_unknown_columns=ignore_unknown_columns,
        progress=None,
        started=started,
        where=IN_THE_ROWS,
        checks=checks,
    )


def _check_output(base: type[Any], output: Path, force: bool) -> dict[str, Any]:
    """The build's context for errors, once `output` is known to be a place it may write."""
    context: dict[str, Any] = dict(dataset=base.__dataset__, output=output)
    refused = unusable_output(output, force)
    if refused is not None:
        raise BuildError(refused, **context)
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
    where: str = IN_THE_SOURCES,
    checks: bool = True,
) -> BuildReport:
    """Write, check and move into place: the build whatever its sources are."""
    dataset: str = base.__dataset__
    declared = data_checks.declaration_problems(base) + fts.declaration_problems(base)
    if declared:
        reason = f"{plural(len(declared), 'problem')} {IN_THE_MODELS}"
        raise BuildError(reason, problems=declared, **context)
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
        # no value a reader would refuse goes in (see artifact.defences)
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        try:
            reports = write_tables(
                connection,
                tables,
                inputs,
                dialect,
                problems,
                context,
                ignore_unknown_columns=ignore_unknown_columns,
                progress=progress,
                where=where,
            )
            clock.lap("loaded sources and created indexes")
            warnings = _run_checks(connection, base, problems, context, progress) if checks else ()
            clock.lap("ran the data checks")
            indexes = fts.write_indexes(connection, base, progress)
            clock.lap("wrote the full-text indexes")
            fingerprint = schema_fingerprint(connection)
            entries = manifest_entries(dataset, fingerprint, reports) + indexes
            write_manifest(connection, sorted(entries))
            connection.execute("COMMIT")
            announce(progress, "gathering statistics (ANALYZE)")
            connection.execute("ANALYZE")
            clock.lap("analyzed")
            announce(progress, "compacting (VACUUM)")
            # the compacted copy is the artifact: one copy, where VACUUM in place makes two
            connection.execute("VACUUM INTO ?", (os.fspath(temp),))
            clock.lap("vacuumed")
        finally:
            connection.close()
            remove_temp(loading)
        announce(progress, "checking integrity and foreign keys")
        _check(temp, context)
        clock.lap("checked")
        announce(progress, "writing to disk")
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
        warnings=warnings,
    )
    logger.info(
        "built data set %r into %s: %s, %s, %s in %.1fs",
        dataset,
        output,
        plural(len(report.tables), "table"),
        plural(report.rows, "row"),
        size(report.size),
        report.seconds,
    )
    return report


def _run_checks(
    connection: sqlite3.Connection,
    base: type[Any],
    problems: Problems,
    context: dict[str, Any],
    progress: BuildProgress | None,
) -> tuple[str, ...]:
    """The data checks, reading only: failing errors raised as problems, warnings logged."""
    if not declared_checks(base):
        return ()
    announce(progress, "running the data checks")
    connection.set_authorizer(data_checks.only_reading)
    try:
        results = data_checks.run_checks(connection, base)
    finally:
        connection.set_authorizer(None)
    with collecting(problems, context, IN_THE_CHECKS):
        for result in results:
            if result.severity == "error":
                problems.add(result.problem())
    warnings = tuple(result.line() for result in results if result.severity == "warn")
    for warning in warnings:
        logger.warning(
            "data set %r: %s (a warning: the build goes on)", context["dataset"], warning
        )
    return warnings


def _check(path: Path, context: dict[str, Any]) -> None:
    """Serving mode (rollback journal), then SQLite's own checks of the finished file."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
        # the load's connection is closed by now: its page cache budget serves the checks
        connection.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")
        problems = integrity_problems(connection) or foreign_key_problems(connection)
        if problems:
            raise BuildError(
                "the finished file failed SQLite's checks: " + "; ".join(problems), **context
            )
    finally:
        connection.close()


class _Clock:
    """Debug-level timings of a build's steps."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def lap(self, step: str) -> None:
        """Log how long `step` took, since the last lap."""
        now = time.monotonic()
        logger.debug("%s in %.2fs", step, now - self.last)
        self.last = now
