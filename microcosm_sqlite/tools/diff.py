"""
Reviewing a change of data: `diff` (what changed between two artifacts) and `textconv` (a
stable text form of one, for git's diff driver).

Rows match by primary key. Both tables are read in key order through two cursors and merged,
so memory stays flat whatever their size; only the changes are reported, and a changed row
shows only the columns whose values changed.

- Rows compare on the columns both artifacts have: a column added or removed is a schema
  change, and its values are not row changes.
- A table with no primary key (or whose key changed) has no identity for its rows: whole rows
  are the keys, so an edited row is one removed and one added, and identical rows pair off
  one to one.
- A table one artifact lacks is a schema change, and all its rows are added or removed.
- The manifest is bookkeeping, not content: its source hashes, versions and row counts never
  make two artifacts differ. The data set's name does.

Keys order as SQLite orders them (NULL, then numbers, then text by its bytes, then blobs),
which the merge follows in Python; text sorts with the BINARY collation whatever a column
declares, so the order is the same on both sides.

"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import IO, Any, Literal

from microcosm_sqlite.artifact.contents import ColumnInfo, columns_of, data_tables, quote
from microcosm_sqlite.artifact.manifest import MANIFEST_TABLE, read_manifest
from microcosm_sqlite.artifact.opening import open_artifact
from microcosm_sqlite.formatting import json_text, number, plural, unescape_json
from microcosm_sqlite.inspection import (
    ForeignKeyInfo,
    IndexInfo,
    _is,
    describe_foreign_key,
    foreign_keys_of,
    indexes_of,
)

Operation = Literal["added", "removed", "changed"]
# how each operation starts a line of the text diff, as diff(1) marks lines
MARKS: dict[str, str] = {"added": "+", "removed": "-", "changed": "~"}


# --- values ---------------------------------------------------------------------------------


def show(value: Any) -> str:
    """A stored value on one line: text as a JSON string, blobs as SQL's x'..', NULL."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return json_text(value)
    if isinstance(value, bytes):
        return f"x'{value.hex()}'"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def plain(value: Any) -> Any:
    """A stored value as JSON can hold it: blobs as hexadecimal text."""
    return value.hex() if isinstance(value, bytes) else value


def documents(columns: Sequence[ColumnInfo]) -> frozenset[str]:
    """The JSON columns, whose stored documents show with their text as it is."""
    return frozenset(column.name for column in columns if _is(column.type, "JSON"))


def readable(value: Any) -> Any:
    """A JSON column's stored document with `\\uXXXX` escapes of text written as the text."""
    return unescape_json(value) if isinstance(value, str) else value


def sqlite_order(values: Sequence[Any]) -> tuple[tuple[int, Any], ...]:
    """A sort key ordering values as SQLite does when their types differ."""
    return tuple(
        (0, 0)
        if value is None
        else (2, value)
        if isinstance(value, str)
        else (3, value)
        if isinstance(value, bytes)
        else (1, value)
        for value in values
    )


# --- what changed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaChange:
    """A table, column, index or foreign key added, removed or changed (or the data set)."""

    op: Operation
    kind: str
    table: str | None
    name: str
    old: str | None = None
    new: str | None = None

    def line(self) -> str:
        """The change as one line of the text diff."""
        where = "" if self.table is None or self.kind == "table" else f"table {self.table}: "
        subject = f"schema: {where}{self.kind}" + (f" {self.name}" if self.name else "")
        if self.op == "added":
            return f"{subject} added: {self.new}"
        if self.op == "removed":
            return f"{subject} removed (was: {self.old})"
        return f"{subject} changed: {self.old} -> {self.new}"

    def as_dict(self) -> dict[str, Any]:
        """The change as an entry of `--json`'s `schema` list."""
        return dict(
            op=self.op, kind=self.kind, table=self.table, name=self.name, old=self.old, new=self.new
        )


