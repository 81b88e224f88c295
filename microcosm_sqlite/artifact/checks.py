"""
SQLite's own checks of a whole artifact, one line per problem: the build runs them on the file
it finished, `verify` on any file.

"""

from __future__ import annotations

import sqlite3

from microcosm_sqlite.formatting import plural

__all__ = ["MAX_LISTED", "foreign_key_problems", "integrity_problems"]

# how many foreign key violations are listed before they are only counted
MAX_LISTED = 20


def integrity_problems(connection: sqlite3.Connection) -> list[str]:
    """What `PRAGMA integrity_check` finds, or the error that stopped it; empty when sound."""
    try:
        return [line for (line,) in connection.execute("PRAGMA integrity_check") if line != "ok"]
    except sqlite3.DatabaseError as error:
        return [str(error)]


def foreign_key_problems(connection: sqlite3.Connection) -> list[str]:
    """Rows whose foreign keys reference no row: the first few listed, then a count."""
    problems: list[str] = []
    count = 0
    for table, rowid, parent, _ in connection.execute("PRAGMA foreign_key_check"):
        count += 1
        if count <= MAX_LISTED:
            problems.append(
                f"foreign key: table {table} row {rowid} references a missing row of {parent}"
            )
    if count > MAX_LISTED:
        more = count - MAX_LISTED
        which = "references a missing row" if more == 1 else "reference missing rows"
        problems.append(f"foreign key: {plural(more, 'more row')} {which}")
    return problems
