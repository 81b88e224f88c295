"""
Full-text indexes in an artifact: the FTS5 tables a build writes for the models' `FullText`
declarations, and how a reader of a file it did not build vouches for them.

A build writes one contentless FTS5 table per declaring table, `<table>_fts`: it holds the
index alone (no copy of the text), its rowids are the table's, and its statement is always
written the same way (`create_statement`):

    CREATE VIRTUAL TABLE "airports_fts" USING fts5("name", "city", content='',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')

FTS5 keeps the index in four shadow tables (`<index>_data`, `_idx`, `_docsize`, `_config`),
and the manifest names the index (`table.<table>.fulltext`). The rows go in in rowid order,
in one transaction, then the index is merged into one segment (`optimize`): the same rows give
the same bytes, which `verify` uses to check an index against its table's rows.

A virtual table runs a module's code when read, so readers refuse every one they cannot vouch
for (`vouch`): only a table whose statement is exactly what a build writes (FTS5, contentless,
a built-in tokenizer), that the manifest names for a data table, whose shadow tables and
nothing else on them are exactly what FTS5 makes for that statement, is accepted.

"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from itertools import zip_longest
from typing import Any, NamedTuple

from microcosm_sqlite.artifact.contents import (
    IS_VIRTUAL,
    SHADOW_SUFFIXES,
    SQLITE_OWN,
    data_tables,
    quote,
)
from microcosm_sqlite.artifact.manifest import read_manifest
from microcosm_sqlite.formatting import name_text
from microcosm_sqlite.fulltext import INDEX_SUFFIX, FullText, index_name

__all__ = [
    "MANIFEST_KEY",
    "FullTextIndex",
    "create_statement",
    "fill_index",
    "index_difference",
    "manifest_entries",
    "matches_rows",
    "parse_statement",
    "vouch",
]

# the manifest entry naming a table's full-text index: table.<table>.fulltext = <index>
MANIFEST_KEY = "table.{table}.fulltext"
# a quoted identifier, as `quote` writes one
QUOTED = r'"(?:[^"]|"")+"'
# the statement a build writes, in parts: anything else is not a build's
STATEMENT = re.compile(
    rf"CREATE VIRTUAL TABLE (?P<name>{QUOTED}) USING fts5\("
    rf"(?P<columns>{QUOTED}(?:, {QUOTED})*), content='', tokenize='(?P<tokenize>[^']*)'"
    r"(?:, prefix='(?P<prefix>[0-9]+(?: [0-9]+)*)')?\)"
)


class FullTextIndex(NamedTuple):
    """One full-text index of an artifact: its name, the table it indexes, its declaration."""

    name: str
    table: str
    declaration: FullText


def create_statement(table: str, declaration: FullText) -> str:
    """The one way a build writes a table's full-text index."""
    columns = ", ".join(quote(column) for column in declaration.columns)
    prefix = declaration.prefix
    options = f"content='', tokenize='{declaration.tokenize}'"
    if prefix:
        options += f", prefix='{' '.join(map(str, prefix))}'"
    return f"CREATE VIRTUAL TABLE {quote(index_name(table))} USING fts5({columns}, {options})"


def parse_statement(sql: str) -> tuple[str, FullText] | None:
    """
    The table and declaration a build's statement was written for; None for any statement a
    build would not write, to the character.

    """
    found = STATEMENT.fullmatch(sql)
    if found is None:
        return None
    name = _dequote(found["name"])
    if not name.endswith(INDEX_SUFFIX) or name == INDEX_SUFFIX:
        return None
    columns = tuple(_dequote(part) for part in re.findall(QUOTED, found["columns"]))
    prefix = tuple(int(length) for length in (found["prefix"] or "").split())
    try:
        declaration = FullText(*columns, tokenize=found["tokenize"], prefix=prefix)
    except (TypeError, ValueError):
        return None
    table = name[: -len(INDEX_SUFFIX)]
    if create_statement(table, declaration) != sql:
        return None
    return table, declaration


def fill_index(
    connection: sqlite3.Connection,
    table: str,
    declaration: FullText,
    rows: Iterable[Sequence[Any]] | None = None,
) -> None:
    """
    Create a table's index and fill it: from the table in the same file, or from `rows`
    (rowid, then the columns, in rowid order) read elsewhere, with the same bytes either way.
    Call it inside a transaction.

    """
    name = quote(index_name(table))
    columns = ", ".join(quote(column) for column in declaration.columns)
    connection.execute(create_statement(table, declaration))
    if rows is None:
        connection.execute(
            f"INSERT INTO {name} (rowid, {columns})"
            f" SELECT rowid, {columns} FROM {quote(table)} ORDER BY rowid"
        )
    else:
        marks = ", ".join("?" for _ in range(len(declaration.columns) + 1))
        connection.executemany(f"INSERT INTO {name} (rowid, {columns}) VALUES ({marks})", rows)
    # one segment: the index a build writes, whatever order merges would have come in
    connection.execute(f"INSERT INTO {name} ({name}) VALUES ('optimize')")