@dataclass(frozen=True)
class RowChange:
    """
    One row added, removed or changed, named by its key.

    `values` holds an added or removed row's other columns; for a changed row, each column
    that changed as `(old, new)`.

    """

    op: Operation
    key: dict[str, Any]
    values: dict[str, Any]

    def line(self, table: str) -> str:
        """The row as one line of the text diff, marked +, - or ~."""
        key = ", ".join(f"{name}={show(value)}" for name, value in self.key.items())
        subject = f"{MARKS[self.op]} {table}" + (f" ({key})" if key else "")
        if self.op == "changed":
            changes = "; ".join(
                f"{name} {show(old)} -> {show(new)}" for name, (old, new) in self.values.items()
            )
            return f"{subject}: {changes}"
        shown = ", ".join(f"{name}={show(value)}" for name, value in self.values.items())
        return f"{subject}: {shown}" if shown else subject

    def as_dict(self) -> dict[str, Any]:
        """The row as an entry of a table's `rows` in `--json`."""
        if self.op == "changed":
            values = {
                name: {"old": plain(old), "new": plain(new)}
                for name, (old, new) in self.values.items()
            }
        else:
            values = {name: plain(value) for name, value in self.values.items()}
        return {
            "op": self.op,
            "key": {name: plain(value) for name, value in self.key.items()},
            "values": values,
        }


@dataclass
class TableCounts:
    """How many rows of a table were added, removed, changed and left as they were."""

    table: str
    # the columns rows match by; empty when whole rows are compared (no primary key)
    key: tuple[str, ...]
    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def differs(self) -> bool:
        """Whether any row was added, removed or changed."""
        return bool(self.added or self.removed or self.changed)

    def line(self) -> str:
        """The table's summary line: counts of each kind of row."""
        return (
            f"{self.table}: {number(self.added)} added, {number(self.removed)} removed,"
            f" {number(self.changed)} changed, {number(self.unchanged)} unchanged"
        )


@dataclass(frozen=True)
class _Side:
    """One artifact's view of a table: its columns, indexes and foreign keys (none if absent)."""

    columns: tuple[ColumnInfo, ...] = ()
    indexes: tuple[IndexInfo, ...] = ()
    foreign_keys: tuple[ForeignKeyInfo, ...] = ()
    present: bool = False

    @property
    def key(self) -> tuple[str, ...]:
        keyed = sorted(
            (column for column in self.columns if column.primary_key),
            key=lambda column: column.primary_key,
        )
        return tuple(column.name for column in keyed)


def column_text(column: ColumnInfo) -> str:
    """A column's declaration as a schema change shows it."""
    parts = [column.type or "(no type)"]
    if not column.nullable:
        parts.append("NOT NULL")
    if column.primary_key:
        parts.append("PRIMARY KEY")
    if column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    return " ".join(parts)


def index_text(index: IndexInfo) -> str:
    """An index as a schema change shows it: unique or not, and its columns."""
    return f"{'unique ' if index.unique else ''}({', '.join(index.columns)})"


