"""
`dump`: an artifact's tables written back out as sources that `build` accepts, so a dump then a
build gives the same rows.

CSV writes NULL as an empty field, booleans as true/false and binary as hexadecimal; JSON Lines
writes JSON columns as nested JSON, binary as hexadecimal too. Other values are written as
stored (docs/column-types.md). Text is written as it is, in UTF-8: JSON (JSON Lines, and a
CSV dump's JSON columns) escapes only what it must, control characters and lone surrogates
(an escape such as `"\\ud800"` is valid JSON, which UTF-8 cannot hold). A JSON column's
document is the text its build stored when that already is the JSON to write (`_stored_json`):
it is not decoded. Text there that is not JSON (a crafted file's) fails the dump, naming the
table, the row and the column. CSV cannot tell an empty string (or empty bytes) from NULL, so
a CSV dump of a table holding them fails, naming the row by its primary key: dump it as JSON
Lines instead.

Rows are written in the order they are stored in: rowid order, which is the order their build
read them in (and `Store.search` returns them in), so a build of the dump writes the same bytes;
key order in a table without a rowid. Generated columns are left out: their values are
computed, and a build loads none. Every error names the artifact's path.

A file's name comes from its table's name, `<table>.csv` or `<table>.jsonl`, as `build` reads
it back; but an artifact is untrusted, and its names never decide where a file goes. A table
whose name is not a plain file name (empty, holding `/` or `\\` or a character that is not
printable, or too long for the file system) is refused before anything is written, as are two
tables whose files a case-insensitive file system would take for one (`CAFÉ` and `café`, which
SQLite, folding ASCII letters only, tells apart): dump those with `--table` to stdout. Each
file is written beside its target under a temporary name, then renamed over it, so what was
there (a file, or a symbolic link leading elsewhere) is replaced, never written through, and a
failed dump leaves no half-written file.

Memory stays within a small multiple of the largest value: a row holding a long text is
written a slice at a time (in CSV with every field quoted), never copied whole.

"""

from __future__ import annotations

import csv
import os
import secrets
import sqlite3
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal

from microcosm_sqlite.artifact.contents import (
    ColumnInfo,
    columns_of,
    data_tables,
    key_columns,
    quote,
    stored_order,
)
from microcosm_sqlite.artifact.opening import open_artifact
from microcosm_sqlite.errors import DumpError
from microcosm_sqlite.formatting import json_text, name_text
from microcosm_sqlite.tools._stored_json import document_text

__all__ = [
    "DUMP_FORMATS",
    "DumpFormat",
    "dump_artifact",
    "dump_file_name",
    "dump_table",
    "dump_to_stream",
]

DumpFormat = Literal["csv", "jsonl"]
DUMP_FORMATS: tuple[DumpFormat, ...] = ("csv", "jsonl")
# the longest file name most file systems take, in bytes (NAME_MAX)
NAME_MAX = 255
# a text longer than this is written a slice at a time, never copied whole
LONG_VALUE = 1 << 20


def dump_artifact(
    path: str | os.PathLike[str],
    directory: str | os.PathLike[str],
    *,
    tables: Sequence[str] = (),
    format: DumpFormat = "csv",
) -> dict[str, int]:
    """
    Write `<table>.<format>` into `directory` for each table (all by default).

    The tables and their file names are checked before `directory` is made, so asking for one
    the artifact lacks, or whose name is no file name, writes nothing and leaves no empty
    directory behind. Raises `DumpError`, naming the artifact (and the file when writing it
    failed).

    """
    directory = Path(directory)
    artifact = os.fspath(path)
    counts: dict[str, int] = {}
    with open_artifact(path) as connection:
        chosen = _chosen_tables(connection, artifact, tables)
        names = _file_names(artifact, chosen, format)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DumpError(f"cannot make {directory}: {error.strerror or error}") from error
        for table in chosen:
            target = directory / names[table]
            with _replacing(target) as stream:
                counts[table] = dump_table(connection, table, stream, format, artifact=artifact)
    return counts


def dump_file_name(table: str, format: DumpFormat) -> str:
    """
    The name of the file a table is dumped to, `<table>.<format>`; `DumpError` saying why
    when the table's name cannot be one file's name inside the output directory.

    """
    name = f"{table}.{format}"
    if not table:
        reason = "it is empty"
    elif "/" in table or "\\" in table:
        reason = "it holds a path separator"
    elif not table.isprintable():
        reason = "it holds a character that is not printable"
    elif len(os.fsencode(name)) > NAME_MAX:
        reason = f"{name_text(name)} is longer than a file name may be ({NAME_MAX} bytes)"
    else:
        return name
    raise DumpError(
        f"table {name_text(table)} cannot be dumped to a file named after it: {reason};"
        " dump it alone to stdout (--table, without -o)"
    )


def _file_names(artifact: str, tables: Sequence[str], format: DumpFormat) -> dict[str, str]:
    """Each table's file name, all checked first: no unsafe name, no two for one file."""
    names: dict[str, str] = {}
    problems: list[str] = []
    seen: dict[str, str] = {}
    for table in tables:
        try:
            names[table] = dump_file_name(table, format)
        except DumpError as error:
            problems.append(str(error))
            continue
        # macOS's file system takes `CAFÉ` and `café`, or `é` composed and decomposed, as one
        folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", table).casefold())
        if folded in seen:
            problems.append(
                f"tables {name_text(seen[folded])} and {name_text(table)} would be written to"
                " one file on a case-insensitive file system; dump each alone to stdout"
                " (--table, without -o)"
            )
        seen.setdefault(folded, table)
    if problems:
        raise DumpError(f"{artifact}: " + "; ".join(problems))
    return names


