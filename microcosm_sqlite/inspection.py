"""
Looking at built artifacts: `inspect` (what is in it), `verify` (is it sound, does it match its
models) and `dump` (the way back to sources that `build` accepts).

Artifacts open as `microcosm_sqlite.artifact.opening` opens them: read-only, with SQLite's
defences for files one did not build, and refused when their schema holds views, triggers or
virtual tables, whose SQL would run on reading (`verify` reports them instead).

Dumps write the stored values, so a dump then a build gives the same rows: CSV writes NULL as
an empty field, booleans as true/false and binary as hexadecimal; JSON Lines writes JSON
columns as nested JSON. Text is written as it is, in UTF-8: JSON (JSON Lines, and a CSV dump's
JSON columns) escapes only what it must, control characters and lone surrogates. CSV cannot
tell an empty string from NULL, so a CSV dump of a table holding empty strings fails, naming
the row by its primary key: dump it as JSON Lines instead.

Every error names the artifact's path. A corrupt artifact (a sound header over damaged pages)
is a `NotADatabaseError`, except in `verify`, which reports the damage as a difference.

"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from microcosm_sqlite.artifact.checks import foreign_key_problems, integrity_problems
from microcosm_sqlite.artifact.contents import (
    ColumnInfo,
    columns_of,
    data_tables,
    quote,
    unexpected_objects,
)
from microcosm_sqlite.artifact.model_schema import schema_differences
from microcosm_sqlite.artifact.opening import open_artifact
from microcosm_sqlite.errors import DumpError
from microcosm_sqlite.formatting import json_text, number, plural, size, unescape_json
from microcosm_sqlite.manifest import (
    MANIFEST_TABLE,
    manifest_tables,
    read_manifest,
    schema_fingerprint,
)

DumpFormat = Literal["csv", "jsonl"]
DUMP_FORMATS: tuple[DumpFormat, ...] = ("csv", "jsonl")


# --- inspect --------------------------------------------------------------------------------


# why SQLite made an index itself, by `PRAGMA index_list`'s origin; "c" is CREATE INDEX
AUTOMATIC_INDEXES = {"pk": "the PRIMARY KEY", "u": "a UNIQUE constraint"}


@dataclass(frozen=True)
class IndexInfo:
    """One index as `inspect` shows it."""

    name: str
    unique: bool
    columns: tuple[str, ...]
    # what SQLite made it for (`sqlite_autoindex_*`), or None for the models' own indexes
    automatic: str | None = None


@dataclass(frozen=True)
class ForeignKeyInfo:
    """One foreign key as `inspect` shows it."""

    columns: tuple[str, ...]
    table: str
    # the referenced columns; empty when the key names only the table (its primary key)
    references: tuple[str, ...]
    on_update: str = "NO ACTION"
    on_delete: str = "NO ACTION"


@dataclass(frozen=True)
class TableInfo:
    """One table as `inspect` shows it: rows, columns, indexes and foreign keys."""

    name: str
    rows: int
    columns: tuple[ColumnInfo, ...]
    indexes: tuple[IndexInfo, ...]
    foreign_keys: tuple[ForeignKeyInfo, ...] = ()


@dataclass(frozen=True)
class ArtifactInfo:
    """What `inspect` shows; `as_dict()` is its JSON form."""

    path: str
    size: int
    page_size: int
    page_count: int
    journal_mode: str
    tables: tuple[TableInfo, ...]
    manifest: dict[str, str] | None = field(default=None)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form `inspect --json` prints."""
        return asdict(self)


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


def inspect_artifact(path: str | os.PathLike[str]) -> ArtifactInfo:
    """Tables, columns, row counts, indexes, size and manifest of an artifact."""
    with open_artifact(path) as connection:
        tables = tuple(
            TableInfo(
                name,
                connection.execute(f"SELECT count(*) FROM {quote(name)}").fetchone()[0],
                columns_of(connection, name),
                indexes_of(connection, name),
                foreign_keys_of(connection, name),
            )
            for name in data_tables(connection)
        )
        return ArtifactInfo(
            path=os.fspath(path),
            size=Path(path).stat().st_size,
            page_size=connection.execute("PRAGMA page_size").fetchone()[0],
            page_count=connection.execute("PRAGMA page_count").fetchone()[0],
            journal_mode=connection.execute("PRAGMA journal_mode").fetchone()[0],
            tables=tables,
            manifest=read_manifest(connection),
        )


