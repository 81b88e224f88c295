"""
A read-only look inside an artifact, one did not necessarily build: `query` (one SELECT),
`rows` (a table's rows, filtered) and `get` (one row by primary key).

The file opens as `inspect` opens it (`open_artifact`: read-only, SQLite's defences for
untrusted files, views, triggers and virtual tables refused). The statement then runs under
three more guards, each on by default:

- an authorizer that lets it read and nothing else: SQLite asks it about every table, column,
  function and pragma while it prepares the statement, so a statement that would write
  (`INSERT`, `REPLACE`, `WITH ... INSERT`, `UPDATE`, `DELETE`), change the schema (`CREATE`,
  temporary tables too, `DROP`, `ALTER`, `REINDEX`, `ANALYZE`), attach a file (`ATTACH`,
  `VACUUM INTO`), open a transaction, set a pragma or load an extension (`load_extension()`)
  is refused with `QueryRefusedError` before any of it runs. Statements that do not start as a
  read (`SELECT`, `VALUES`, `WITH`, `EXPLAIN`, `PRAGMA`) are refused before SQLite sees them,
  and so is a second statement after the first;
- a time bound (`seconds`, 10 by default): past it the statement stops, `QueryTimeoutError`;
- a row limit (`limit`, 1,000 by default): the result says when more rows were left out.

"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from microcosm_sqlite.artifact.contents import MANIFEST_TABLE, columns_of, data_tables, quote
from microcosm_sqlite.artifact.opening import open_artifact
from microcosm_sqlite.errors import SQLiteError

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_SECONDS",
    "QueryError",
    "QueryRefusedError",
    "QueryResult",
    "QueryTimeoutError",
    "RowNotFoundError",
    "get_row",
    "query_artifact",
    "table_rows",
]

DEFAULT_LIMIT = 1000
DEFAULT_SECONDS = 10.0
# how many SQLite virtual machine steps pass between two looks at the clock
STEPS_PER_CHECK = 1000

Parameters = Sequence[Any] | Mapping[str, Any]

# the first word of a statement that reads
READING_STATEMENTS = frozenset({"SELECT", "VALUES", "WITH", "EXPLAIN", "PRAGMA"})
# pragmas that only describe the file or the library, whatever their argument
DESCRIBING_PRAGMAS = frozenset(
    {
        "collation_list",
        "compile_options",
        "database_list",
        "foreign_key_check",
        "foreign_key_list",
        "function_list",
        "index_info",
        "index_list",
        "index_xinfo",
        "integrity_check",
        "module_list",
        "pragma_list",
        "quick_check",
        "table_info",
        "table_list",
        "table_xinfo",
    }
)
# pragmas that set something when given a value, and only read it without one
SETTING_PRAGMAS = frozenset(
    {
        "application_id",
        "auto_vacuum",
        "cache_size",
        "cell_size_check",
        "encoding",
        "foreign_keys",
        "freelist_count",
        "journal_mode",
        "page_count",
        "page_size",
        "query_only",
        "schema_version",
        "trusted_schema",
        "user_version",
    }
)
# functions that reach outside the database, or load code
REFUSED_FUNCTIONS = frozenset(
    {"load_extension", "fts3_tokenizer", "readfile", "writefile", "edit", "sqlite_dbpage"}
)
# why each authorizer action is refused; actions not listed here nor allowed are refused too
REFUSALS = {
    sqlite3.SQLITE_INSERT: "it writes rows",
    sqlite3.SQLITE_UPDATE: "it writes rows",
    sqlite3.SQLITE_DELETE: "it deletes rows",
    sqlite3.SQLITE_ATTACH: "it attaches a database file (ATTACH, VACUUM INTO)",
    sqlite3.SQLITE_DETACH: "it detaches a database",
    sqlite3.SQLITE_TRANSACTION: "it controls a transaction",
    sqlite3.SQLITE_SAVEPOINT: "it controls a transaction",
    sqlite3.SQLITE_ANALYZE: "it writes statistics (ANALYZE)",
    sqlite3.SQLITE_REINDEX: "it rebuilds an index",
    sqlite3.SQLITE_ALTER_TABLE: "it changes the schema",
}
ALLOWED_ACTIONS = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE})
SCHEMA_TABLES = frozenset({"sqlite_master", "sqlite_schema", "sqlite_temp_master"})
# comments and blanks before a statement's first word
LEADING = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?(?:\*/|$))*", re.DOTALL)
FIRST_WORD = re.compile(r"[A-Za-z]+")


class QueryError(SQLiteError):
    """A query, `rows` or `get` that cannot run: bad SQL, an unknown table, a bad key."""

    status_code = 400


class QueryRefusedError(QueryError):
    """A statement that would do more than read: it is refused before it runs."""


class QueryTimeoutError(QueryError):
    """A statement that ran past its time bound, and was stopped."""


class RowNotFoundError(QueryError):
    """`get` found no row with the key."""

    status_code = 404


@dataclass
class QueryResult:
    """The columns of a statement's result, its rows as they stream, and whether rows were
    left out by the limit (known once `rows` is exhausted)."""

    columns: tuple[str, ...]
    rows: Iterator[tuple[Any, ...]]
    limit: int | None
    truncated: bool = field(default=False)


class ReadingAuthorizer:
    """An sqlite3 authorizer that allows reading only, and remembers why it refused."""

    def __init__(self) -> None:
        self.refusal: str | None = None

    def __call__(self, action: int, first: str | None, second: str | None, *_: Any) -> int:
        """SQLITE_OK for what reads; SQLITE_DENY, with the reason kept, for anything else."""
        reason = self.reason(action, first, second)
        if reason is None:
            return sqlite3.SQLITE_OK
        if self.refusal is None:
            self.refusal = reason
        return sqlite3.SQLITE_DENY

    @staticmethod
    def reason(action: int, first: str | None, second: str | None) -> str | None:
        """Why SQLite's request is refused, or None when it only reads."""
        if action in ALLOWED_ACTIONS:
            return None
        if action == sqlite3.SQLITE_FUNCTION:
            name = (second or "").lower()
            if name in REFUSED_FUNCTIONS:
                return f"it calls {name}(), which loads code or reaches outside the database"
            return None
        if action == sqlite3.SQLITE_PRAGMA:
            name = (first or "").lower()
            if name in DESCRIBING_PRAGMAS or (name in SETTING_PRAGMAS and second is None):
                return None
            if name in SETTING_PRAGMAS:
                return f"it changes a setting (PRAGMA {name})"
            return f"PRAGMA {name} is not one that only reads"
        if action == sqlite3.SQLITE_UPDATE and (first or "").lower() in SCHEMA_TABLES:
            return (
                "it writes the schema table (table-valued pragma functions ask to as well:"
                " use the PRAGMA statement, such as `PRAGMA table_info(t)`)"
            )
        return REFUSALS.get(action, "it changes the database or its schema")