@contextmanager
def _replacing(target: Path) -> Iterator[IO[str]]:
    """
    A text stream to a new file beside `target`, renamed over it when the block ends well,
    and removed when it does not. `target` is replaced, never opened: a symbolic link there
    is not followed. Raises `DumpError` naming the file when writing fails.

    """
    temporary = target.with_name(f".dump-{os.getpid()}-{secrets.token_hex(6)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    except OSError as error:
        raise DumpError(f"cannot write {target}: {error.strerror or error}") from error
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise DumpError(f"cannot write {target}: {error.strerror or error}") from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


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
    order = stored_order(connection, table)
    rows = connection.execute(
        f"SELECT {', '.join(map(quote, names))} FROM {quote(table)} ORDER BY {order}"
    )
    booleans = [index for index, column in enumerate(columns) if column.declared_as("BOOLEAN")]
    documents = [index for index, column in enumerate(columns) if column.declared_as("JSON")]
    count = 0
    if format == "csv":
        writer = csv.writer(stream, lineterminator="\n")
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
                    values[index] = _document(artifact, table, columns, row, count + 1, index)
            _write_csv_row(stream, writer, quoting, row, values)
            count += 1
        return count
    for row in rows:
        values = list(row)
        for index in booleans:
            if isinstance(values[index], int):
                values[index] = bool(values[index])
        for index in documents:
            if isinstance(values[index], str):
                values[index] = JsonText(_document(artifact, table, columns, row, count + 1, index))
        for index, value in enumerate(values):
            if isinstance(value, bytes):
                values[index] = value.hex()
        _write_json_object(stream, names, values)
        stream.write("\n")
        count += 1
    return count


def _write_csv_row(
    stream: IO[str],
    writer: Any,
    quoting: Any,
    row: Sequence[Any],
    values: Sequence[Any],
) -> None:
    """
    One row of CSV fields. The csv module builds a row's line whole, at four bytes a
    character: a row holding a long field is written here instead, a slice at a time, with
    every field quoted (as `quoting` quotes them), which a build reads the same.

    """
    if any(isinstance(value, str) and len(value) > LONG_VALUE for value in values):
        for position, value in enumerate(values):
            text = value if isinstance(value, str) else str(value)
            stream.write(',"' if position else '"')
            for start in range(0, len(text), LONG_VALUE):
                stream.write(text[start : start + LONG_VALUE].replace('"', '""'))
            stream.write('"')
        stream.write("\n")
    elif any(isinstance(value, str) and "\r" in value for value in row):
        # the csv module before Python 3.13 quotes only the line terminator's characters, so
        # a row whose text holds a bare \r is written with every field quoted
        quoting.writerow(values)
    else:
        writer.writerow(values)


class JsonText(str):
    """A value's JSON, written as it is (a JSON column's document)."""


def _write_json_object(stream: IO[str], names: Sequence[str], values: Sequence[Any]) -> None:
    """
    `json_text` of the row's object, written a member at a time, and a long text a slice at
    a time: no copy of the whole line is made.

    """
    stream.write("{")
    for position, (name, value) in enumerate(zip(names, values, strict=True)):
        stream.write(f"{', ' if position else ''}{json_text(name)}: ")
        if isinstance(value, JsonText):
            for start in range(0, len(value), LONG_VALUE):
                stream.write(value[start : start + LONG_VALUE])
        elif isinstance(value, str) and len(value) > LONG_VALUE:
            stream.write('"')
            for start in range(0, len(value), LONG_VALUE):
                stream.write(json_text(value[start : start + LONG_VALUE])[1:-1])
            stream.write('"')
        else:
            stream.write(json_text(value))
    stream.write("}")


def _empty_string(
    artifact: str, table: str, columns: Sequence[ColumnInfo], row: Sequence[Any], number: int
) -> DumpError:
    """The error for a row a CSV dump cannot keep, naming it by primary key (or position)."""
    column = next(columns[index].name for index, value in enumerate(row) if value in ("", b""))
    return DumpError(
        f"{artifact}: table {name_text(table)} {_row_name(columns, row, number)} column"
        f" {column!r} holds an empty string (or empty bytes), which a CSV source cannot tell"
        " from NULL: dump as JSON Lines (--format jsonl)"
    )


def _document(
    artifact: str,
    table: str,
    columns: Sequence[ColumnInfo],
    row: Sequence[Any],
    number: int,
    index: int,
) -> str:
    """The JSON of a JSON column's stored text; a DumpError naming the row for text that is
    not JSON, which no source could give the column."""
    try:
        return document_text(row[index])
    except (ValueError, RecursionError) as error:
        reason = "nested deeper than Python decodes" if isinstance(error, RecursionError) else error
        raise DumpError(
            f"{artifact}: table {name_text(table)} {_row_name(columns, row, number)} column"
            f" {columns[index].name!r} holds text that is not JSON ({reason})"
        ) from None


def _row_name(columns: Sequence[ColumnInfo], row: Sequence[Any], number: int) -> str:
    """A row in an error: by its primary key, or by its position in a table without one."""
    keys = key_columns(columns)
    if not keys:
        return f"row {number}"
    shown = ", ".join(f"{key.name}={row[columns.index(key)]!r}" for key in keys)
    return f"row ({shown})"


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
            f" (tables: {', '.join(map(name_text, present))})"
        )
    return list(tables) or present
