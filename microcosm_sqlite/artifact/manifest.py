"""
The manifest an artifact carries: what it holds and where it came from, for `inspect` and `verify`.

One key/value table, `_microcosm_manifest`: the data set's name, the library and SQLite versions
that built it, a fingerprint of its schema, and per table its row count and its source's sha256.

"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from microcosm_sqlite.artifact.contents import MANIFEST_TABLE, schema_statements

__all__ = [
    "MANIFEST_VERSION",
    "TableReport",
    "has_manifest",
    "library_version",
    "manifest_entries",
    "manifest_tables",
    "read_manifest",
    "schema_fingerprint",
    "write_manifest",
]

MANIFEST_VERSION = "1"


@dataclass(frozen=True)
class TableReport:
    """One loaded table: its row count and where the rows came from."""

    name: str
    rows: int
    source: str | None = None
    sha256: str | None = None


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
        entries[f"table.{table.name}.source"] = table.source or ""
        entries[f"table.{table.name}.source_sha256"] = table.sha256 or ""
    return sorted(entries.items())


def write_manifest(connection: sqlite3.Connection, entries: Sequence[tuple[str, str]]) -> None:
    """Create the manifest table and write its entries (a new artifact only)."""
    connection.execute(
        f"CREATE TABLE {MANIFEST_TABLE} (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)"
        " WITHOUT ROWID"
    )
    connection.executemany(f"INSERT INTO {MANIFEST_TABLE} (key, value) VALUES (?, ?)", entries)


def read_manifest(connection: sqlite3.Connection) -> dict[str, str] | None:
    """An artifact's manifest as a dict, or None when it has none."""
    if not has_manifest(connection):
        return None
    rows = connection.execute(f"SELECT key, value FROM {MANIFEST_TABLE} ORDER BY key")
    return {key: value for key, value in rows}


def has_manifest(connection: sqlite3.Connection) -> bool:
    """Whether the file has a manifest table: whether a build wrote it."""
    found = connection.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", (MANIFEST_TABLE,)
    ).fetchone()
    return found is not None


def manifest_tables(manifest: Mapping[str, str]) -> dict[str, int]:
    """Table name -> row count, from a manifest."""
    counts: dict[str, int] = {}
    for key, value in manifest.items():
        if key.startswith("table.") and key.endswith(".rows"):
            counts[key[len("table.") : -len(".rows")]] = int(value)
    return counts
