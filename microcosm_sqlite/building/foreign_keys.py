"""
Foreign keys at the end of a build: how SQLite numbers a table's keys, and keys with no match
that point at a row the build refused, folded into that row's problem rather than repeated.

"""

from __future__ import annotations

import sqlite3
from pathlib import PurePath
from typing import Any

from microcosm_sqlite.artifact.contents import quote
from microcosm_sqlite.building.problems import Problems
from microcosm_sqlite.formatting import plural

__all__ = ["FoldedKeys", "foreign_keys"]


class FoldedKeys:
    """
    Keys with no match that point at a refused row: counted against the row's problem, which
    says how many rows of which sources point at it once the check is over (`note`).

    """

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.keys: dict[tuple[str, tuple[str, ...]], dict[tuple[Any, ...], int]] = {}
        # refused row's problem -> source naming the rows that point at it -> how many
        self.counts: dict[int, dict[str, int]] = {}

    def into(self, parent: str, columns: tuple[str, ...], values: tuple[Any, ...], by: str) -> bool:
        """Whether a key of `by` into `parent` points at a refused row: then it is counted."""
        if not self.problems.refused:
            return False
        if (parent, columns) not in self.keys:
            self.keys[parent, columns] = self.problems.refused_keys(parent, columns)
        index = self.keys[parent, columns].get(values)
        if index is None:
            return False
        counts = self.counts.setdefault(index, {})
        counts[by] = counts.get(by, 0) + 1
        return True

    def note(self) -> None:
        """Tell each refused row's problem what pointed at it."""
        for index, counts in self.counts.items():
            pointing = ", ".join(
                f"{plural(count, 'row')} of {PurePath(name).name}"
                for name, count in sorted(counts.items())
            )
            one = sum(counts.values()) == 1
            refer, have = ("refers", "has") if one else ("refer", "have")
            self.problems.fold(
                index, f"not written, so {pointing} that {refer} to it {have} no match"
            )


def foreign_keys(
    connection: sqlite3.Connection, table: str
) -> dict[int, tuple[tuple[str, ...], str, tuple[str, ...]]]:
    """Foreign key id -> (child columns, parent table, parent columns), as SQLite numbers them."""
    keys: dict[int, tuple[list[str], str, list[str]]] = {}
    for key_id, _, parent, child, target, *_ in connection.execute(
        f"PRAGMA foreign_key_list({quote(table)})"
    ):
        children, _, parents = keys.setdefault(key_id, ([], parent, []))
        children.append(child)
        parents.append(target or "rowid")
    return {
        key_id: (tuple(children), parent, tuple(parents))
        for key_id, (children, parent, parents) in keys.items()
    }