@dataclass
class Comparison:
    """Two open artifacts, compared table by table; `compare_artifacts` opens one."""

    old: sqlite3.Connection
    new: sqlite3.Connection
    old_path: str
    new_path: str
    # (0 for old, 1 for new, table) -> that side's schema of the table, read once
    _sides: dict[tuple[int, str], _Side] = field(default_factory=dict, init=False, repr=False)

    def tables(self, only: str | None = None) -> list[str]:
        """The data tables either artifact has, or just `only`; ValueError when neither has it."""
        names = sorted(set(data_tables(self.old)) | set(data_tables(self.new)))
        if only is None:
            return names
        if only not in names:
            raise ValueError(
                f"neither {self.old_path} nor {self.new_path} has a table named {only!r}"
                f" (tables: {', '.join(names)})"
            )
        return [only]

    def side(self, which: int, table: str) -> _Side:
        """One artifact's schema of a table (0: old, 1: new), read once."""
        cached = self._sides.get((which, table))
        if cached is None:
            connection = self.new if which else self.old
            if table in data_tables(connection):
                cached = _Side(
                    columns_of(connection, table),
                    indexes_of(connection, table),
                    foreign_keys_of(connection, table),
                    present=True,
                )
            else:
                cached = _Side()
            self._sides[(which, table)] = cached
        return cached

    # --- schema ---------------------------------------------------------------------------

    def schema_changes(self, tables: Sequence[str]) -> list[SchemaChange]:
        """The data set's name, then each table's schema changes, in table order."""
        changes: list[SchemaChange] = []
        datasets = [(read_manifest(side) or {}).get("dataset") for side in (self.old, self.new)]
        if None not in datasets and datasets[0] != datasets[1]:
            changes.append(SchemaChange("changed", "data set", None, "", *datasets))
        for table in tables:
            changes.extend(self._table_schema(table))
        return changes

    def _table_schema(self, table: str) -> list[SchemaChange]:
        old, new = self.side(0, table), self.side(1, table)
        if not old.present or not new.present:
            side = new if new.present else old
            text = ", ".join(f"{column.name} {column_text(column)}" for column in side.columns)
            op: Operation = "added" if new.present else "removed"
            return [
                SchemaChange(
                    op, "table", table, table, *((None, text) if new.present else (text, None))
                )
            ]
        return [
            *_compare(
                "column",
                table,
                {c.name: column_text(c) for c in old.columns},
                {c.name: column_text(c) for c in new.columns},
            ),
            *_compare(
                "index",
                table,
                {i.name: index_text(i) for i in old.indexes},
                {i.name: index_text(i) for i in new.indexes},
            ),
            *_compare(
                "foreign key",
                table,
                {f"({', '.join(k.columns)})": describe_foreign_key(k) for k in old.foreign_keys},
                {f"({', '.join(k.columns)})": describe_foreign_key(k) for k in new.foreign_keys},
            ),
        ]

    # --- rows -----------------------------------------------------------------------------

    def key_of(self, table: str) -> tuple[str, ...]:
        """The columns rows of `table` match by; empty: whole rows (no key both sides share)."""
        old, new = self.side(0, table), self.side(1, table)
        if not old.present:
            return new.key
        if not new.present or old.key == new.key:
            return old.key
        return ()

    def row_changes(self, table: str, counts: TableCounts) -> Iterator[RowChange]:
        """Every row change of `table`, in key order, counted into `counts` as it goes."""
        old, new = self.side(0, table), self.side(1, table)
        if old.present and new.present:
            kept = {column.name for column in old.columns}
            names = [column.name for column in new.columns if column.name in kept]
        else:
            names = [column.name for column in (new if new.present else old).columns]
        key = list(counts.key) or names
        rest = [name for name in names if name not in key] if counts.key else []
        columns = key + rest
        size = len(key)
        order = ", ".join(f"{quote(name)} COLLATE BINARY" for name in key)
        select = (
            f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)} ORDER BY {order}"
            if columns
            else ""
        )
        old_rows = self.old.execute(select) if old.present and select else iter(())
        new_rows = self.new.execute(select) if new.present and select else iter(())
        key_of = itemgetter(*range(size)) if size else None
        texts = documents(new.columns) | documents(old.columns)
        for op, before, after in _merge(old_rows, new_rows, key_of, size):
            if op == "same":
                counts.unchanged += 1
                continue
            row = after if after is not None else before
            assert row is not None
            keyed = dict(zip(key, row[:size], strict=True)) if counts.key else {}
            if op == "changed":
                assert before is not None and after is not None
                counts.changed += 1
                values = {
                    name: (before[index], after[index])
                    if name not in texts
                    else (readable(before[index]), readable(after[index]))
                    for index, name in enumerate(columns[size:], start=size)
                    if before[index] != after[index]
                }
                yield RowChange("changed", keyed, values)
                continue
            added = op == "added"
            if added:
                counts.added += 1
            else:
                counts.removed += 1
            shown = columns[size:] if counts.key else columns
            start = size if counts.key else 0
            values = {
                name: readable(value) if name in texts else value
                for name, value in zip(shown, row[start:], strict=True)
            }
            yield RowChange("added" if added else "removed", keyed, values)


