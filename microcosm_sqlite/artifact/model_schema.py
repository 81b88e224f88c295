"""
An artifact's tables and columns against its models: the one comparison the runtime (once per
model, at first use) and `verify --models` (completely) both make.

"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite as sqlite_dialect

from microcosm_sqlite.artifact.contents import columns_of, data_tables, key_columns
from microcosm_sqlite.artifact.dialect import artifact_dialect

__all__ = ["FLOAT_SPELLINGS", "schema_differences"]

# typed as Any first: SQLAlchemy 2.0 leaves the dialect's constructor untyped
new_sqlite_dialect: Any = sqlite_dialect.dialect

# Declared names that mean the same in SQLite (REAL affinity) and to SQLAlchemy (a float):
# builds declare `DOUBLE`; 3.0.0 declared `Mapped[float]` `FLOAT` under SQLAlchemy 2.0.
FLOAT_SPELLINGS = frozenset({"FLOAT", "DOUBLE", "DOUBLE PRECISION", "REAL"})


def schema_differences(
    connection: sqlite3.Connection, tables: Iterable[Table], complete: bool = True
) -> list[str]:
    """
    How the artifact differs from the models' tables, one line each; empty when it matches.

    Always: tables and columns the models map that the artifact lacks (a view is no table).
    With `complete`, also tables and columns the models do not know, and each column's type,
    nullability and primary key. Types are the ones a build declares; artifacts of earlier
    versions declared JSON columns `JSON` and decimals of more than 15 digits `NUMERIC(p, s)`
    (not `NUMERIC TEXT(p, s)`), as SQLAlchemy does, which matches too.

    """
    differences: list[str] = []
    present = set(data_tables(connection))
    expected = {table.name: table for table in tables}
    if complete:
        for name in sorted(present - set(expected)):
            differences.append(f"table {name}: in the artifact but not in the models")
    for name, table in sorted(expected.items()):
        if name not in present:
            differences.append(f"table {name}: in the models but not in the artifact")
            continue
        differences.extend(_table_differences(connection, table, complete))
    return differences


def _table_differences(connection: sqlite3.Connection, table: Table, complete: bool) -> list[str]:
    differences: list[str] = []
    actual = {column.name: column for column in columns_of(connection, table.name)}
    if complete:
        for name in sorted(set(actual) - {column.name for column in table.columns}):
            differences.append(f"table {table.name}: column {name} is not in the models")
    dialect = artifact_dialect()
    for column in table.columns:
        found = actual.get(column.name)
        where = f"table {table.name}: column {column.name}"
        if found is None:
            differences.append(f"{where} is missing from the artifact")
        elif complete:
            expected = _normal_type(column.type.compile(dialect=dialect))
            earlier = _normal_type(column.type.compile(dialect=new_sqlite_dialect()))
            if _normal_type(found.type) not in (expected, earlier):
                differences.append(f"{where} is {found.type}, the models say {expected}")
            if found.nullable != bool(column.nullable):
                should = "nullable" if column.nullable else "NOT NULL"
                differences.append(f"{where} should be {should}")
    if complete:
        keys = [column.name for column in key_columns(actual.values())]
        expected_keys = [column.name for column in table.primary_key.columns]
        if keys != expected_keys:
            differences.append(
                f"table {table.name}: primary key ({', '.join(keys)}),"
                f" the models say ({', '.join(expected_keys)})"
            )
    return differences


def _normal_type(type_: str) -> str:
    """A declared type in one spelling: upper case, single spaces, and every float one name."""
    normal = " ".join(type_.upper().replace(" (", "(").split())
    return "DOUBLE" if normal in FLOAT_SPELLINGS else normal
