"""
The one place SQLite's errors (raw, or wrapped by SQLAlchemy) become this library's, with the
data set, its path and where the path came from named.

"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError, IntegrityError

from microcosm_sqlite.artifact.defences import MAX_VALUE_BYTES
from microcosm_sqlite.errors import (
    DuplicateModelError,
    ModelIntegrityError,
    NotADatabaseError,
    ReadOnlyDataSetError,
    SQLiteError,
    UntrustedArtifactError,
)
from microcosm_sqlite.formatting import size


def translate_error(error: DBAPIError | sqlite3.Error, context: dict[str, str]) -> SQLiteError:
    """This library's error for one of SQLite's; `context` names the data set and its path."""
    raw = error.orig if isinstance(error, DBAPIError) else error
    message = str(raw)
    if isinstance(error, IntegrityError | sqlite3.IntegrityError):
        where = f"data set {context['dataset']!r} at {context['path']}"
        if "UNIQUE" in message or "PRIMARY KEY" in message:
            return DuplicateModelError(f"{where}: {message}")
        return ModelIntegrityError(f"{where}: {message}")
    name = getattr(raw, "sqlite_errorname", "")
    if name.startswith(("SQLITE_READONLY", "SQLITE_AUTH")) or any(
        phrase in message for phrase in ("readonly", "read-only", "not authorized")
    ):
        return ReadOnlyDataSetError(f"SQLite refused a write: {message}", **context)
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or (
        "malformed" in message or "not a database" in message
    ):
        return NotADatabaseError(f"the file is corrupt: {message}", **context)
    if name == "SQLITE_TOOBIG" or "too big" in message:
        return UntrustedArtifactError(
            f"a value or row is larger than {size(MAX_VALUE_BYTES)}, the most a reader accepts"
            f" ({message})",
            **context,
        )
    return SQLiteError(f"data set {context['dataset']!r} at {context['path']}: {message}")


def not_utf8(error: UnicodeDecodeError, context: dict[str, str]) -> NotADatabaseError:
    """Text SQLite gave back that is not UTF-8 (a damaged schema's error message, say)."""
    return NotADatabaseError(
        f"the file is corrupt: SQLite returned text that is not UTF-8 ({error})", **context
    )
