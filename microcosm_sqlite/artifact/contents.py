"""
What an artifact's schema holds: data tables with their columns, indexes and foreign keys; the
tables that are bookkeeping, not data; and anything no build writes.

A build writes tables, their indexes, the manifest (`MANIFEST_TABLE`) and the full-text
indexes the models declare (`artifact.fts`), FTS5 virtual tables whose index lives in shadow
tables (`SHADOW`: none of them is data). SQLite keeps tables of its own beside them
(`sqlite_stat1` after ANALYZE, `sqlite_sequence`...), named with the prefix it reserves,
`sqlite_` in any case: `SQLITE_OWN` is the one test for them. Views, triggers and virtual tables
hold SQL (or a module's code) that would run when the file is read, so readers of files they did
not build refuse them before running any query but these (`artifact.defences`), all but the
full-text indexes they can vouch for.

"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from microcosm_sqlite.formatting import name_text

__all__ = [
    "AUTOMATIC_INDEXES",
    "GENERATED",
    "IS_VIRTUAL",
    "MANIFEST_TABLE",
    "SHADOW",
    "SHADOW_SUFFIXES",
    "SQLITE_OWN",
    "ColumnInfo",
    "ForeignKeyInfo",
    "IndexInfo",
    "columns_of",
    "data_tables",
    "foreign_keys_of",
    "indexes_of",
    "key_columns",
    "quote",
    "schema_statements",
    "stored_order",
    "unexpected_objects",
]

# the table a build's manifest lives in (`microcosm_sqlite.artifact.manifest`)
MANIFEST_TABLE = "_microcosm_manifest"

# whether a schema row's object is SQLite's own: SQLite reserves names that start `sqlite_`,
# whatever their case, and refuses to create others so named. Not `LIKE 'sqlite_%'`, whose `_`
# matches any character (a table `sqliteusers` is data)
SQLITE_OWN = "substr(name, 1, 7) = 'sqlite_' COLLATE NOCASE"

# whether a schema row's statement makes a virtual table: SQLite stores its first words upper
# case, and the text is never decoded, so a damaged schema fails no sooner than SQLite does
IS_VIRTUAL = "substr(sql, 1, 21) = 'CREATE VIRTUAL TABLE '"

# the suffixes of the shadow tables FTS5 keeps a virtual table's index in (`_content` only for
# tables with content, which no build writes)
SHADOW_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config")
# whether a schema row is a shadow table of a virtual table: named after one, with a suffix above
SHADOW = (
    "lower(name) IN (SELECT lower(vt.name) || suffix.column1 FROM sqlite_schema AS vt, (VALUES "
    + ", ".join(f"('{suffix}')" for suffix in SHADOW_SUFFIXES)
    + ") AS suffix WHERE vt.type = 'table' AND substr(vt.sql, 1, 21) = 'CREATE VIRTUAL TABLE ')"
)

# why SQLite made an index itself, by `PRAGMA index_list`'s origin; "c" is CREATE INDEX
AUTOMATIC_INDEXES = {"pk": "the PRIMARY KEY", "u": "a UNIQUE constraint"}


# `PRAGMA table_xinfo`'s `hidden`: how a generated column is stored
GENERATED = {2: "VIRTUAL", 3: "STORED"}


class ColumnInfo(NamedTuple):
    """One column as `PRAGMA table_xinfo` describes it."""

    name: str
    type: str
    nullable: bool
    # position in the primary key, from 1; 0 when not part of it
    primary_key: int
    default: str | None
    # a generated column's storage, VIRTUAL or STORED (its value is computed, never loaded)
    generated: str | None = None

    def declared_as(self, *names: str) -> bool:
        """Whether the declared type is one of `names`, by its first word (`JSON TEXT` is JSON)."""
        words = self.type.upper().split("(")[0].split()
        return bool(words) and words[0] in names

    def constraints(self, shown: Callable[[str], str] = str) -> list[str]:
        """What the pragma says besides the name and type, the default's SQL through `shown`."""
        parts = [] if self.nullable else ["NOT NULL"]
        if self.primary_key:
            parts.append("PRIMARY KEY")
        if self.default is not None:
            parts.append(f"DEFAULT {shown(self.default)}")
        if self.generated:
            parts.append(f"GENERATED {self.generated}")
        return parts


class IndexInfo(NamedTuple):
    """One index: its name, whether it is unique, its columns in order."""

    name: str
    unique: bool
    columns: tuple[str, ...]
    # what SQLite made it for (`sqlite_autoindex_*`), or None for the models' own indexes
    automatic: str | None = None


class ForeignKeyInfo(NamedTuple):
    """One foreign key: its columns, the table and columns it references, and its actions."""

    columns: tuple[str, ...]
    table: str
    # the referenced columns; empty when the key names only the table (its primary key)
    references: tuple[str, ...]
    on_update: str = "NO ACTION"
    on_delete: str = "NO ACTION"

    def describe(self) -> str:
        """`foreign key (author_id) references authors (id)`, with its actions if it has any."""
        target = f" ({', '.join(self.references)})" if self.references else ""
        text = f"foreign key ({', '.join(self.columns)}) references {self.table}{target}"
        for event, action in (("update", self.on_update), ("delete", self.on_delete)):
            if action != "NO ACTION":
                text += f" on {event} {action.lower()}"
        return text


