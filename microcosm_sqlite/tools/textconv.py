"""
`textconv`: a stable text form of an artifact for git's diff driver, so `git diff` of a
committed artifact shows the rows that changed.

"""

from __future__ import annotations

import os
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
from microcosm_sqlite.tools._values import documents, readable, show

__all__ = ["write_textconv"]


def write_textconv(path: str | os.PathLike[str], stream: IO[str]) -> int:
    """
    A stable text form of an artifact, for git's diff driver; returns the rows written.

    First the data set's name and the schema (each CREATE statement on one line, sorted),
    then each table's rows in key order, one line each: `table (key=value): column=value,
    ...`. The manifest's other entries (versions, hashes, counts) are left out: they are not
    content, and would show in every diff.

    """
    count = 0
    with open_artifact(path) as connection:
        dataset = (read_manifest(connection) or {}).get("dataset")
        if dataset is not None:
            stream.write(f"dataset {dataset}\n")
        for kind, name, sql in schema_statements(connection):
            stream.write(f"schema {kind} {name}: {sql}\n")
        for table in data_tables(connection):
            columns = columns_of(connection, table)
            keyed = [column.name for column in key_columns(columns)]
            names = [*keyed, *(column.name for column in columns if column.name not in keyed)]
            order = ", ".join(f"{quote(name)} COLLATE BINARY" for name in keyed or names)
            size = len(keyed)
            texts = documents(columns)
            for row in connection.execute(
                f"SELECT {', '.join(map(quote, names))} FROM {quote(table)} ORDER BY {order}"
            ):
                if texts:
                    row = tuple(
                        readable(value) if name in texts else value
                        for name, value in zip(names, row, strict=True)
                    )
                key = ", ".join(
                    f"{name}={show(value)}" for name, value in zip(keyed, row, strict=False)
                )
                shown = ", ".join(
                    f"{name}={show(value)}"
                    for name, value in zip(names[size:], row[size:], strict=True)
                )
                stream.write(f"{table} ({key}): {shown}\n" if key else f"{table}: {shown}\n")
                count += 1
    return count
