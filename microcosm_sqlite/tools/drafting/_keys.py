"""
Keys, foreign keys and enums, proposed from the values read.

- The primary key is a column whose values are present in every row and unique, of a type a
  key can have (integer, text, date). Among several, `id` comes first, then `code`, then names
  ending in `_id` or `_code`, then short values (integers, text of up to 16 characters), then
  the column that comes first. With no such column, the first pair of columns that is unique
  together; with none, a surrogate `id` that SQLite numbers.
- A foreign key is proposed when every value of a column is a key of another table (or of its
  own table, for a hierarchy), of the same type, and the column's name says so: it holds the
  table's name (`country_code` -> `country`, `countries`) or ends as the key does
  (`parent_code` -> `code`). A text column whose values are all another table's keys, but
  whose name does not say so, gets a comment instead.
- An enum is proposed for text with few distinct values (2 to 12, each seen three times on
  average) that are all Python names, in a column that is neither a key nor a foreign key.

"""

from __future__ import annotations

import keyword
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

from microcosm_sqlite.formatting import number, plural
from microcosm_sqlite.tools.drafting._naming import singular
from microcosm_sqlite.tools.drafting._types import DATE, INT, TEXT, ColumnType

KEY_KINDS = frozenset({INT, TEXT, DATE})
# text this short ranks with integers among key candidates
SHORT_TEXT = 16
ENUM_MAX = 12
ENUM_MIN = 2
# rows per distinct value, on average, for text to look like an enum
ENUM_REPEATS = 3
# names enum members cannot well have
ENUM_RESERVED = frozenset({"name", "value", "mro"})


@dataclass
class Column:
    """One column of a drafted table."""

    name: str
    type: ColumnType
    primary_key: bool = False
    # "table.column"
    foreign_key: str | None = None
    enum_members: list[str] | None = None
    comments: list[str] = field(default_factory=list)


@dataclass
class Table:
    """One drafted table: its columns, and what was read to draft it."""

    name: str
    file: str
    rows: int
    complete: bool
    columns: list[Column]
    key_comment: str | None = None
    # a column SQLite numbers, when no column of the source is a key
    surrogate_key: bool = False

    @property
    def key(self) -> list[Column]:
        """The primary key's columns."""
        return [column for column in self.columns if column.primary_key]


def _rank(table: str, column: Column) -> tuple[int, ...]:
    name = column.name.lower()
    if name == "id":
        return (0,)
    if name == "code":
        return (1,)
    if name.endswith(("_id", "_code")) or name in (f"{singular(table)}_key", "key", "uuid"):
        return (2,)
    values = column.type.distinct
    if column.type.kind == INT or all(len(str(value)) <= SHORT_TEXT for value in values):
        return (3,)
    return (4,)


def _can_be_key(column: Column) -> bool:
    kind = column.type
    return kind.kind in KEY_KINDS and not kind.nullable and bool(kind.distinct)


def choose_primary_key(table: Table) -> None:
    """Mark the table's primary key, explaining the choice when another was possible."""
    rows = len(table.columns[0].type.values)
    candidates = [column for column in table.columns if _can_be_key(column)]
    unique = [column for column in candidates if len(column.type.distinct) == rows]
    position = {id(column): index for index, column in enumerate(table.columns)}
    if unique:
        unique.sort(key=lambda column: (_rank(table.name, column), position[id(column)]))
        chosen, others = unique[0], unique[1:]
        chosen.primary_key = True
        if others and _rank(table.name, chosen) > (1,):
            names = ", ".join(column.name for column in table.columns if column in others)
            chosen.comments.append(
                f"the key: unique and present in all {_rows(table)}; so are {names}"
                " (unique=True on any that must stay so)"
            )
        return
    ordered = sorted(
        candidates, key=lambda column: (_rank(table.name, column), position[id(column)])
    )
    for first, second in combinations(ordered, 2):
        pairs = set(zip(first.type.values, second.type.values, strict=True))
        if len(pairs) == rows:
            first.primary_key = second.primary_key = True
            table.key_comment = (
                f"no column is unique alone; ({first.name}, {second.name}) is, in all"
                f" {_rows(table)}"
            )
            return
    table.surrogate_key = True
    table.key_comment = (
        f"no column nor pair of columns is unique in all {_rows(table)}: SQLite numbers the rows"
    )


def _rows(table: Table) -> str:
    read = plural(table.rows, "row")
    return read if table.complete else f"{read} read (of more)"


def _says(column: str, target: Table, key: str, own: bool) -> int | None:
    """How plainly a column's name points at a table's key: 0 by its name, 1 by its key's."""
    name = column.lower()
    words = name.split("_")
    names = {target.name.lower(), singular(target.name).lower()}
    spans = {
        "_".join(words[start:end])
        for start in range(len(words))
        for end in range(start + 1, len(words) + 1)
    }
    if not own and names & spans:
        return 0
    if name.endswith("_" + key.lower()) or (not own and name == key.lower()):
        return 1
    return None


def propose_foreign_keys(tables: Sequence[Table]) -> None:
    """Foreign keys to single-column keys, where the values and the name agree."""
    targets = [(table, table.key[0]) for table in tables if len(table.key) == 1]
    for table in tables:
        for column in table.columns:
            if column.type.kind not in KEY_KINDS or not column.type.distinct:
                continue
            found: list[tuple[int, str]] = []
            unnamed: list[str] = []
            for target, key in targets:
                own = target is table
                if (own and key is column) or key.type.kind != column.type.kind:
                    continue
                if not column.type.distinct <= key.type.distinct:
                    continue
                reference = f"{target.name}.{key.name}"
                said = _says(column.name, target, key.name, own)
                if said is None:
                    unnamed.append(reference)
                else:
                    found.append((said, reference))
            if found:
                found.sort()
                column.foreign_key = found[0][1]
                others = [reference for _, reference in found[1:]]
                if others:
                    column.comments.append(f"its values are also keys of {', '.join(others)}")
            elif unnamed and column.type.kind == TEXT and not column.primary_key:
                shown = " or ".join(f'ForeignKey("{reference}")' for reference in unnamed)
                column.comments.append(f"every value is a key of {', '.join(unnamed)}: {shown}?")


def propose_enum(table: Table, column: Column) -> None:
    """Text with few repeated values, all Python names, becomes an enum."""
    kind = column.type
    if kind.kind != TEXT or column.primary_key or column.foreign_key or kind.length is not None:
        return
    values = sorted(kind.distinct)
    if not ENUM_MIN <= len(values) <= ENUM_MAX or kind.present < ENUM_REPEATS * len(values):
        return
    if not all(
        value.isascii()
        and value.isidentifier()
        and not keyword.iskeyword(value)
        and not value.startswith("_")
        and value not in ENUM_RESERVED
        for value in values
    ):
        return
    column.enum_members = values
    column.comments.append(
        f"{len(values)} distinct values in {number(kind.present)} rows: an enum"
        " (Mapped[str] if other values may come)"
    )