def quote(name: str) -> str:
    """An SQLite identifier, quoted whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def data_tables(connection: sqlite3.Connection) -> list[str]:
    """
    The artifact's data tables by name: not SQLite's own, the manifest, views, virtual tables
    or their shadow tables.

    """
    rows = connection.execute(
        "SELECT name FROM sqlite_schema"
        f" WHERE type = 'table' AND NOT {IS_VIRTUAL} AND NOT {SQLITE_OWN} AND name != ?"
        f" AND NOT {SHADOW} ORDER BY name",
        (MANIFEST_TABLE,),
    )
    return [name for (name,) in rows]


def schema_statements(connection: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """
    The data's schema as `(type, name, CREATE statement)`, whitespace normalized, by type and
    name: what the manifest's fingerprint hashes and `textconv` shows. SQLite's own objects, the
    manifest and the shadow tables of virtual tables (their statements follow from the virtual
    table's) are left out.

    """
    rows = connection.execute(
        "SELECT type, name, sql FROM sqlite_schema"
        f" WHERE sql IS NOT NULL AND NOT {SQLITE_OWN} AND tbl_name != ? AND NOT {SHADOW}"
        " ORDER BY type, name",
        (MANIFEST_TABLE,),
    )
    return [(type_, name, " ".join(sql.split())) for type_, name, sql in rows]


def columns_of(
    connection: sqlite3.Connection, table: str, *, generated: bool = False
) -> tuple[ColumnInfo, ...]:
    """
    The table's columns in their order; empty when no table has that name.

    Generated columns only when asked for (`generated`): a source never holds their values,
    so a build loads and a dump writes none, but they are part of the schema and its rows.

    """
    return tuple(
        ColumnInfo(name, type_, not notnull, pk, default, GENERATED.get(hidden))
        for _, name, type_, notnull, default, pk, hidden in connection.execute(
            f"PRAGMA table_xinfo({quote(table)})"
        )
        if hidden == 0 or (generated and hidden in GENERATED)
    )


def key_columns(columns: Iterable[ColumnInfo]) -> tuple[ColumnInfo, ...]:
    """The primary key's columns in key order (not table order); empty when there is none."""
    return tuple(
        sorted((column for column in columns if column.primary_key), key=lambda c: c.primary_key)
    )


def indexes_of(connection: sqlite3.Connection, table: str) -> tuple[IndexInfo, ...]:
    """The table's indexes by name, SQLite's automatic ones marked."""
    indexes = []
    for _, name, unique, origin, *_ in connection.execute(f"PRAGMA index_list({quote(table)})"):
        columns = tuple(
            column or "<expression>"
            for _, _, column in connection.execute(f"PRAGMA index_info({quote(name)})")
        )
        indexes.append(IndexInfo(name, bool(unique), columns, AUTOMATIC_INDEXES.get(origin)))
    return tuple(sorted(indexes, key=lambda index: index.name))


def foreign_keys_of(connection: sqlite3.Connection, table: str) -> tuple[ForeignKeyInfo, ...]:
    """The table's foreign keys, each with its columns in key order."""
    keys: dict[int, list[Any]] = {}
    for key_id, _, parent, child, target, on_update, on_delete, _ in connection.execute(
        f"PRAGMA foreign_key_list({quote(table)})"
    ):
        key = keys.setdefault(key_id, [[], parent, [], on_update, on_delete])
        key[0].append(child)
        if target is not None:
            key[2].append(target)
    found = (
        ForeignKeyInfo(tuple(children), parent, tuple(targets), on_update, on_delete)
        for children, parent, targets, on_update, on_delete in keys.values()
    )
    return tuple(sorted(found, key=lambda key: (key.columns, key.table)))


def unexpected_objects(connection: sqlite3.Connection, virtual: bool = True) -> list[str]:
    """
    Every view, trigger and (unless `virtual` is false) virtual table in the schema, described
    in one line each (names quoted where they hold what is not printable).

    """
    found = []
    tables = f" OR (type = 'table' AND {IS_VIRTUAL})" if virtual else ""
    for type_, name, table in connection.execute(
        "SELECT type, name, tbl_name FROM sqlite_schema"
        f" WHERE type IN ('view', 'trigger'){tables}"
        " ORDER BY type, name"
    ):
        if type_ == "view":
            found.append(f"view {name_text(name)}")
        elif type_ == "trigger":
            found.append(f"trigger {name_text(name)} on {name_text(table)}")
        else:
            found.append(f"virtual table {name_text(name)}")
    return found


def stored_order(connection: sqlite3.Connection, table: str) -> str:
    """
    What to ORDER BY to read a table's rows in the order they are stored in: its rowid (under
    a name no column takes), which is the order a build wrote them in; the primary key in a
    table without a rowid, or whose rowid names columns all take.

    """
    columns = columns_of(connection, table, generated=True)
    taken = {column.name.lower() for column in columns}
    for alias in ("rowid", "_rowid_", "oid"):
        if alias in taken:
            continue
        try:
            connection.execute(f"SELECT {alias} FROM {quote(table)} LIMIT 0")
        except sqlite3.OperationalError:  # WITHOUT ROWID: stored in key order
            break
        return alias
    return ", ".join(quote(column.name) for column in key_columns(columns)) or "rowid"
