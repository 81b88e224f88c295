"""
Running the data checks the models declare (`microcosm_sqlite.checks`) on a loaded artifact:
the build, before it writes the manifest, and `verify --models` on any file.

Each check is one query over its table, which reads the offending rows' keys and values (the
first few, in key order) and counts them all in one pass. Values a check compares with go in
as its column's type stores them (its bind processor, in the artifact's dialect), so an
`AcceptedValues` of enum members, booleans or decimals compares with what was written.

The models' SQL (`where`, `NoRows`) is trusted, the file may not be: what a check shows of
the file is escaped (`formatting`), and the SQL only reads (the build runs the checks under an
authorizer that allows only reading, `verify` on its read-only connection).

"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table

from microcosm_sqlite.artifact.contents import quote
from microcosm_sqlite.artifact.dialect import artifact_dialect
from microcosm_sqlite.checks import (
    AcceptedValues,
    Check,
    ExistsIn,
    InRange,
    Matches,
    NoRows,
    NotNull,
    RowCount,
    Unique,
    declared_checks,
    target_of,
)
from microcosm_sqlite.errors import BuildInputError
from microcosm_sqlite.formatting import name_text, number, plural, quote_text

__all__ = [
    "MATCHES_FUNCTION",
    "SHOWN",
    "CheckResult",
    "declaration_problems",
    "only_reading",
    "run_checks",
]

# how many offending rows a failed check shows
SHOWN = 3
# the function `Matches` calls in SQL, registered on the connection the checks run on
MATCHES_FUNCTION = "microcosm_matches"
# what a read-only authorizer lets a check's query do
READING = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)


@dataclass(frozen=True)
class CheckResult:
    """A check that failed: its table, the check, and what was found."""

    table: str
    check: Check
    found: str
    # the check's own SQL failed: a mistake in the models, an error whatever its severity
    broken: bool = False

    @property
    def severity(self) -> str:
        """Whether the result fails a build ("error") or is reported ("warn")."""
        return "error" if self.broken else self.check.severity

    def line(self) -> str:
        """The result on one line, as `verify` and the build's warnings show it."""
        return f"table {name_text(self.table)}: check {self.check.label}: {self.found}"

    def problem(self) -> BuildInputError:
        """The result as a build's problem, located at its table."""
        return BuildInputError(f"check {self.check.label}: {self.found}", file=self.table)


def declaration_problems(base: type[Any]) -> list[BuildInputError]:
    """Checks naming a column or table the models do not have, or values no column can hold."""
    tables = base.metadata.tables
    problems = []
    for table_name, check in declared_checks(base):
        table = tables[table_name]
        for column in _columns_named(check):
            if column not in table.columns:
                problems.append(_declared(table_name, check, f"table has no column {column!r}"))
        if isinstance(check, ExistsIn):
            target = target_of(check.to) or ("", "")
            if target[0] not in tables or target[1] not in tables[target[0]].columns:
                problems.append(_declared(table_name, check, f"no column {'.'.join(target)}"))
        if isinstance(check, AcceptedValues | InRange) and check.column in table.columns:
            for value in _compared(check):
                try:
                    _stored(table.columns[check.column], value)
                except Exception as error:  # a type's bind processor raises what it likes
                    problems.append(
                        _declared(table_name, check, f"{value!r} cannot be stored: {error}")
                    )
    return problems


def run_checks(connection: sqlite3.Connection, base: type[Any]) -> list[CheckResult]:
    """Every declared check that fails on the artifact open on `connection`, in table order."""
    connection.create_function(MATCHES_FUNCTION, 2, _matches, deterministic=True)
    results = []
    for table_name, check in declared_checks(base):
        table = base.metadata.tables[table_name]
        try:
            found = _run(connection, table, check)
        except sqlite3.Error as error:
            results.append(CheckResult(table_name, check, f"its SQL failed: {error}", True))
            continue
        if found is not None:
            results.append(CheckResult(table_name, check, found))
    return results


def only_reading(action: int, *_: Any) -> int:
    """SQLite authorizer for running checks on a writable file: reading only."""
    return sqlite3.SQLITE_OK if action in READING else sqlite3.SQLITE_DENY