def describe(info: ArtifactInfo) -> str:
    """`inspect`'s text form."""
    lines = [
        f"{info.path}: {size(info.size)} ({plural(info.page_count, 'page')} of"
        f" {plural(info.page_size, 'byte')}), journal mode {info.journal_mode}"
    ]
    for table in info.tables:
        lines.append(f"table {table.name}: {plural(table.rows, 'row')}")
        for column in table.columns:
            flags = [] if column.nullable else ["NOT NULL"]
            if column.primary_key:
                flags.append("PRIMARY KEY")
            if column.default is not None:
                flags.append(f"DEFAULT {column.default}")
            lines.append(f"  {column.name} {column.type} {' '.join(flags)}".rstrip())
        for key in table.foreign_keys:
            lines.append(f"  {describe_foreign_key(key)}")
        for index in table.indexes:
            unique = "unique " if index.unique else ""
            automatic = f" [automatic, for {index.automatic}]" if index.automatic else ""
            lines.append(f"  {unique}index {index.name} ({', '.join(index.columns)}){automatic}")
    if info.manifest is None:
        lines.append("no manifest (not built by microcosm-sqlite build)")
    else:
        lines.append("manifest:")
        lines.extend(f"  {key} = {value}" for key, value in info.manifest.items())
    return "\n".join(lines)


def describe_foreign_key(key: ForeignKeyInfo) -> str:
    """`foreign key (author_id) references authors (id)`, with its actions when it has any."""
    target = f" ({', '.join(key.references)})" if key.references else ""
    text = f"foreign key ({', '.join(key.columns)}) references {key.table}{target}"
    for event, action in (("update", key.on_update), ("delete", key.on_delete)):
        if action != "NO ACTION":
            text += f" on {event} {action.lower()}"
    return text


# --- verify ---------------------------------------------------------------------------------


def verify_artifact(path: str | os.PathLike[str], base: type[Any] | None = None) -> list[str]:
    """
    Every way the artifact is unsound or differs from its manifest (and models): one line each.

    An empty list means the artifact holds: integrity, foreign keys, manifest against content,
    and, given the data set base, tables and columns against the models. Damage bad enough
    that SQLite's integrity check itself fails is one difference too, not an exception.

    """
    with open_artifact(path, refuse_unexpected=False) as connection:
        differences = [f"integrity: {problem}" for problem in integrity_problems(connection)]
        # what no build writes holds SQL of its own: reported, and nothing more is read
        differences.extend(
            f"not written by a build: {found}" for found in unexpected_objects(connection)
        )
        if differences:
            return differences
        differences.extend(foreign_key_problems(connection))
        differences.extend(manifest_differences(connection))
        if base is not None:
            manifest = read_manifest(connection) or {}
            dataset = manifest.get("dataset")
            if dataset is not None and dataset != base.__dataset__:
                differences.append(
                    f"manifest: data set {dataset!r}, but the models are of {base.__dataset__!r}"
                )
            differences.extend(schema_differences(connection, base.metadata.tables.values()))
    return differences


def manifest_differences(connection: sqlite3.Connection) -> list[str]:
    """The manifest against the content: schema fingerprint and row counts."""
    manifest = read_manifest(connection)
    if manifest is None:
        return [f"manifest: no {MANIFEST_TABLE} table (not built by microcosm-sqlite build)"]
    differences = []
    recorded = manifest.get("schema_sha256")
    actual = schema_fingerprint(connection)
    if recorded != actual:
        differences.append(f"manifest: schema sha256 {recorded} but the schema's is {actual}")
    counts = manifest_tables(manifest)
    tables = set(data_tables(connection))
    for table in sorted(counts.keys() | tables):
        if table not in tables:
            differences.append(f"manifest: table {table} is listed but missing")
        elif table not in counts:
            differences.append(f"manifest: table {table} is not listed")
        else:
            rows = connection.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()[0]
            if rows != counts[table]:
                differences.append(
                    f"manifest: table {table} should hold {plural(counts[table], 'row')},"
                    f" holds {number(rows)}"
                )
    return differences


# --- dump -----------------------------------------------------------------------------------


def _order(connection: sqlite3.Connection, table: str, columns: Sequence[ColumnInfo]) -> str:
    keys = sorted((column for column in columns if column.primary_key), key=lambda c: c.primary_key)
    if keys:
        return ", ".join(quote(column.name) for column in keys)
    return "rowid"


def _is(type_: str, *names: str) -> bool:
    """Whether a declared type is one of `names`, by its first word (`JSON TEXT` is JSON)."""
    words = type_.upper().split("(")[0].split()
    return bool(words) and words[0] in names


