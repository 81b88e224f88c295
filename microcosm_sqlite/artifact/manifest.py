"""
The manifest an artifact carries: what it holds and what built it, for `inspect` and `verify`.

One key/value table, `_microcosm_manifest`: the data set's name, the library and SQLite versions
that built it, a fingerprint of its schema, and per table its row count. Nothing in it depends on
how the sources were spelled (their names, format, line endings, quoting, column order), so the
same rows and models give the same bytes. Manifests of 3.0 (version 1) also recorded each
table's source file name and the sha256 of its bytes.

No fingerprint of the rows is kept: one would read every row back into Python at each build
(a build of a million rows 40% slower). The artifact's own sha256 (what a URL is pinned by)
stands for its content, and `diff` compares rows.

A file one did not build may hold anything there: readers take the entries whose key and value
are text (`read_manifest`), and `manifest_problems` says what else is wrong, one line each (a key
that is NULL or a number, a blob value, a key twice, a row count that is no whole number).

"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any, NamedTuple

from microcosm_sqlite.artifact.contents import MANIFEST_TABLE, quote, schema_statements
from microcosm_sqlite.formatting import quote_text

__all__ = [
    "MANIFEST_VERSION",
    "READABLE_VERSIONS",
    "TableReport",
    "has_manifest",
    "library_version",
    "manifest_entries",
    "manifest_problems",
    "manifest_tables",
    "read_manifest",
    "schema_fingerprint",
    "write_manifest",
]

MANIFEST_VERSION = "2"
# the manifests this library reads: 1, by 3.0 (source file names and hashes), and its own
READABLE_VERSIONS = ("1", MANIFEST_VERSION)


class TableReport(NamedTuple):
    """One loaded table: its row count."""

    name: str
    rows: int


def library_version() -> str:
    """This library's installed version, recorded in each artifact it builds."""
    try:
        return version("microcosm-sqlite")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def schema_fingerprint(connection: sqlite3.Connection) -> str:
    """The sha256 of the data's schema: its CREATE statements, whitespace normalized."""
    digest = hashlib.sha256()
    for type_, name, sql in schema_statements(connection):
        digest.update(f"{type_} {name}: {sql}\n".encode())
    return digest.hexdigest()


def manifest_entries(
    dataset: str, schema_sha256: str, tables: Sequence[TableReport]
) -> list[tuple[str, str]]:
    """The manifest's key/value rows, sorted by key."""
    entries = {
        "manifest_version": MANIFEST_VERSION,
        "dataset": dataset,
        "library_version": library_version(),
        "sqlite_version": sqlite3.sqlite_version,
        "schema_sha256": schema_sha256,
    }
    for table in tables:
        entries[f"table.{table.name}.rows"] = str(table.rows)
    return sorted(entries.items())


def write_manifest(connection: sqlite3.Connection, entries: Sequence[tuple[str, str]]) -> None:
    """Create the manifest table and write its entries (a new artifact only)."""
    connection.execute(
        f"CREATE TABLE {MANIFEST_TABLE} (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)"
        " WITHOUT ROWID"
    )
    connection.executemany(f"INSERT INTO {MANIFEST_TABLE} (key, value) VALUES (?, ?)", entries)


def read_manifest(connection: sqlite3.Connection) -> dict[str, str] | None:
    """
    An artifact's manifest as a dict, or None when it has none: the entries whose key and value
    are both text (`manifest_problems` tells the others).

    """
    if not has_manifest(connection):
        return None
    return {
        key: value
        for key, value in _entries(connection)
        if isinstance(key, str) and isinstance(value, str)
    }


def manifest_problems(connection: sqlite3.Connection) -> list[str]:
    """What is wrong with the manifest's entries, one line each; none when it has none."""
    if not has_manifest(connection):
        return []
    columns = {row[1] for row in connection.execute(f"PRAGMA table_info({MANIFEST_TABLE})")}
    if not {"key", "value"} <= columns:
        return [f"manifest: its table {MANIFEST_TABLE} has no key and value columns"]
    problems = []
    keys: Counter[str] = Counter()
    for key, value in _entries(connection):
        if not isinstance(key, str):
            problems.append(f"manifest: an entry's key is {_kind(key)}, not text")
            continue
        keys[key] += 1
        if not isinstance(value, str):
            problems.append(f"manifest: {quote_text(key)} is {_kind(value)}, not text")
        elif _table_of(key) is not None and not _is_count(value):
            problems.append(f"manifest: {quote_text(key)} is {quote_text(value)}, not a row count")
    problems.extend(
        f"manifest: {quote_text(key)} is there {count} times"
        for key, count in keys.items()
        if count > 1
    )
    return problems


def has_manifest(connection: sqlite3.Connection) -> bool:
    """Whether the file has a manifest table: whether a build wrote it."""
    found = connection.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", (MANIFEST_TABLE,)
    ).fetchone()
    return found is not None


def manifest_tables(manifest: Mapping[str, str]) -> dict[str, int | None]:
    """Table name -> row count, from a manifest; None for a count that is no whole number."""
    counts: dict[str, int | None] = {}
    for key, value in manifest.items():
        table = _table_of(key)
        if table is not None:
            counts[table] = int(value) if _is_count(value) else None
    return counts


def _entries(connection: sqlite3.Connection) -> list[tuple[Any, Any]]:
    """The manifest's rows as SQLite stores them, whatever their types; none if unreadable."""
    columns = {row[1] for row in connection.execute(f"PRAGMA table_info({MANIFEST_TABLE})")}
    if not {"key", "value"} <= columns:
        return []
    return connection.execute(
        f"SELECT key, value FROM {quote(MANIFEST_TABLE)} ORDER BY key"
    ).fetchall()


def _table_of(key: str) -> str | None:
    """The table a `table.<name>.rows` key counts the rows of; None for other keys."""
    if key.startswith("table.") and key.endswith(".rows") and len(key) > len("table..rows"):
        return key[len("table.") : -len(".rows")]
    return None


def _is_count(value: str) -> bool:
    """Whether a manifest value is a row count as a build writes one: ASCII digits."""
    return value.isascii() and value.isdigit()


def _kind(value: Any) -> str:
    """What a value that is not text is, for a problem's line."""
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return "a blob"
    return f"a number ({value!r})"
