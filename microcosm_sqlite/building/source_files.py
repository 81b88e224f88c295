"""
The sources: which file feeds which table, and the reader for its format.

In a source directory, `<table>.csv` or `<table>.jsonl` holds a table's rows; a table with both,
a file for a table the models do not have, and a table with no file are problems of the build.
A SQLite file (2.x's, say) may stand for the directory: its tables are the sources
(`sqlite_source`).

"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from sqlalchemy import Table
from sqlalchemy.engine import Dialect

from microcosm_sqlite.artifact.manifest import TableReport
from microcosm_sqlite.building.csv_source import CsvSource
from microcosm_sqlite.building.jsonl_source import JsonLinesSource
from microcosm_sqlite.building.problems import Problems
from microcosm_sqlite.building.sources import FileSource
from microcosm_sqlite.building.sqlite_source import (
    SqliteTableInput,
    collect_tables,
    is_sqlite_file,
)
from microcosm_sqlite.errors import BuildError, BuildInputError

__all__ = [
    "SOURCE_FORMATS",
    "FileInput",
    "SourceFile",
    "SourceFormat",
    "collect_inputs",
    "collect_sources",
    "find_sources",
    "open_source",
]

SourceFormat = Literal["csv", "jsonl"]
SOURCE_FORMATS: tuple[SourceFormat, ...] = ("csv", "jsonl")
READERS: dict[SourceFormat, type[FileSource]] = {"csv": CsvSource, "jsonl": JsonLinesSource}


def open_source(
    table: Table,
    dialect: Dialect,
    source: Path | IO[str] | IO[bytes] | str | os.PathLike[str],
    format: SourceFormat,
    *,
    name: str | None = None,
    ignore_unknown_columns: bool = False,
) -> FileSource:
    """
    The reader of `table`'s rows from `source` (a path, or an open stream) in `format`.

    Nothing is read yet: reading raises, as `FileSource.batches` says.

    """
    given = Path(source) if isinstance(source, str | os.PathLike) else source
    return READERS[format](
        table, dialect, given, name=name, ignore_unknown_columns=ignore_unknown_columns
    )


@dataclass(frozen=True)
class SourceFile:
    """The file that holds one table's rows."""

    table: str
    path: Path
    format: SourceFormat


def find_sources(source_dir: Path) -> tuple[dict[str, SourceFile], list[BuildInputError]]:
    """
    Each table's source file in a directory, and problems such as two files for one table.

    Raises `OSError` when the directory cannot be listed.

    """
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


def collect_sources(
    tables: Sequence[Table],
    source_dir: Path,
    *,
    allow_missing: bool,
    problems: Problems,
) -> dict[str, SourceFile]:
    """
    Each table's source file; missing, doubled and unknown sources are problems.

    Raises `BuildError` when `source_dir` is not a directory, `TooManyProblems` when the
    problems reach their limit.

    """
    if not source_dir.exists():
        raise BuildError(f"the source directory {str(source_dir)!r} does not exist")
    if not source_dir.is_dir():
        raise BuildError(f"the source {str(source_dir)!r} is neither a directory nor a SQLite file")
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


def collect_inputs(
    tables: Sequence[Table], source: Path, *, allow_missing: bool, problems: Problems
) -> dict[str, FileInput | SqliteTableInput]:
    """
    Each table's input: its file in a source directory, or its table in a SQLite file.

    Raises `BuildError` when `source` is neither, `TooManyProblems` when the problems reach
    their limit.

    """
    if is_sqlite_file(source):
        return dict(collect_tables(tables, source, allow_missing=allow_missing, problems=problems))
    files = collect_sources(tables, source, allow_missing=allow_missing, problems=problems)
    return {name: FileInput(file) for name, file in files.items()}


@dataclass(frozen=True)
class FileInput:
    """A table's source file, as `build_artifact` finds them."""

    file: SourceFile

    def source(self, table: Table, dialect: Dialect, *, ignore_unknown_columns: bool) -> FileSource:
        """The reader of the file's rows; nothing is read yet."""
        return open_source(
            table,
            dialect,
            self.file.path,
            self.file.format,
            ignore_unknown_columns=ignore_unknown_columns,
        )

    def size(self) -> int:
        """The file's size in bytes, for progress; raises `OSError` when it is gone."""
        return self.file.path.stat().st_size

    def report(self, table: str, rows: int) -> TableReport:
        """The manifest's line for the table: its rows (not the file's name or bytes, which
        depend on how the rows were spelled)."""
        return TableReport(table, rows)
