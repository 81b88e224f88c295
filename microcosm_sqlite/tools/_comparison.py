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
- A key holding NULL names no row (SQL's NULLs are all distinct; SQLite allows them in a
  hand-made key that is not a rowid alias): such rows match by their whole row, so the same
  rows in another order are the same.
- Values compare with their types: integer 1 and real 1.0, or a blob and text of the same
  bytes, differ.
- A table one artifact lacks is a schema change, and all its rows are added or removed.
- Schemas compare as SQLite records them, their CREATE statements (`_schema`): each column's
  declaration, the column order, table constraints, options (STRICT, WITHOUT ROWID) and each
  index; a difference no part shows is the statement's. Each artifact's schema is read once,
  so the time taken grows with the number of tables, not with its square.
- A table's full-text index compares by its statement (what follows `USING`: columns,
  tokenizer, prefixes), a `full-text index` change; what it holds follows from the rows, and
  is not compared again.
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
from typing import Any

from microcosm_sqlite.artifact.contents import quote
from microcosm_sqlite.artifact.manifest import read_manifest
from microcosm_sqlite.artifact.opening import open_artifact
from microcosm_sqlite.formatting import name_text
from microcosm_sqlite.tools._changes import RowChange, SchemaChange, TableCounts
from microcosm_sqlite.tools._schema import ArtifactSchema, TableSchema, table_changes
from microcosm_sqlite.tools._values import documents, readable, same

__all__ = ["Comparison", "compare_artifacts"]


@dataclass
class Comparison:
    """Two open artifacts, compared table by table; `compare_artifacts` opens one."""

    old: sqlite3.Connection
    new: sqlite3.Connection
    old_path: str
    new_path: str
    _schemas: list[ArtifactSchema] = field(default_factory=list, init=False, repr=False)
    # (0 for old, 1 for new, table) -> that side's schema of the table, read once
    _sides: dict[tuple[int, str], TableSchema] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._schemas = [ArtifactSchema.read(self.old), ArtifactSchema.read(self.new)]

    def tables(self, only: str | None = None) -> list[str]:
        """The data tables either artifact has, or just `only`; ValueError when neither has it."""
        names = sorted(self._schemas[0].tables | self._schemas[1].tables)
        if only is None:
            return names
        if only not in names:
            raise ValueError(
                f"neither {self.old_path} nor {self.new_path} has a table named {only!r}"
                f" (tables: {', '.join(map(name_text, names))})"
            )
        return [only]

    def side(self, which: int, table: str) -> TableSchema:
        """One artifact's schema of a table (0: old, 1: new), read once."""
        cached = self._sides.get((which, table))
        if cached is None:
            connection = self.new if which else self.old
            cached = self._schemas[which].table(connection, table)
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
            changes.extend(table_changes(table, self.side(0, table), self.side(1, table)))
        return changes

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
        # a key holding NULL names no row (NULLs are distinct): such rows sort, and match,
        # by all their columns, as rows of a table with no key do
        nullable = bool(counts.key) and (old.nullable_key or new.nullable_key)
        order = ", ".join(f"{quote(name)} COLLATE BINARY" for name in columns if nullable) or (
            ", ".join(f"{quote(name)} COLLATE BINARY" for name in key)
        )
        select = (
            f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)} ORDER BY {order}"
            if columns
            else ""
        )
        old_rows = self.old.execute(select) if old.present and select else iter(())
        new_rows = self.new.execute(select) if new.present and select else iter(())
        texts = documents(new.columns) | documents(old.columns)
        for op, before, after in _merge(old_rows, new_rows, size):
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
                    if not same(before[index], after[index])
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


def _merge(
    old_rows: Any, new_rows: Any, size: int
) -> Iterator[tuple[str, tuple[Any, ...] | None, tuple[Any, ...] | None]]:
    """
    Two row streams in the same order, merged: ("same" | "changed" | "added" | "removed",
    old row, new row). Rows are tuples whose first `size` values are the key; a row whose key
    holds NULL is named by the whole row. Rows compare as Python values, and as SQLite orders
    mixed types only when Python cannot compare them; values compare with their types, so
    1 and 1.0 differ.

    """
    old_iter, new_iter = iter(old_rows), iter(new_rows)
    before = next(old_iter, None)
    after = next(new_iter, None)
    while before is not None and after is not None:
        old_key, new_key = _identity(before, size), _identity(after, size)
        if old_key == new_key:
            if before == after and list(map(type, before)) == list(map(type, after)):
                yield "same", before, after
            else:
                yield "changed", before, after
            before = next(old_iter, None)
            after = next(new_iter, None)
        elif _before(old_key, new_key):
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


def _identity(row: tuple[Any, ...], size: int) -> tuple[Any, ...]:
    """What names a row: its key, or the whole row when the key holds NULL."""
    key = row[:size]
    return row if None in key else key


def _before(old_key: tuple[Any, ...], new_key: tuple[Any, ...]) -> bool:
    try:
        return bool(old_key < new_key)
    except TypeError:  # NULL, or values of different types: SQLite's order of types
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
