"""
`textconv`: a stable text form of an artifact for git's diff driver, so `git diff` of a
committed artifact shows the rows that changed.

A line never holds what a file could use to forge another line or drive the reviewer's
terminal: names holding a character that is not printable are quoted, values are written as
`diff` writes them (text as a JSON string, escaped), and SQL is quoted when it must be (see
`microcosm_sqlite.formatting`). Values are written a slice at a time, so memory stays within a
small multiple of the largest value.

"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from microcosm_sqlite.artifact.contents import (
    columns_of,
    data_tables,
    key_columns,
    quote,
    schema_statements,
)
from microcosm_sqlite.artifact.manifest import read_manifest
from microcosm_sqlite.artifact.opening import open_artifact
from microcosm_sqlite.errors import DataSetError, SQLiteError
from microcosm_sqlite.formatting import code_text, name_text, one_line
from microcosm_sqlite.tools._values import documents, readable, show, write_value

__all__ = ["unreadable_line", "write_textconv"]

# how a Git LFS pointer file starts: the artifact itself is in LFS storage
LFS_POINTER = b"version https://git-lfs.github.com/spec/"
# a value longer than this is written a slice at a time, not copied into its line
LONG_VALUE = 1 << 16


def write_textconv(path: str | os.PathLike[str], stream: IO[str]) -> int:
    """
    A stable text form of an artifact, for git's diff driver; returns the rows written.

    First the data set's name and the schema (each CREATE statement on one line, sorted),
    then each table's rows in key order, one line each: `table (key=value): column=value,
    ...`, generated columns included. The manifest's other entries (versions, hashes, counts)
    are left out: they are not content, and would show in every diff.

    """
    count = 0
    with open_artifact(path) as connection:
        dataset = (read_manifest(connection) or {}).get("dataset")
        if dataset is not None:
            stream.write(f"dataset {name_text(dataset)}\n")
        for kind, name, sql in schema_statements(connection):
            stream.write(f"schema {kind} {name_text(name)}: {code_text(sql)}\n")
        for table in data_tables(connection):
            columns = columns_of(connection, table, generated=True)
            keyed = [column.name for column in key_columns(columns)]
            names = [*keyed, *(column.name for column in columns if column.name not in keyed)]
            order = ", ".join(f"{quote(name)} COLLATE BINARY" for name in keyed or names)
            size = len(keyed)
            texts = documents(columns)
            labels = [
                _label(position, size) + f"{name_text(name)}="
                for position, name in enumerate(names)
            ]
            end = "):\n" if size == len(names) else "\n"
            prefix = name_text(table)
            for row in connection.execute(
                f"SELECT {', '.join(map(quote, names))} FROM {quote(table)} ORDER BY {order}"
            ):
                parts = [prefix]
                for position, value in enumerate(row):
                    parts.append(labels[position])
                    if names[position] in texts:
                        value = readable(value)
                    if isinstance(value, str | bytes) and len(value) > LONG_VALUE:
                        stream.write("".join(parts))
                        parts.clear()
                        write_value(stream, value)
                    else:
                        parts.append(show(value))
                parts.append(end)
                stream.write("".join(parts))
                count += 1
    return count


def _label(position: int, size: int) -> str:
    """What comes before a row's value at `position`, its key being the first `size` values."""
    if position == 0:
        return " (" if size else ": "
    return "): " if position == size else ", "


def unreadable_line(path: str | os.PathLike[str], error: SQLiteError) -> str:
    """
    The one line git shows for a file textconv cannot read, saying why: a Git LFS pointer, a
    file that is not SQLite, a corrupt one, one holding a view... The path is left out (git
    passes a temporary file's), so the line is the same for the same trouble.

    """
    try:
        with Path(path).open("rb") as file:
            start = file.read(len(LFS_POINTER))
    except OSError:
        start = b""
    if start == LFS_POINTER:
        reason = (
            "it is a Git LFS pointer, not the artifact (fetch it with `git lfs pull`, or diff"
            " it with git's lfs driver)"
        )
    else:
        reason = error.reason if isinstance(error, DataSetError) else str(error)
    return f"microcosm-sqlite textconv: cannot show this file: {one_line(reason)}"
