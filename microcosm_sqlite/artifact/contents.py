"""
What an artifact's schema holds: its data tables and their columns, and anything no build writes.

A build writes tables, their indexes and the manifest. Views, triggers and virtual tables hold
SQL (or a module's code) that would run when the file is read, so readers of files they did not
build refuse them before running any query but these.

"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from microcosm_sqlite.artifact.manifest import MANIFEST_TABLE

# whether a schema row's statement makes a virtual table: SQLite stores its first words upper
# case, and the text is never decoded, so a damaged schema fails no sooner than SQLite does
IS_VIRTUAL = "substr(sql, 1, 21) = 'CREATE VIRTUAL TABLE '"


@dataclass(frozen=True)
class ColumnInfo:
    """One column as `PRAGMA table_info` describes it."""

    name: str
    type: str
    nullable: bool
    # position in the primary key, from 1; 0 when not part of it
    primary_key: int
    default: str | None


def quote(name: str) -> str:
    """An SQLite identifier, quoted whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def is_internal(table: str) -> bool:
    """Tables that are bookkeeping, not data: SQLite's own and the build manifest."""
    return table.startswith("sqlite_") or table == MANIFEST_TABLE


def data_tables(connection: sqlite3.Connection) -> list[str]:
    """The artifact's data tables by name, views and virtual tables left out."""
    rows = connection.execute(
        f"SELECT name FROM sqlite_schema WHERE type = 'table' AND NOT {IS_VIRTUAL} ORDER BY name"
    )
    return [name for (name,) in rows if not is_internal(name)]


def columns_of(connection: sqlite3.Connection, table: str) -> tuple[ColumnInfo, ...]:
    """The table's columns in their order; empty when no table has that name."""
    return tuple(
        ColumnInfo(name, type_, not notnull, pk, default)
        for _, name, type_, notnull, default, pk in connection.execute(
            f"PRAGMA table_info({quote(table)})"
        )
    )


def unexpected_objects(connection: sqlite3.Connection) -> list[str]:
    """Every view, trigger and virtual table in the schema, described in one line each."""
    found = []
    for type_, name, table in connection.execute(
        "SELECT type, name, tbl_name FROM sqlite_schema"
        f" WHERE type IN ('view', 'trigger') OR (type = 'table' AND {IS_VIRTUAL})"
        " ORDER BY type, name"
    ):
        if type_ == "view":
            found.append(f"view {name}")
        elif type_ == "trigger":
            found.append(f"trigger {name} on {table}")
        else:
            found.append(f"virtual table {name}")
    return found
