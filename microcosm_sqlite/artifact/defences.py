"""
SQLite's defences for database files one did not build, on every connection to an artifact.

Artifacts come from pull requests, other teams' wheels and URLs, so a reader treats each as
untrusted, following sqlite.org/security.html:

- `trusted_schema=OFF`: functions and virtual tables named in the schema (views, triggers,
  defaults, generated columns) run only when SQLite marks them innocuous;
- `cell_size_check=ON`: damaged page cells are caught before they are read past their end;
- defensive mode (Python 3.12+, `Connection.setconfig`): no writable schema, no writes to
  shadow tables. On 3.11, the read-only authorizer below refuses the pragmas that would lift
  the guards, and `query_only` and `mode=ro` refuse every write;
- limits: one value or row at most 64 MiB, one statement at most 1,000,000 bytes, no attached
  databases, SQLite's default depth of expressions and number of columns held to, whatever
  this SQLite was compiled with.

They are set once per connection. Only `cell_size_check` costs a read anything measurable: it
runs as each page is loaded into the page cache, so a cache too small for what the queries
read pays it again and again (hence the larger cache of full-text data sets,
`sqlite.fulltext_cache_size_kib`).

Before anything else is read, the tools look for what no build writes (`refused_objects`):
views, triggers and virtual tables, whose SQL or module code would run as the file is read,
except the full-text indexes a build writes and the manifest names (`artifact.fts.vouch`).

"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# the limit lives with the error table, which names it; builds import it from here
from microcosm_sqlite._error_mapping import MAX_VALUE_BYTES as MAX_VALUE_BYTES
from microcosm_sqlite.artifact.contents import unexpected_objects
from microcosm_sqlite.errors import UntrustedArtifactError

__all__ = [
    "LIMITS",
    "MAX_VALUE_BYTES",
    "harden",
    "refuse_guard_changes",
    "refused_objects",
    "time_bound",
]

LIMITS = {
    # longest string, blob or row
    sqlite3.SQLITE_LIMIT_LENGTH: MAX_VALUE_BYTES,
    # longest statement, schema statements included: a table of 2,000 columns takes ~60 KB
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 1_000_000,
    # deepest expression: Stores' and SQLAlchemy's longest AND/OR chains stay far below
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: 1000,
    sqlite3.SQLITE_LIMIT_COLUMN: 2000,
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,
}
PRAGMAS = ("PRAGMA trusted_schema = OFF", "PRAGMA cell_size_check = ON")
# pragmas that, once set, could lift the read-only guards or (without immutable) change the file
GUARDED_PRAGMAS = frozenset(
    {"journal_mode", "query_only", "writable_schema", "trusted_schema", "cell_size_check"}
)
# how many SQLite virtual machine steps pass between two looks at the clock
STEPS_PER_CHECK = 10_000


def harden(connection: sqlite3.Connection) -> None:
    """
    Turn on the defences for untrusted files on a new connection; raises `sqlite3.Error`.

    Call it before the connection's first query. The authorizer goes on last, since it
    refuses the pragmas set here.

    """
    for limit, value in LIMITS.items():
        connection.setlimit(limit, value)
    for pragma in PRAGMAS:
        connection.execute(pragma)
    defensive = getattr(sqlite3, "SQLITE_DBCONFIG_DEFENSIVE", None)
    if defensive is not None:  # Python 3.12 and newer
        connection.setconfig(defensive, True)  # type: ignore[attr-defined,unused-ignore]
    connection.execute("PRAGMA query_only = ON")
    connection.set_authorizer(refuse_guard_changes)


def refused_objects(connection: sqlite3.Connection) -> list[str]:
    """
    What a reader of a file it did not build refuses, one line each: every virtual table but
    the full-text indexes it can vouch for (with why), then views and triggers.

    """
    # the tools' check, not a reader's: reading never loads the full-text code this needs
    from microcosm_sqlite.artifact.fts import vouch

    return vouch(connection)[1] + unexpected_objects(connection, virtual=False)


def refuse_guard_changes(action: int, name: str | None, value: str | None, *_: Any) -> int:
    """
    SQLite authorizer for read-only connections: no ATTACH, no setting a guarded pragma.

    `mode=ro` already refuses writes; with `immutable=1`, though, `PRAGMA journal_mode=WAL`
    would pass silently, and ATTACH could create a new file next to the artifact.

    """
    if action == sqlite3.SQLITE_ATTACH:
        return sqlite3.SQLITE_DENY
    if (
        action == sqlite3.SQLITE_PRAGMA
        and value is not None
        and name is not None
        and name.lower() in GUARDED_PRAGMAS
    ):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


@contextmanager
def time_bound(
    connection: sqlite3.Connection, seconds: float, context: dict[str, str]
) -> Iterator[None]:
    """
    Stop any query of the block that runs past `seconds`: `UntrustedArtifactError`, never a hang.

    SQLite calls the handler every few thousand steps of its virtual machine; a nonzero answer
    interrupts the statement.

    """
    deadline = time.monotonic() + seconds

    def past_deadline() -> int:
        return time.monotonic() > deadline

    connection.set_progress_handler(past_deadline, STEPS_PER_CHECK)
    try:
        yield
    except sqlite3.OperationalError as error:
        if "interrupted" not in str(error) or time.monotonic() <= deadline:
            raise
        raise UntrustedArtifactError(
            f"a query ran longer than {seconds:g} s, the bound for reading a file's schema;"
            " the file may be crafted to hang its readers",
            **context,
        ) from error
    finally:
        connection.set_progress_handler(None, 0)
