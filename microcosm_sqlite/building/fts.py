"""
The build's full-text indexes: one FTS5 index per table whose model declares `FullText`,
written once the rows are loaded and checked, named in the manifest (`artifact.fts`).

A declaration is checked before any source is read: its columns must be text columns of its
table, which must have rowids (the index's rows are the table's, by rowid), and the index's
name and its shadow tables' must be free.

"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from sqlalchemy import String, Table

from microcosm_sqlite.artifact.contents import SHADOW_SUFFIXES
from microcosm_sqlite.artifact.fts import fill_index, manifest_entries
from microcosm_sqlite.building.progress import BuildProgress, announce
from microcosm_sqlite.errors import BuildInputError
from microcosm_sqlite.fulltext import FullText, declared_indexes, index_name

__all__ = ["RESERVED", "declaration_problems", "write_indexes"]

logger = logging.getLogger(__name__)

# column names FTS5 keeps for itself
RESERVED = frozenset({"rank", "rowid"})


def declaration_problems(base: type[Any]) -> list[BuildInputError]:
    """Full-text declarations a build cannot write, one problem each, located at the table."""
    tables = base.metadata.tables
    taken = {name.lower() for name in tables}
    problems: list[BuildInputError] = []
    for table_name, declaration in declared_indexes(base).items():
        problems.extend(
            BuildInputError(f"FullText{declaration.columns!r}: {why}", file=table_name)
            for why in _unbuildable(tables[table_name], declaration, taken)
        )
    return problems


def _unbuildable(table: Table, declaration: FullText, taken: set[str]) -> list[str]:
    """Why the table's index cannot be written, one reason each."""
    name = index_name(table.name)
    reasons = []
    for column in declaration.columns:
        if column not in table.columns:
            reasons.append(f"the table has no column {column!r}")
        elif not _is_text(table.columns[column]):
            reasons.append(f"column {column!r} is not a text column")
        if column.lower() in RESERVED or column.lower() == name.lower():
            reasons.append(f"FTS5 reserves the column name {column!r}")
    if not table.dialect_options["sqlite"].get("with_rowid", True):
        reasons.append("the table is WITHOUT ROWID; the index's rows are the table's, by rowid")
    clashes = sorted(
        candidate
        for candidate in (name, *(name + suffix for suffix in SHADOW_SUFFIXES))
        if candidate.lower() in taken
    )
    if clashes:
        reasons.append(f"the index needs the table names {', '.join(clashes)}, which models use")
    return reasons


def write_indexes(
    connection: sqlite3.Connection, base: type[Any], progress: BuildProgress | None = None
) -> list[tuple[str, str]]:
    """Every declared index, written and merged; the manifest entries that name them."""
    declared: dict[str, FullText] = declared_indexes(base)
    for table, declaration in declared.items():
        announce(progress, f"indexing {table} for full-text search")
        fill_index(connection, table, declaration)
        logger.debug("wrote the full-text index of %s (%s)", table, ", ".join(declaration.columns))
    return manifest_entries(declared)


def _is_text(column: Any) -> bool:
    """Whether a column holds text: a String (Text, Unicode...) or a type decorating one."""
    kind = column.type
    return isinstance(kind, String) or isinstance(getattr(kind, "impl", None), String)