def _compare(
    kind: str, table: str, old: dict[str, str], new: dict[str, str]
) -> Iterator[SchemaChange]:
    """Things of one kind, by name: those only in `new`, only in `old`, or different."""
    for name in [*old, *(name for name in new if name not in old)]:
        if name not in new:
            yield SchemaChange("removed", kind, table, name, old[name], None)
        elif name not in old:
            yield SchemaChange("added", kind, table, name, None, new[name])
        elif old[name] != new[name]:
            yield SchemaChange("changed", kind, table, name, old[name], new[name])


def _merge(
    old_rows: Any, new_rows: Any, key_of: Any, size: int
) -> Iterator[tuple[str, tuple[Any, ...] | None, tuple[Any, ...] | None]]:
    """
    Two row streams in the same key order, merged: ("same" | "changed" | "added" |
    "removed", old row, new row). Rows are tuples; keys compare as Python values, and as
    SQLite orders mixed types only when Python cannot compare them.

    """
    old_iter, new_iter = iter(old_rows), iter(new_rows)
    before = next(old_iter, None)
    after = next(new_iter, None)
    while before is not None and after is not None:
        old_key, new_key = key_of(before), key_of(after)
        if old_key == new_key:
            if before == after:
                yield "same", before, after
            else:
                yield "changed", before, after
            before = next(old_iter, None)
            after = next(new_iter, None)
        elif _before(old_key, new_key, size):
            yield "removed", before, None
            before = next(old_iter, None)
        else:
            yield "added", None, after
            after = next(new_iter, None)
    while before is not None:
        yield "removed", before, None
        before = next(old_iter, None)
    while after is not None:
        yield "added", None, after
        after = next(new_iter, None)


def _before(old_key: Any, new_key: Any, size: int) -> bool:
    try:
        return bool(old_key < new_key)
    except TypeError:  # NULL, or values of different types: SQLite's order of types
        if size == 1:
            old_key, new_key = (old_key,), (new_key,)
        return sqlite_order(old_key) < sqlite_order(new_key)


@contextmanager
def compare_artifacts(
    old: str | os.PathLike[str], new: str | os.PathLike[str]
) -> Iterator[Comparison]:
    """Both artifacts open read-only; errors name the path that is missing, not SQLite, or bad."""
    with ExitStack() as stack:
        old_connection = stack.enter_context(open_artifact(old))
        new_connection = stack.enter_context(open_artifact(new))
        yield Comparison(old_connection, new_connection, os.fspath(old), os.fspath(new))


# --- the diff, written ----------------------------------------------------------------------


def diff_artifacts(
    old: str | os.PathLike[str],
    new: str | os.PathLike[str],
    stream: IO[str],
    *,
    as_json: bool = False,
    table: str | None = None,
    limit: int | None = None,
) -> bool:
    """
    Write what changed from `old` to `new` to `stream`; True when their content differs.

    Text is one line per schema change, then per table one line per changed row (`+` added,
    `-` removed, `~` changed, at most `limit` of them) and a line of counts. JSON is one
    document: `{"old", "new", "equal", "schema": [...], "tables": {name: {"key", "added",
    "removed", "changed", "unchanged", "rows": [...]}}}`, written as the rows stream.
    `limit` caps the rows shown per table; the counts are always exact.

    """
    with compare_artifacts(old, new) as comparison:
        tables = comparison.tables(table)
        schema = comparison.schema_changes(tables)
        writer = _JsonWriter(stream, comparison) if as_json else _TextWriter(stream)
        writer.schema(schema)
        differs = bool(schema)
        for name in tables:
            counts = TableCounts(name, comparison.key_of(name))
            writer.begin_table(name, counts)
            shown = 0
            for change in comparison.row_changes(name, counts):
                if limit is None or shown < limit:
                    writer.row(name, change)
                    shown += 1
            writer.end_table(counts, shown)
            differs = differs or counts.differs
        writer.end(differs)
    return differs