def check_statement(sql: str, path: str) -> None:
    """Refuse, before SQLite sees it, a statement whose first word is not a reading one."""
    match = FIRST_WORD.match(sql, LEADING.match(sql).end())  # type: ignore[union-attr]
    word = match.group(0).upper() if match else ""
    if word not in READING_STATEMENTS:
        shown = word or "an empty statement"
        raise QueryRefusedError(
            f"{path}: {shown} refused: only statements that read run here"
            f" ({', '.join(sorted(READING_STATEMENTS))})"
        )


@contextmanager
def guarded(
    connection: sqlite3.Connection, path: str, seconds: float | None
) -> Iterator[ReadingAuthorizer]:
    """The block's statements read only, and stop past `seconds`; SQLite's errors become ours."""
    authorizer = ReadingAuthorizer()
    deadline = None if not seconds else time.monotonic() + seconds

    def past_deadline() -> int:
        return deadline is not None and time.monotonic() > deadline

    connection.set_authorizer(authorizer)
    connection.set_progress_handler(past_deadline, STEPS_PER_CHECK)
    try:
        yield authorizer
    except (sqlite3.ProgrammingError, sqlite3.Warning) as error:
        if "one statement" in str(error):
            raise QueryRefusedError(
                f"{path}: one statement at a time: the text holds more than one"
            ) from error
        raise QueryError(f"{path}: {error}") from error
    except sqlite3.DatabaseError as error:
        if authorizer.refusal is not None:
            raise QueryRefusedError(
                f"{path}: statement refused: {authorizer.refusal}; only reading runs here"
            ) from error
        if "interrupted" in str(error) and deadline is not None:
            raise QueryTimeoutError(
                f"{path}: the statement ran longer than {seconds:g} s and was stopped"
                " (--timeout SECONDS; 0 for no bound)"
            ) from error
        if isinstance(error, sqlite3.OperationalError):
            raise QueryError(f"{path}: {error}") from error
        raise
    finally:
        connection.set_progress_handler(None, 0)


