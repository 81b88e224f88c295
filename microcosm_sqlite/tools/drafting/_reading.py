"""
Reading sources for drafting: each table's columns, and their values in the rows read.

Files are found as the build finds them (`<table>.csv` or `<table>.jsonl`), read as the build
reads them (UTF-8, the csv module in strict mode, an empty CSV field is NULL, one JSON object a
line, blank lines skipped), and only the first `limit` rows of each are read: what is not read
is never opened, and the build checks every row anyway. A file the build would refuse outright
(malformed CSV or JSON, a row of the wrong width, a header naming a column twice) is a
`DraftError` naming the file and line.

"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from microcosm_sqlite.building.csv_source import allow_long_csv_fields
from microcosm_sqlite.building.source_files import SourceFile, find_sources
from microcosm_sqlite.tools.drafting._errors import DraftError


@dataclass
class SourceSample:
    """One table's source: its columns in order, and each column's values in the rows read."""

    table: str
    path: Path
    format: str
    columns: dict[str, list[Any]] = field(default_factory=dict)
    rows: int = 0
    # whether every row of the file was read
    complete: bool = True


def find_source_files(paths: Iterable[Path]) -> list[SourceFile]:
    """The sources in each directory given, and each file given, ordered by table name."""
    found: dict[str, SourceFile] = {}
    paths = list(paths)
    for path in paths:
        if path.is_dir():
            sources, problems = find_sources(path)
            if problems:
                raise DraftError(str(problems[0]))
            files = list(sources.values())
        elif path.suffix in (".csv", ".jsonl") and path.is_file():
            files = [SourceFile(path.stem, path, "csv" if path.suffix == ".csv" else "jsonl")]
        else:
            raise DraftError(f"{path}: not a directory of sources, nor a .csv or .jsonl file")
        for source in files:
            if source.table in found:
                raise DraftError(
                    f"{source.path}: two sources for table {source.table!r}:"
                    f" also {found[source.table].path}"
                )
            found[source.table] = source
    if not found:
        shown = ", ".join(str(path) for path in paths)
        raise DraftError(f"{shown}: no <table>.csv or <table>.jsonl source found")
    return [found[table] for table in sorted(found)]


def read_sample(source: SourceFile, limit: int | None) -> SourceSample:
    """The first `limit` rows of a source (all of them when None)."""
    sample = SourceSample(source.table, source.path, source.format)
    try:
        with source.path.open(encoding="utf-8", newline="") as stream:
            rows = (
                _csv_rows(stream, source.path, sample)
                if source.format == "csv"
                else _jsonl_rows(stream, source.path)
            )
            for record in rows:
                if limit is not None and sample.rows >= limit:
                    sample.complete = False
                    break
                _add(sample, record)
    except UnicodeDecodeError as error:
        raise DraftError(f"{source.path}: not UTF-8 text ({error.reason})") from error
    except OSError as error:
        raise DraftError(f"{source.path}: cannot be read ({error.strerror or error})") from error
    if not sample.columns:
        raise DraftError(f"{source.path}: no columns (a CSV source starts with a header row)")
    return sample


def _add(sample: SourceSample, record: dict[str, Any]) -> None:
    """One row's values; a column first seen here was NULL in the rows before."""
    for name in record:
        if name not in sample.columns:
            sample.columns[name] = [None] * sample.rows
    for name, values in sample.columns.items():
        values.append(record.get(name))
    sample.rows += 1


def _csv_rows(stream: Any, path: Path, sample: SourceSample) -> Iterator[dict[str, Any]]:
    allow_long_csv_fields()
    reader = csv.reader(stream, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise DraftError(f"{path}:1: empty file: a CSV source needs a header row")
        doubled = sorted({name for name in header if header.count(name) > 1})
        if doubled:
            raise DraftError(f"{path}:1: the header names {', '.join(doubled)} twice")
        sample.columns = {name: [] for name in header}
        line = reader.line_num
        for fields in reader:
            start, line = line + 1, reader.line_num
            if not fields:
                continue
            if len(fields) != len(header):
                raise DraftError(
                    f"{path}:{start}: malformed CSV: {len(fields)} fields where the header"
                    f" has {len(header)}"
                )
            # an empty field is NULL, as the build reads it
            yield {name: value or None for name, value in zip(header, fields, strict=True)}
    except csv.Error as error:
        raise DraftError(f"{path}:{reader.line_num}: malformed CSV: {error}") from error


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is refused by the build (an unknown number is null)")


def _jsonl_rows(stream: Any, path: Path) -> Iterator[dict[str, Any]]:
    for line, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text, parse_constant=_not_a_number)
        except (ValueError, RecursionError) as error:
            raise DraftError(f"{path}:{line}: malformed JSON: {error}") from error
        if not isinstance(record, dict):
            kind = type(record).__name__
            raise DraftError(f"{path}:{line}: a JSON Lines row is an object, not {kind}")
        yield record