class _TextWriter:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def schema(self, changes: Sequence[SchemaChange]) -> None:
        for change in changes:
            self.stream.write(change.line() + "\n")

    def begin_table(self, table: str, counts: TableCounts) -> None:
        pass

    def row(self, table: str, change: RowChange) -> None:
        self.stream.write(change.line(table) + "\n")

    def end_table(self, counts: TableCounts, shown: int) -> None:
        hidden = counts.added + counts.removed + counts.changed - shown
        if hidden:
            self.stream.write(f"{counts.table}: {plural(hidden, 'more row change')} not shown\n")
        if not counts.key:
            self.stream.write(f"{counts.table}: no primary key, whole rows compared\n")
        self.stream.write(counts.line() + "\n")

    def end(self, differs: bool) -> None:
        pass


class _JsonWriter:
    """The JSON document, written piece by piece so rows never pile up in memory."""

    def __init__(self, stream: IO[str], comparison: Comparison) -> None:
        self.stream = stream
        self.first_table = True
        self.first_row = True
        stream.write(
            "{" + f'"old": {json_text(comparison.old_path)},'
            f' "new": {json_text(comparison.new_path)},\n'
        )

    def schema(self, changes: Sequence[SchemaChange]) -> None:
        documents = ",\n  ".join(json_text(change.as_dict()) for change in changes)
        self.stream.write(f' "schema": [\n  {documents}\n ],\n' if changes else ' "schema": [],\n')
        self.stream.write(' "tables": {')

    def begin_table(self, table: str, counts: TableCounts) -> None:
        self.stream.write(("\n" if self.first_table else ",\n") + f"  {json_text(table)}: ")
        self.stream.write("{" + f'"key": {json_text(list(counts.key))}, "rows": [')
        self.first_table = False
        self.first_row = True

    def row(self, table: str, change: RowChange) -> None:
        self.stream.write(("\n" if self.first_row else ",\n") + "   ")
        self.stream.write(json_text(change.as_dict()))
        self.first_row = False

    def end_table(self, counts: TableCounts, shown: int) -> None:
        self.stream.write(
            ("]" if self.first_row else "\n  ]")
            + f', "added": {counts.added}, "removed": {counts.removed},'
            f' "changed": {counts.changed}, "unchanged": {counts.unchanged}}}'
        )

    def end(self, differs: bool) -> None:
        self.stream.write(("\n }" if not self.first_table else "}") + ",\n")
        self.stream.write(f' "equal": {json.dumps(not differs)}}}\n')


# --- textconv -------------------------------------------------------------------------------


def write_textconv(path: str | os.PathLike[str], stream: IO[str]) -> int:
    """
    A stable text form of an artifact, for git's diff driver; returns the rows written.

    First the data set's name and the schema (each CREATE statement on one line, sorted),
    then each table's rows in key order, one line each: `table (key=value): column=value,
    ...`. The manifest's other entries (versions, hashes, counts) are left out: they are not
    content, and would show in every diff.

    """
    count = 0
    with open_artifact(path) as connection:
        dataset = (read_manifest(connection) or {}).get("dataset")
        if dataset is not None:
            stream.write(f"dataset {dataset}\n")
        for kind, name, sql in connection.execute(
            "SELECT type, name, sql FROM sqlite_schema"
            " WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND tbl_name != ?"
            " ORDER BY type, name",
            (MANIFEST_TABLE,),
        ):
            stream.write(f"schema {kind} {name}: {' '.join(sql.split())}\n")
        for table in data_tables(connection):
            columns = columns_of(connection, table)
            keyed = _Side(columns, present=True).key
            names = [*keyed, *(column.name for column in columns if column.name not in keyed)]
            order = ", ".join(f"{quote(name)} COLLATE BINARY" for name in keyed or names)
            size = len(keyed)
            texts = documents(columns)
            for row in connection.execute(
                f"SELECT {', '.join(map(quote, names))} FROM {quote(table)} ORDER BY {order}"
            ):
                if texts:
                    row = tuple(
                        readable(value) if name in texts else value
                        for name, value in zip(names, row, strict=True)
                    )
                key = ", ".join(
                    f"{name}={show(value)}" for name, value in zip(keyed, row, strict=False)
                )
                shown = ", ".join(
                    f"{name}={show(value)}"
                    for name, value in zip(names[size:], row[size:], strict=True)
                )
                stream.write(f"{table} ({key}): {shown}\n" if key else f"{table}: {shown}\n")
                count += 1
    return count