def matches_rows(connection: sqlite3.Connection, index: FullTextIndex) -> bool:
    """
    Whether an index holds exactly what a build writes for its table's rows: the index is built
    again from them, in a private temporary database, and its shadow tables compared row by row.

    """
    columns = ", ".join(quote(column) for column in index.declaration.columns)
    rows = connection.execute(f"SELECT rowid, {columns} FROM {quote(index.table)} ORDER BY rowid")
    scratch = sqlite3.connect("", isolation_level=None)
    try:
        scratch.execute("BEGIN")
        fill_index(scratch, index.table, index.declaration, rows)
        scratch.execute("COMMIT")
        for suffix in ("_data", "_idx", "_docsize", "_config"):
            select = f"SELECT * FROM {quote(index.name + suffix)} ORDER BY 1, 2"
            built, found = scratch.execute(select), connection.execute(select)
            if any(a != b for a, b in zip_longest(built, found)):
                return False
        return True
    finally:
        scratch.close()


def manifest_entries(tables: Iterable[str]) -> list[tuple[str, str]]:
    """The manifest's entries naming each table's index."""
    return [(MANIFEST_KEY.format(table=table), index_name(table)) for table in tables]


def index_difference(
    connection: sqlite3.Connection, table: str, declaration: FullText
) -> str | None:
    """How the artifact's index for `table` differs from the declaration's, or None."""
    name = index_name(table)
    found = connection.execute(
        "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    if found is None:
        return f"table {table}: no full-text index {name} (the models declare one: rebuild it)"
    if found[0] != create_statement(table, declaration):
        return (
            f"table {table}: full-text index {name} is not the one the models declare"
            f" ({found[0]}): rebuild it"
        )
    return None


def vouch(connection: sqlite3.Connection) -> tuple[list[FullTextIndex], list[str]]:
    """
    The artifact's full-text indexes a reader may use, and one line for each virtual table it
    may not (why it is refused). Nothing here reads a virtual table: only the schema and the
    manifest.

    """
    virtual = connection.execute(
        f"SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND {IS_VIRTUAL} ORDER BY name"
    ).fetchall()
    if not virtual:
        return [], []
    manifest = read_manifest(connection) or {}
    tables = set(data_tables(connection))
    vouched: list[FullTextIndex] = []
    refused: list[str] = []
    for name, sql in virtual:
        parsed = parse_statement(sql)
        if parsed is None or index_name(parsed[0]) != name:
            why = "not a full-text index a build writes"
        elif parsed[0] not in tables:
            why = "indexes no table of the artifact"
        elif manifest.get(MANIFEST_KEY.format(table=parsed[0])) != name:
            why = "not named in the manifest"
        elif _shadow_rows(connection, name) != _expected_shadow_rows(sql, name):
            why = "its shadow tables are not the ones FTS5 makes"
        else:
            vouched.append(FullTextIndex(name, parsed[0], parsed[1]))
            continue
        refused.append(f"virtual table {name_text(name)} ({why})")
    return vouched, refused


def _shadow_rows(connection: sqlite3.Connection, name: str) -> set[tuple[Any, ...]]:
    """Every schema row of an index's shadow tables, and of anything made on them."""
    names = [name + suffix for suffix in SHADOW_SUFFIXES]
    marks = ", ".join("?" for _ in names)
    return set(
        connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_schema"
            f" WHERE (name COLLATE NOCASE IN ({marks}) OR tbl_name COLLATE NOCASE IN ({marks}))"
            f" AND NOT {SQLITE_OWN}",
            [*names, *names],
        )
    )


def _expected_shadow_rows(sql: str, name: str) -> set[tuple[Any, ...]]:
    """What FTS5 makes for the statement, made in memory by this SQLite."""
    scratch = sqlite3.connect(":memory:")
    try:
        scratch.execute(sql)
        return _shadow_rows(scratch, name)
    finally:
        scratch.close()


def _dequote(quoted: str) -> str:
    """A name quoted as `quote` quotes it, back."""
    return quoted[1:-1].replace('""', '"')