def dump_table(
    connection: sqlite3.Connection,
    table: str,
    stream: IO[str],
    format: DumpFormat = "csv",
    *,
    artifact: str,
) -> int:
    """
    Write one table's rows to a text stream as a source `build` accepts; returns the count.

    `artifact` is the path errors name.

    """
    columns = columns_of(connection, table)
    if not columns:
        raise DumpError(f"{artifact}: no table named {table!r}")
    names = [column.name for column in columns]
    selected = ", ".join(quote(name) for name in names)
    rows = connection.execute(
        f"SELECT {selected} FROM {quote(table)} ORDER BY {_order(connection, table, columns)}"
    )
    booleans = [index for index, column in enumerate(columns) if _is(column.type, "BOOLEAN")]
    documents = [index for index, column in enumerate(columns) if _is(column.type, "JSON")]
    count = 0
    if format == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        # the csv module before Python 3.13 quotes only the line terminator's characters, so
        # a row whose text holds a bare \r is written with every field quoted
        quoting = csv.writer(stream, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(names)
        for row in rows:
            if "" in row:
                raise _empty_string(artifact, table, columns, row, count + 1)
            values = [_csv_value(value) for value in row]
            for index in booleans:
                if isinstance(row[index], int):
                    values[index] = "true" if row[index] else "false"
            for index in documents:
                if isinstance(row[index], str):
                    values[index] = unescape_json(row[index])
            if any(isinstance(value, str) and "\r" in value for value in row):
                quoting.writerow(values)
            else:
                writer.writerow(values)
            count += 1
        return count
    for row in rows:
        values = list(row)
        for index in booleans:
            if isinstance(values[index], int):
                values[index] = bool(values[index])
        for index in documents:
            if isinstance(values[index], str):
                values[index] = json.loads(values[index])
        for index, value in enumerate(values):
            if isinstance(value, bytes):
                values[index] = value.hex()
        stream.write(_json_line(dict(zip(names, values, strict=True))))
        stream.write("\n")
        count += 1
    return count


def _json_line(record: dict[str, Any]) -> str:
    """
    A JSON Lines row, non-ASCII text as itself; but a JSON document may hold a lone surrogate
    (an escape such as `"\\ud800"` is valid JSON), which UTF-8 cannot hold: it stays escaped.

    """
    return json_text(record)


def _empty_string(
    artifact: str, table: str, columns: Sequence[ColumnInfo], row: Sequence[Any], number: int
) -> DumpError:
    """The error for a row a CSV dump cannot keep, naming it by primary key (or position)."""
    column = columns[list(row).index("")].name
    keys = sorted(
        (index for index, info in enumerate(columns) if info.primary_key),
        key=lambda index: columns[index].primary_key,
    )
    if keys:
        shown = ", ".join(f"{columns[index].name}={row[index]!r}" for index in keys)
        which = f"row ({shown})"
    else:
        which = f"row {number}"
    return DumpError(
        f"{artifact}: table {table} {which} column {column!r} holds an empty string, which a"
        " CSV source cannot tell from NULL: dump as JSON Lines (--format jsonl)"
    )


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def dump_artifact(
    path: str | os.PathLike[str],
    directory: str | os.PathLike[str],
    *,
    tables: Sequence[str] = (),
    format: DumpFormat = "csv",
) -> dict[str, int]:
    """
    Write `<table>.<format>` into `directory` for each table (all by default).

    The tables are checked before `directory` is made, so asking for one the artifact lacks
    leaves no empty directory behind.

    """
    directory = Path(directory)
    artifact = os.fspath(path)
    counts: dict[str, int] = {}
    with open_artifact(path) as connection:
        chosen = _chosen_tables(connection, artifact, tables)
        directory.mkdir(parents=True, exist_ok=True)
        for table in chosen:
            target = directory / f"{table}.{format}"
            try:
                with target.open("w", encoding="utf-8", newline="") as stream:
                    counts[table] = dump_table(connection, table, stream, format, artifact=artifact)
            except BaseException:
                target.unlink(missing_ok=True)
                raise
    return counts


def dump_to_stream(
    path: str | os.PathLike[str], table: str, stream: IO[str], format: DumpFormat = "csv"
) -> int:
    """One table of an artifact, written to a text stream."""
    artifact = os.fspath(path)
    with open_artifact(path) as connection:
        _chosen_tables(connection, artifact, [table])
        return dump_table(connection, table, stream, format, artifact=artifact)


def _chosen_tables(
    connection: sqlite3.Connection, artifact: str, tables: Sequence[str]
) -> list[str]:
    """The tables to dump (all data tables when none are named); an error naming any missing."""
    present = data_tables(connection)
    missing = [table for table in tables if table not in present]
    if missing:
        raise DumpError(
            f"{artifact}: no table named {', '.join(map(repr, missing))}"
            f" (tables: {', '.join(present)})"
        )
    return list(tables) or present
