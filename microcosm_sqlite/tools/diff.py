"""
`diff`: what changed from one artifact to another, schema first, then rows by primary key, as
text (one line per change, as diff(1) marks lines) or one JSON document, written as the rows
stream. How the two are compared: `microcosm_sqlite.tools._comparison`.

Both forms are safe to show whatever the files hold: in text, names and values holding a
newline or a character that is not printable are quoted and escaped (`formatting`); the JSON
is strict (no `NaN` or `Infinity`), escapes the same characters, and tells SQLite's types
apart: a blob is `{"blob": "<hex>"}`, an infinite real `{"real": "Infinity"}`, never a string
or a bare number (`_values`). When the comparison fails midway (exit status 2), the JSON
written so far is not a whole document.

"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import IO

from microcosm_sqlite.formatting import json_safe, name_text, plural
from microcosm_sqlite.tools._changes import RowChange, SchemaChange, TableCounts
from microcosm_sqlite.tools._comparison import Comparison, compare_artifacts

__all__ = ["diff_artifacts"]


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

    A schema change is `{"op", "kind", "table", "name", "old", "new"}`, its kind one of `data
    set`, `table`, `column` (a declaration as written), `column order`, `constraint`, `options`
    (STRICT, WITHOUT ROWID), `index` (what follows `ON <table>`) and `statement` (what no part
    shows); `old` and `new` are SQL text, null for what was added or removed.

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
        table = name_text(counts.table)
        if hidden:
            self.stream.write(f"{table}: {plural(hidden, 'more row change')} not shown\n")
        if not counts.key:
            self.stream.write(f"{table}: no primary key, whole rows compared\n")
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
            "{" + f'"old": {json_safe(comparison.old_path)},'
            f' "new": {json_safe(comparison.new_path)},\n'
        )

    def schema(self, changes: Sequence[SchemaChange]) -> None:
        documents = ",\n  ".join(json_safe(change.as_dict()) for change in changes)
        self.stream.write(f' "schema": [\n  {documents}\n ],\n' if changes else ' "schema": [],\n')
        self.stream.write(' "tables": {')

    def begin_table(self, table: str, counts: TableCounts) -> None:
        self.stream.write(("\n" if self.first_table else ",\n") + f"  {json_safe(table)}: ")
        self.stream.write("{" + f'"key": {json_safe(list(counts.key))}, "rows": [')
        self.first_table = False
        self.first_row = True

    def row(self, table: str, change: RowChange) -> None:
        self.stream.write(("\n" if self.first_row else ",\n") + "   ")
        self.stream.write(json_safe(change.as_dict()))
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
