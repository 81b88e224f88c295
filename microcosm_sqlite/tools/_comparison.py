"""
Two artifacts compared table by table: their schemas, and their rows merged in key order.

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

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from microcosm_sqlite.artifact.contents import (
    ColumnInfo,
    ForeignKeyInfo,
    IndexInfo,
    columns_of,
    data_tables,
    foreign_keys_of,
    indexes_of,
    key_columns,
    quote,
)
from microcosm_sqlite.artifact.manifest import read_manifest
from microcosm_sqlite.artifact.opening import open_artifact
from microcosm_sqlite.tools._changes import Operation, RowChange, SchemaChange, TableCounts
from microcosm_sqlite.tools._values import documents, readable

__all__ = ["Comparison", "TableSchema", "compare_artifacts"]


@dataclass(frozen=True)
class TableSchema:
    """One artifact's view of a table: its columns, indexes and foreign keys (none if absent)."""

    columns: tuple[ColumnInfo, ...] = ()
    indexes: tuple[IndexInfo, ...] = ()
    foreign_keys: tuple[ForeignKeyInfo, ...] = ()
    present: bool = False

    @property
    def key(self) -> tuple[str, ...]:
        """The primary key's column names, in key order."""
        return tuple(column.name for column in key_columns(self.columns))


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
    _sides: dict[tuple[int, str], TableSchema] = field(default_factory=dict, init=False, repr=False)

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

    def side(self, which: int, table: str) -> TableSchema:
        """One artifact's schema of a table (0: old, 1: new), read once."""
        cached = self._sides.get((which, table))
        if cached is None:
            connection = self.new if which else self.old
            if table in data_tables(connection):
                cached = TableSchema(
                    columns_of(connection, table),
                    indexes_of(connection, table),
                    foreign_keys_of(connection, table),
                    present=True,
                )
            else:
                cached = TableSchema()
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
                {f"({', '.join(k.columns)})": k.describe() for k in old.foreign_keys},
                {f"({', '.join(k.columns)})": k.describe() for k in new.foreign_keys},
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
