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

MANIFEST_TABLE = "_microcosm_manifest"
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
    """The sha256 of the schema's CREATE statements, whitespace normalized, manifest left out."""
    rows = connection.execute(
        "SELECT type, name, sql FROM sqlite_schema"
        " WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND tbl_name != ?"
        " ORDER BY type, name",
        (MANIFEST_TABLE,),
    )
    digest = hashlib.sha256()
    for type_, name, sql in rows:
        digest.update(f"{type_} {name}: {' '.join(sql.split())}\n".encode())
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
    exists = connection.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", (MANIFEST_TABLE,)
    ).fetchone()
    if not exists:
        return None
    rows = connection.execute(f"SELECT key, value FROM {MANIFEST_TABLE} ORDER BY key")
    return {key: value for key, value in rows}


def manifest_tables(manifest: Mapping[str, str]) -> dict[str, int]:
    """Table name -> row count, from a manifest."""
    counts: dict[str, int] = {}
    for key, value in manifest.items():
        if key.startswith("table.") and key.endswith(".rows"):
            counts[key[len("table.") : -len(".rows")]] = int(value)
    return counts
