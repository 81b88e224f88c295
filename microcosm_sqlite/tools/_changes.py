"""
What `diff` finds: schema changes, row changes and each table's counts, and how each is written
as a line of text or an entry of the JSON document.

A line never holds what a file could use to forge another: names are shown as they are only
when printable and unambiguous (`formatting.name_text`), SQL text likewise, and values as
`_values.show` writes them. A JSON column's document shows as the JSON it holds, and a changed
one as the keys and values that changed inside it (`_documents`).

"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from microcosm_sqlite.formatting import code_text, name_text, number
from microcosm_sqlite.tools._documents import DocumentChange, document_changes
from microcosm_sqlite.tools._values import Document, show_document, typed

__all__ = ["MARKS", "Operation", "RowChange", "SchemaChange", "TableCounts"]

Operation = Literal["added", "removed", "changed"]
# how each operation starts a line of the text diff, as diff(1) marks lines
MARKS: dict[str, str] = {"added": "+", "removed": "-", "changed": "~"}


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
        table = "" if self.table is None else name_text(self.table)
        where = "" if self.table is None or self.kind == "table" else f"table {table}: "
        subject = f"schema: {where}{self.kind}" + (f" {name_text(self.name)}" if self.name else "")
        text = name_text if self.kind == "data set" else code_text
        old, new = text(self.old or ""), text(self.new or "")
        if self.op == "added":
            return f"{subject} added: {new}"
        if self.op == "removed":
            return f"{subject} removed (was: {old})"
        return f"{subject} changed: {old} -> {new}"

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
        key = ", ".join(
            f"{name_text(name)}={show_document(value)}" for name, value in self.key.items()
        )
        subject = f"{MARKS[self.op]} {name_text(table)}" + (f" ({key})" if key else "")
        if self.op == "changed":
            changes: list[str] = []
            for name, (old, new) in self.values.items():
                inside = _inside(old, new)
                if inside:
                    changes.extend(change.line(name_text(name)) for change in inside)
                else:
                    changes.append(
                        f"{name_text(name)} {show_document(old)} -> {show_document(new)}"
                    )
            return f"{subject}: {'; '.join(changes)}"
        shown = ", ".join(
            f"{name_text(name)}={show_document(value)}" for name, value in self.values.items()
        )
        return f"{subject}: {shown}" if shown else subject

    def as_dict(self) -> dict[str, Any]:
        """The row as an entry of a table's `rows` in `--json`."""
        if self.op == "changed":
            values: dict[str, Any] = {}
            for name, (old, new) in self.values.items():
                values[name] = {"old": typed(old), "new": typed(new)}
                inside = _inside(old, new)
                if inside:
                    values[name]["changes"] = [change.as_dict() for change in inside]
        else:
            values = {name: typed(value) for name, value in self.values.items()}
        return {
            "op": self.op,
            "key": {name: typed(value) for name, value in self.key.items()},
            "values": values,
        }


def _inside(old: Any, new: Any) -> list[DocumentChange]:
    """What changed inside two documents of a JSON column; empty when not two documents whose
    changes can be told apart (a whole value changed, or either is no JSON)."""
    if not (isinstance(old, Document) and isinstance(new, Document)):
        return []
    (old_ok, old_document), (new_ok, new_document) = old.parsed(), new.parsed()
    if not (old_ok and new_ok):
        return []
    return document_changes(old_document, new_document)


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
            f"{name_text(self.table)}: {number(self.added)} added, {number(self.removed)} removed,"
            f" {number(self.changed)} changed, {number(self.unchanged)} unchanged"
        )
