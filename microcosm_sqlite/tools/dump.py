"""
`dump`: an artifact's tables written back out as sources that `build` accepts, so a dump then a
build gives the same rows.

CSV writes NULL as an empty field, booleans as true/false and binary as hexadecimal; JSON Lines
writes JSON columns as nested JSON, binary as hexadecimal too. Other values are written as
stored (docs/column-types.md). Text is written as it is, in UTF-8: JSON (JSON Lines, and a
CSV dump's JSON columns) escapes only what it must, control characters and lone surrogates
(an escape such as `"\\ud800"` is valid JSON, which UTF-8 cannot hold). CSV cannot tell an empty
string (or empty bytes) from NULL, so a CSV dump of a table holding them fails, naming the row
by its primary key: dump it as JSON Lines instead.

Rows are written in primary key order (rowid order without one). Every error names the
artifact's path.

"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Literal

from microcosm_sqlite.artifact.contents import (
    ColumnInfo,
    columns_of,
    data_tables,
    key_columns,
    quote,
)
from microcosm_sqlite.artifact.opening import open_artifact
from microcosm_sqlite.errors import DumpError
from microcosm_sqlite.formatting import json_text, unescape_json

__all__ = ["DUMP_FORMATS", "DumpFormat", "dump_artifact", "dump_table", "dump_to_stream"]

DumpFormat = Literal["csv", "jsonl"]
DUMP_FORMATS: tuple[DumpFormat, ...] = ("csv", "jsonl")


def dump_artifact(
    path: str | os.PathLike[str],
    directory: str | os.PathLike[str],
    *,
    tables: Sequence[str] = (),
    format: DumpFormat = "csv",
) -> dict[str, int]:
    """
    Write `<table>.<format>` into `directory` for each table (all by default).

    The tables are checked before `directory` is made, so asking for one the artifact lacks
    leaves no empty directory behind.

    """
    directory = Path(directory)
    artifact = os.fspath(path)
    counts: dict[str, int] = {}
    with open_artifact(path) as connection:
        chosen = _chosen_tables(connection, artifact, tables)
        directory.mkdir(parents=True, exist_ok=True)
        for table in chosen:
            target = directory / f"{table}.{format}"
            try:
                with target.open("w", encoding="utf-8", newline="") as stream:
                    counts[table] = dump_table(connection, table, stream, format, artifact=artifact)
            except BaseException:
                target.unlink(missing_ok=True)
                raise
    return counts


def dump_to_stream(
    path: str | os.PathLike[str], table: str, stream: IO[str], format: DumpFormat = "csv"
) -> int:
    """One table of an artifact, written to a text stream."""
    artifact = os.fspath(path)
    with open_artifact(path) as connection:
        _chosen_tables(connection, artifact, [table])
        return dump_table(connection, table, stream, format, artifact=artifact)


def dump_table(
    connection: sqlite3.Connection,
    table: str,
    stream: IO[str],
    format: DumpFormat = "csv",
    *,
    artifact: str,
) -> int:
    """
    Write one table's rows to a text stream as a source `build` accepts; returns the count.

    `artifact` is the path errors name.

    """
    columns = columns_of(connection, table)
    if not columns:
        raise DumpError(f"{artifact}: no table named {table!r}")
    names = [column.name for column in columns]
    keys = key_columns(columns)
    order = ", ".join(quote(column.name) for column in keys) if keys else "rowid"
    rows = connection.execute(
        f"SELECT {', '.join(map(quote, names))} FROM {quote(table)} ORDER BY {order}"
    )
    booleans = [index for index, column in enumerate(columns) if column.declared_as("BOOLEAN")]
    documents = [index for index, column in enumerate(columns) if column.declared_as("JSON")]
    count = 0
    if format == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        # the csv module before Python 3.13 quotes only the line terminator's characters, so
        # a row whose text holds a bare \r is written with every field quoted
        quoting = csv.writer(stream, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(names)
        for row in rows:
            if "" in row or b"" in row:
                raise _empty_string(artifact, table, columns, row, count + 1)
            values = [_csv_value(value) for value in row]
            for index in booleans:
                if isinstance(row[index], int):
                    values[index] = "true" if row[index] else "false"
            for index in documents:
                if isinstance(row[index], str):
                    values[index] = unescape_json(row[index])
            if any(isinstance(value, str) and "\r" in value for value in row):
                quoting.writerow(values)
            else:
                writer.writerow(values)
            count += 1
        return count
    for row in rows:
        values = list(row)
        for index in booleans:
            if isinstance(values[index], int):
                values[index] = bool(values[index])
        for index in documents:
            if isinstance(values[index], str):
                values[index] = json.loads(values[index])
        for index, value in enumerate(values):
            if isinstance(value, bytes):
                values[index] = value.hex()
        stream.write(json_text(dict(zip(names, values, strict=True))))
        stream.write("\n")
        count += 1
    return count


def _empty_string(
    artifact: str, table: str, columns: Sequence[ColumnInfo], row: Sequence[Any], number: int
) -> DumpError:
    """The error for a row a CSV dump cannot keep, naming it by primary key (or position)."""
    column = next(columns[index].name for index, value in enumerate(row) if value in ("", b""))
    keys = key_columns(columns)
    if keys:
        shown = ", ".join(f"{key.name}={row[columns.index(key)]!r}" for key in keys)
        which = f"row ({shown})"
    else:
        which = f"row {number}"
    return DumpError(
        f"{artifact}: table {table} {which} column {column!r} holds an empty string (or empty"
        " bytes), which a CSV source cannot tell from NULL: dump as JSON Lines (--format jsonl)"
    )


def _csv_value(value: Any) -> Any:
    """A stored value as a CSV field: NULL empty, floats exactly, blobs in hexadecimal."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _chosen_tables(
    connection: sqlite3.Connection, artifact: str, tables: Sequence[str]
) -> list[str]:
    """The tables to dump (all data tables when none are named); an error naming any missing."""
    present = data_tables(connection)
    missing = [table for table in tables if table not in present]
    if missing:
        raise DumpError(
            f"{artifact}: no table named {', '.join(map(repr, missing))}"
            f" (tables: {', '.join(present)})"
        )
    return list(tables) or present