@contextmanager
def query_artifact(
    path: str | os.PathLike[str],
    sql: str,
    parameters: Parameters = (),
    *,
    limit: int | None = DEFAULT_LIMIT,
    seconds: float | None = DEFAULT_SECONDS,
) -> Iterator[QueryResult]:
    """
    The result of one reading statement on the artifact at `path`, rows streamed in the block.

    `limit` rows at most (None: all), within `seconds` (None or 0: no bound). Raises
    `QueryRefusedError` for a statement that would do more than read, `QueryTimeoutError`,
    `QueryError` for SQL SQLite refuses, and the errors of `open_artifact`.

    """
    location = os.fspath(path)
    check_statement(sql, location)
    with open_artifact(location) as connection, guarded(connection, location, seconds):
        cursor = connection.execute(sql, parameters)
        columns = tuple(description[0] for description in cursor.description or ())
        result = QueryResult(columns, iter(()), limit)
        result.rows = _limited(cursor, result)
        yield result


def _limited(cursor: sqlite3.Cursor, result: QueryResult) -> Iterator[tuple[Any, ...]]:
    """The cursor's rows up to the limit; one more is fetched to tell whether any were left."""
    for count, row in enumerate(cursor):
        if result.limit is not None and count >= result.limit:
            result.truncated = True
            return
        yield row


def _table_columns(
    connection: sqlite3.Connection, table: str, path: str
) -> tuple[list[str], list[str]]:
    """A table's columns and its primary key's columns in key order; `QueryError` if none."""
    tables = [*data_tables(connection), MANIFEST_TABLE]
    if table not in tables:
        raise QueryError(
            f"{path}: no table named {table!r} (tables: {', '.join(data_tables(connection))})"
        )
    columns = columns_of(connection, table)
    keys = sorted((column for column in columns if column.primary_key), key=lambda c: c.primary_key)
    return [column.name for column in columns], [column.name for column in keys]


@contextmanager
def table_rows(
    path: str | os.PathLike[str],
    table: str,
    *,
    where: str | None = None,
    parameters: Parameters = (),
    limit: int | None = DEFAULT_LIMIT,
    seconds: float | None = DEFAULT_SECONDS,
) -> Iterator[QueryResult]:
    """
    A table's rows in primary key order (rowid order without one), those matching the SQL
    expression `where` when given, under `query_artifact`'s guards.

    """
    location = os.fspath(path)
    with open_artifact(location) as connection:
        _, keys = _table_columns(connection, table, location)
    order = ", ".join(quote(key) for key in keys) or "rowid"
    condition = f" WHERE ({where})" if where else ""
    sql = f"SELECT * FROM {quote(table)}{condition} ORDER BY {order}"
    with query_artifact(location, sql, parameters, limit=limit, seconds=seconds) as result:
        yield result


def get_row(
    path: str | os.PathLike[str],
    table: str,
    key: Sequence[str],
    *,
    seconds: float | None = DEFAULT_SECONDS,
) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """
    The columns and the one row of `table` whose primary key is `key` (one value per key
    column, as text: SQLite compares it as the column's type). `RowNotFoundError` if none.

    """
    location = os.fspath(path)
    with open_artifact(location) as connection:
        _, keys = _table_columns(connection, table, location)
    if not keys:
        raise QueryError(
            f"{location}: table {table!r} has no primary key; find rows with `rows --where`"
        )
    if len(key) != len(keys):
        raise QueryError(
            f"{location}: table {table!r} has the key ({', '.join(keys)}):"
            f" give {len(keys)} value{'s' if len(keys) > 1 else ''}, not {len(key)}"
        )
    condition = " AND ".join(f"{quote(name)} = ?" for name in keys)
    sql = f"SELECT * FROM {quote(table)} WHERE {condition}"
    with query_artifact(location, sql, tuple(key), limit=1, seconds=seconds) as result:
        found = list(result.rows)
        columns = result.columns
    if not found:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(keys, key, strict=True))
        raise RowNotFoundError(f"{location}: table {table!r} has no row with {shown}")
    return columns, found[0]
