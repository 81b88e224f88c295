"""
What changed inside a JSON column's document, for `diff`: the keys and values that differ, each
at its path, rather than two escaped strings.

    names.common_name "Latin" -> "Latin (classical)"
    names.official_name added "Lingua Latina"
    tags removed (was ["dead"])

Objects compare key by key and arrays of the same length item by item, down to what differs;
an array that grew or shrank, or a value that changed its kind, is one change at its path.
Values compare with their JSON types: `1` is not `1.0`, nor `true`. Text that is no strict JSON
(NaN, a truncated document) is not a document: it shows as the text it is.

"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from microcosm_sqlite.formatting import json_safe, quote_text

__all__ = ["DocumentChange", "document_changes", "parse_document", "path_text"]

# a key shown after a dot: `names.common_name`; others in brackets, `names["common name"]`
PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Path = tuple[str | int, ...]


class _Absent:
    """The side of a change where a key or item is not: one added has no old value."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


@dataclass(frozen=True)
class DocumentChange:
    """A value at `path` inside a document that was added, removed or changed."""

    op: Literal["added", "removed", "changed"]
    path: Path
    old: Any
    new: Any

    def line(self, column: str) -> str:
        """The change as a part of a row's line: `column.path old -> new`."""
        where = column + path_text(self.path)
        if self.op == "added":
            return f"{where} added {json_safe(self.new)}"
        if self.op == "removed":
            return f"{where} removed (was {json_safe(self.old)})"
        return f"{where} {json_safe(self.old)} -> {json_safe(self.new)}"

    def as_dict(self) -> dict[str, Any]:
        """The change as JSON: its path as a list of keys and indexes, and its values."""
        entry: dict[str, Any] = {"op": self.op, "path": list(self.path)}
        if self.op != "added":
            entry["old"] = self.old
        if self.op != "removed":
            entry["new"] = self.new
        return entry


def parse_document(text: str) -> tuple[bool, Any]:
    """(True, the document) for strict JSON text; (False, None) for anything else."""
    try:
        return True, json.loads(text, parse_constant=_not_json)
    except (ValueError, RecursionError):
        return False, None


def document_changes(old: Any, new: Any) -> list[DocumentChange]:
    """
    What differs between two documents, each at its path; empty when they are the same, or
    when neither is an object or array of the same kind as the other (a change of the whole).

    """
    if not _containers_alike(old, new):
        return []
    try:
        changes = list(_changes((), old, new))
    except RecursionError:
        return []
    # an array that grew or shrank is a change of the whole
    return [] if [change.path for change in changes] == [()] else changes


def path_text(path: Path) -> str:
    """A path as text: `.key` for a plain key, `["key"]` for another, `[3]` for an index."""
    parts = []
    for step in path:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif PLAIN_KEY.fullmatch(step):
            parts.append(f".{step}")
        else:
            parts.append(f"[{quote_text(step)}]")
    return "".join(parts)


def _changes(path: Path, old: Any, new: Any) -> Iterator[DocumentChange]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key, value in old.items():
            if key not in new:
                yield DocumentChange("removed", (*path, key), value, ABSENT)
            else:
                yield from _changes((*path, key), value, new[key])
        for key, value in new.items():
            if key not in old:
                yield DocumentChange("added", (*path, key), ABSENT, value)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            yield from _changes((*path, index), before, after)
    elif not _same(old, new):
        yield DocumentChange("changed", path, old, new)


def _containers_alike(old: Any, new: Any) -> bool:
    return (isinstance(old, dict) and isinstance(new, dict)) or (
        isinstance(old, list) and isinstance(new, list)
    )


def _same(old: Any, new: Any) -> bool:
    """Equal as JSON values: of one type (`1` is not `1.0`, nor `true`), item by item."""
    if type(old) is not type(new):
        return False
    if isinstance(old, dict):
        return old.keys() == new.keys() and all(_same(old[key], new[key]) for key in old)
    if isinstance(old, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True))
    return bool(old == new)


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")
