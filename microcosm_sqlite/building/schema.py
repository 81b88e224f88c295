"""
The data set's schema as a build writes it: its tables in which order, with which DDL.

`load_order` puts tables after the tables they reference; the DDL is written in the artifact's
dialect (`microcosm_sqlite.artifact.dialect`).

"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Index, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from microcosm_sqlite.artifact.contents import quote

__all__ = ["index_ddl", "load_order", "server_defaults", "sorted_indexes", "table_ddl"]

logger = logging.getLogger(__name__)


# --- load order -----------------------------------------------------------------------------


def load_order(tables: Iterable[Table]) -> list[Table]:
    """
    Tables with the ones they reference first; ties in name order.

    Tables in a reference cycle load in name order after their other dependencies: foreign
    keys are checked after everything loads, so the order only keeps the checks readable.

    """
    pending = {table.name: table for table in sorted(tables, key=lambda table: table.name)}
    depends = {
        name: {
            key.column.table.name
            for key in table.foreign_keys
            if key.column.table.name in pending and key.column.table.name != name
        }
        for name, table in pending.items()
    }
    ordered: list[Table] = []
    while pending:
        ready = [name for name in pending if not depends[name] & set(pending)]
        if not ready:
            cycle = sorted(pending)
            logger.info("tables %s reference each other; loading in name order", cycle)
            ready = cycle[:1]
        for name in ready:
            ordered.append(pending.pop(name))
    return ordered


# --- the schema -----------------------------------------------------------------------------


# typed as Any first: SQLAlchemy 2.0 leaves the constructor untyped
new_create_index: Any = CreateIndex


def table_ddl(table: Table, dialect: Dialect) -> str:
    """The `CREATE TABLE` statement the build runs for `table`."""
    return str(CreateTable(table).compile(dialect=dialect)).strip()


def index_ddl(index: Index, dialect: Dialect) -> str:
    """The `CREATE INDEX` statement the build runs for `index`."""
    return str(new_create_index(index).compile(dialect=dialect)).strip()


def sorted_indexes(table: Table) -> list[Index]:
    """A table's indexes by name: a fixed order keeps the build's bytes the same."""
    return sorted(table.indexes, key=lambda index: index.name or "")


def server_defaults(connection: sqlite3.Connection, table: str) -> dict[str, Any]:
    """
    Each column's `server_default` as SQLite evaluates it, for sources that leave it out.

    Raises `sqlite3.Error` when SQLite cannot evaluate one.

    """
    defaults: dict[str, Any] = {}
    for _, name, _, _, default, _ in connection.execute(f"PRAGMA table_info({quote(table)})"):
        if default is not None:
            defaults[name] = connection.execute(f"SELECT {default}").fetchone()[0]
    return defaults