def _run(connection: sqlite3.Connection, table: Table, check: Check) -> str | None:
    """What the check found wrong in the table, or None when it holds."""
    name = quote(table.name)
    condition_sql = getattr(check, "where", None)
    where = f" AND ({condition_sql})" if condition_sql else ""
    if isinstance(check, RowCount):
        condition = f" WHERE ({check.where})" if check.where else ""
        (count,) = connection.execute(f"SELECT count(*) FROM {name}{condition}").fetchone()
        return _count_problem(check, count)
    if isinstance(check, NoRows):
        cursor = connection.execute(check.sql)
        names = [description[0] for description in cursor.description or ()]
        rows = cursor.fetchmany(SHOWN)
        count = len(rows) + sum(1 for _ in cursor)
        if not count:
            return None
        shown = [_row_text(names, row) for row in rows]
        return f"{plural(count, 'row')} returned: {_listed(shown, count)}"
    if isinstance(check, Unique):
        columns = ", ".join(map(quote, check.columns))
        present = " AND ".join(f"{quote(column)} IS NOT NULL" for column in check.columns)
        rows = connection.execute(
            f"SELECT {columns}, count(*), count(*) OVER () FROM {name} WHERE {present}{where}"
            f" GROUP BY {columns} HAVING count(*) > 1 ORDER BY {columns} LIMIT {SHOWN}"
        ).fetchall()
        if not rows:
            return None
        width = len(check.columns)
        shown = [
            f"{_row_text(check.columns, row[:width])} {number(row[width])} times" for row in rows
        ]
        return f"{plural(rows[0][-1], 'value')} repeated: {_listed(shown, rows[0][-1])}"
    condition, parameters = _condition(table, check)
    keys = [column.name for column in table.primary_key.columns] or ["rowid"]
    shown_columns = [*keys, *(c for c in _columns_named(check) if c not in keys)]
    rows = connection.execute(
        f"SELECT {', '.join(map(quote, shown_columns))}, count(*) OVER () FROM {name}"
        f" WHERE {condition}{where} ORDER BY {', '.join(map(quote, keys))} LIMIT {SHOWN}",
        parameters,
    ).fetchall()
    if not rows:
        return None
    count = rows[0][-1]
    shown = [_row_text(shown_columns, row[:-1]) for row in rows]
    return f"{plural(count, 'row')} fail: {_listed(shown, count)}"


def _condition(table: Table, check: Check) -> tuple[str, list[Any]]:
    """The SQL condition an offending row meets, and its parameters."""
    if isinstance(check, NotNull):
        return f"{quote(check.column)} IS NULL", []
    column = quote(getattr(check, "column", ""))
    if isinstance(check, AcceptedValues):
        stored = [_stored(table.columns[check.column], value) for value in check.values]
        marks = ", ".join("?" for _ in stored)
        return f"{column} IS NOT NULL AND {column} NOT IN ({marks})", stored
    if isinstance(check, InRange):
        bounds = []
        parameters = []
        for operator, bound in (("<", check.min), (">", check.max)):
            if bound is not None:
                bounds.append(f"{column} {operator} ?")
                parameters.append(_stored(table.columns[check.column], bound))
        return f"{column} IS NOT NULL AND ({' OR '.join(bounds)})", parameters
    if isinstance(check, Matches):
        return f"{column} IS NOT NULL AND NOT {MATCHES_FUNCTION}(?, {column})", [check.pattern]
    if isinstance(check, ExistsIn):
        other, target = (quote(part) for part in target_of(check.to) or ("", ""))
        return (
            f"{column} IS NOT NULL AND {column} NOT IN"
            f" (SELECT {target} FROM {other} WHERE {target} IS NOT NULL)",
            [],
        )
    raise TypeError(f"no way to run {check!r}")  # pragma: no cover - every kind is above


def _count_problem(check: RowCount, count: int) -> str | None:
    """What is wrong with a row count, or None."""
    low = check.min is not None and count < check.min
    high = check.max is not None and count > check.max
    if not (low or high):
        return None
    if check.min is not None and check.max is not None:
        expected = f"from {number(check.min)} to {number(check.max)}"
    elif check.min is not None:
        expected = f"at least {number(check.min)}"
    else:
        expected = f"at most {number(check.max or 0)}"
    return f"{plural(count, 'row')}, {expected} expected"


def _columns_named(check: Check) -> list[str]:
    """The columns of its own table a check names."""
    if isinstance(check, Unique):
        return list(check.columns)
    column = getattr(check, "column", None)
    return [column] if isinstance(column, str) else []


def _compared(check: AcceptedValues | InRange) -> list[Any]:
    """The values a check compares its column with."""
    if isinstance(check, AcceptedValues):
        return list(check.values)
    return [bound for bound in (check.min, check.max) if bound is not None]


def _stored(column: Column[Any], value: Any) -> Any:
    """A value as the column's type stores it."""
    dialect = artifact_dialect()
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    return value if processor is None else processor(value)


def _matches(pattern: str, value: Any) -> bool:
    """`Matches`' test: the whole value, as text (a number as Python writes it; a blob never)."""
    if isinstance(value, bytes):
        return False
    return re.fullmatch(pattern, value if isinstance(value, str) else str(value)) is not None


def _declared(table: str, check: Check, why: str) -> BuildInputError:
    return BuildInputError(f"check {check.label} is wrong: {why}", file=table)


def _row_text(names: Sequence[str], values: Sequence[Any]) -> str:
    """`(icao "00AK", iata "ab")`: a row's values by column, escaped."""
    parts = (
        f"{name_text(name)} {_value_text(value)}" for name, value in zip(names, values, strict=True)
    )
    return f"({', '.join(parts)})"


def _value_text(value: Any) -> str:
    """A stored value in a line: text quoted and escaped, a blob in hexadecimal, NULL."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return quote_text(value if len(value) <= 80 else value[:80] + "...")
    if isinstance(value, bytes):
        return f"x'{value[:40].hex()}{'...' if len(value) > 40 else ''}'"
    return repr(value)


def _listed(shown: list[str], count: int) -> str:
    """The rows shown, and how many more there are."""
    more = count - len(shown)
    return ", ".join(shown) + (f" and {number(more)} more" if more > 0 else "")
