"""
The problems a build collects: bad values, missing or unknown columns, duplicate keys, keys
with no match. A build reports them all at once, up to a limit, as one `BuildError`.

`Problems.add` raises `TooManyProblems` at the limit, which stops the reading wherever it is;
`collecting` is the one place that catches it, and turns what was found into the error.

A row refused for a bad value is not written, so keys in other tables that point at it have no
match. Sources say what did convert in such a row (`refuse`), and the table writer folds those
keys into the row's own problem (`fold`) rather than report each as one more problem.

"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from microcosm_sqlite.errors import BuildError, BuildInputError
from microcosm_sqlite.formatting import plural

__all__ = [
    "IN_THE_SOURCES",
    "DiscardedProblems",
    "Problems",
    "RefusedRow",
    "TooManyProblems",
    "collecting",
]

# where problems are, in the build's error message
IN_THE_SOURCES = "in the sources"
# runs of digits in a source's name, which sort as numbers
DIGITS = re.compile(r"([0-9]+)")


class TooManyProblems(Exception):
    """Raised by `Problems.add` once the limit is reached: the build stops reading."""


@dataclass(frozen=True)
class RefusedRow:
    """A row refused for its problems: the values that did convert, and its last problem."""

    table: str
    values: dict[str, Any]
    # the index of its problem in `Problems.found`
    problem: int


@dataclass
class Problems:
    """Every input problem found so far, up to `limit`; past it, reading stops."""

    limit: int = 20
    found: list[BuildInputError] = field(default_factory=list)
    # rows refused for their values, which keys of other tables may point at
    refused: list[RefusedRow] = field(default_factory=list)

    def add(self, problem: BuildInputError) -> None:
        """Keep `problem`; raises `TooManyProblems` when it is the last one the limit allows."""
        self.found.append(problem)
        if len(self.found) >= self.limit:
            raise TooManyProblems()

    def refuse(self, table: str, values: dict[str, Any]) -> None:
        """The row whose problem was just added is not written: `values` is what converted."""
        if self.found:
            self.refused.append(RefusedRow(table, values, len(self.found) - 1))

    def refused_keys(self, table: str, columns: tuple[str, ...]) -> dict[tuple[Any, ...], int]:
        """The refused rows of `table` by their values of `columns` (those that converted)."""
        return {
            tuple(row.values[name] for name in columns): row.problem
            for row in self.refused
            if row.table == table and all(name in row.values for name in columns)
        }

    def fold(self, index: int, note: str) -> None:
        """Add a note to the problem at `index`: what else it caused."""
        problem = self.found[index]
        self.found[index] = BuildInputError(
            f"{problem.reason} ({note})",
            file=problem.file,
            line=problem.line,
            column=problem.column,
        )

    def __bool__(self) -> bool:
        return bool(self.found)

    def __len__(self) -> int:
        return len(self.found)


class DiscardedProblems(Problems):
    """A sink for second passes, whose problems were reported by the first."""

    def add(self, problem: BuildInputError) -> None:
        """Forget `problem`: the first pass reported it."""

    def refuse(self, table: str, values: dict[str, Any]) -> None:
        """Forget the row: the first pass reported it."""


@contextmanager
def collecting(
    problems: Problems, context: dict[str, Any], where: str = IN_THE_SOURCES
) -> Iterator[None]:
    """
    Run a step that adds to `problems`, stopping quietly at their limit; then raise
    `BuildError` (with `context` and the problems in source order) if any were found.

    """
    with suppress(TooManyProblems):
        yield
    if problems:
        raise _failed_build(problems, context, where) from None


def _failed_build(
    problems: Problems, context: dict[str, Any], where: str = IN_THE_SOURCES
) -> BuildError:
    """The `BuildError` that reports `problems` (it is returned, for the caller to raise)."""
    count = len(problems)
    more = " (stopped there; --max-errors raises the limit)" if count >= problems.limit else ""
    return BuildError(
        f"{plural(count, 'problem')} {where}{more}",
        problems=in_source_order(problems.found),
        **context,
    )


def in_source_order(problems: Iterable[BuildInputError]) -> list[BuildInputError]:
    """
    Problems by file, then line: the order they were found in is the order of the checks
    (a bad value as its batch is read, a duplicate key as the batch is inserted), not theirs.
    Problems of a whole file (no line) come first among its own. Numbers in names sort as
    numbers, so rows from Python (`city[2]`, `city[10]`) come in row order.
    """
    return sorted(problems, key=lambda problem: (_natural(problem.file), problem.line or 0))


def _natural(name: str) -> tuple[str | int, ...]:
    """A name's sort key with its runs of digits as numbers: `city[2]` before `city[10]`."""
    return tuple(int(part) if index % 2 else part for index, part in enumerate(DIGITS.split(name)))
