"""
The one table that turns errors from SQLite (raw `sqlite3`, or wrapped by SQLAlchemy) into this
library's, and the ways to apply it: `translate_error` for an error in hand, `translating`
around a block, `table_error` for an engine's listener. Store calls, engines, the tools and the
CLI all map errors here.

The table's rules fall in three groups:

- the file's: corrupt, not UTF-8, a value past a reader's limits, a refused write. These become
  `DataSetError`s naming the data set, its path and where the path came from (`context`), in
  `str()`; what a client is told (`description`) names the data set alone.
- the input's: a value SQLite cannot take as a parameter (a lone surrogate, an integer past 64
  bits, a dict, a name an enum lacks). These become the caller's 400 (`refused`), which names the
  store and the value it was given, and never the file. Without `refused`, no rule claims them.
- the stored values': a value a column's type cannot read back, met while `reading` rows of a
  model, becomes `UnreadableValueError`.

The first rule that matches an error decides.

"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import NamedTuple

from sqlalchemy.exc import DBAPIError, StatementError

from microcosm_sqlite.errors import (
    DataSetError,
    DuplicateModelError,
    ModelIntegrityError,
    NotADatabaseError,
    ReadOnlyDataSetError,
    SQLiteError,
    UnreadableValueError,
    UntrustedArtifactError,
)
from microcosm_sqlite.formatting import size

__all__ = ["MAX_VALUE_BYTES", "Refusal", "table_error", "translate_error", "translating"]

# the most one value or row of an artifact may hold: builds refuse more, and every reader sets
# it as SQLite's length limit (`artifact.defences`)
MAX_VALUE_BYTES = 64 * 1024 * 1024

# the caller's 400 for input SQLite cannot take, given why (InvalidIdentifierError, say)
Refusal = Callable[[str], SQLiteError]
# what a rule's error becomes when it is the input's: the caller's refusal
INPUT = None
# what a column type raises reading a stored value it cannot convert back
UNREADABLE = (ValueError, TypeError, LookupError, ArithmeticError)
# what binding a value raises outside SQLAlchemy (the fast path's own key processing): a type
# refusing it, an integer past 64 bits
UNBINDABLE = (ValueError, TypeError, ArithmeticError)


class Rule(NamedTuple):
    """
    One row of the table: errors of `kinds` become `becomes` (INPUT: the caller's refusal),
    with `reason` ({message} is the error's first line, {model} the model whose rows are read).
    `codes` (SQLite's result code names, by prefix) or `phrases` (words of the message, for
    errors that carry no code name) narrow a rule to some errors of its kinds.

    """

    kinds: tuple[type[BaseException], ...]
    becomes: type[SQLiteError] | None
    reason: str = "{message}"
    codes: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()

    def matches(self, error: BaseException, code: str, message: str) -> bool:
        """Whether this rule is about the error."""
        if not isinstance(error, self.kinds):
            return False
        if not (self.codes or self.phrases):
            return True
        return code.startswith(self.codes) or any(phrase in message for phrase in self.phrases)


TABLE: tuple[Rule, ...] = (
    # --- the file's, and writes to it ---
    Rule(
        (sqlite3.IntegrityError,),
        DuplicateModelError,
        codes=("SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE"),
        phrases=("UNIQUE", "PRIMARY KEY"),
    ),
    Rule((sqlite3.IntegrityError,), ModelIntegrityError),
    Rule(
        (sqlite3.Error,),
        ReadOnlyDataSetError,
        "SQLite refused a write: {message}",
        codes=("SQLITE_READONLY", "SQLITE_AUTH"),
        phrases=("readonly", "read-only", "not authorized"),
    ),
    Rule(
        (sqlite3.Error,),
        NotADatabaseError,
        "the file is corrupt: {message}",
        codes=("SQLITE_CORRUPT", "SQLITE_NOTADB"),
        phrases=("malformed", "not a database"),
    ),
    Rule(
        (sqlite3.Error,),
        UntrustedArtifactError,
        f"a value or row is larger than {size(MAX_VALUE_BYTES)}, the most a reader accepts"
        " ({message})",
        codes=("SQLITE_TOOBIG",),
        phrases=("too big",),
    ),
    # text SQLite gave back that is not UTF-8 (a damaged schema's error message, say)
    Rule(
        (UnicodeDecodeError,),
        NotADatabaseError,
        "the file is corrupt: SQLite returned text that is not UTF-8 ({message})",
    ),
    # --- the input's ---
    # text Python cannot encode as UTF-8 (a lone surrogate such as "\udc80")
    Rule((UnicodeEncodeError,), INPUT),
    # a type sqlite3 cannot bind (a dict, an object)
    Rule((sqlite3.InterfaceError, sqlite3.ProgrammingError), INPUT, phrases=("binding parameter",)),
    # a value a column type's bind processor refused, which SQLAlchemy wraps
    Rule((StatementError,), INPUT),
    # --- the stored values', while rows are read ---
    Rule(UNREADABLE, UnreadableValueError, "a value of {model} cannot be read: {message}"),
    # --- the input's again: outside `reading`, these come from binding it ---
    Rule(UNBINDABLE, INPUT),
    # --- anything else SQLite raised ---
    Rule((sqlite3.Error,), SQLiteError),
)


def translate_error(
    error: BaseException,
    context: Mapping[str, str],
    *,
    refused: Refusal | None = None,
    reading: str | None = None,
) -> SQLiteError:
    """
    This library's error for one that SQLite, sqlite3 or SQLAlchemy raised (raise it `from
    error`): the table's, else a plain SQLiteError naming the data set. `context` names the
    data set, its path and origin; `refused` and `reading` as for `translating`.

    """
    return table_error(error, context, refused=refused, reading=reading) or SQLiteError(
        f"{where(context)}: {first_line(error)}", dataset=context.get("dataset")
    )


@contextmanager
def translating(
    context: Mapping[str, str], *, refused: Refusal | None = None, reading: str | None = None
) -> Iterator[None]:
    """
    Inside the block, errors the table knows become this library's, raised from them; any other
    error passes unchanged. `refused` makes a value SQLite cannot take the caller's 400;
    `reading` names the model whose stored values are being read.

    """
    try:
        yield
    except SQLiteError:
        raise
    except Exception as error:
        translated = table_error(error, context, refused=refused, reading=reading)
        if translated is None:
            raise
        raise translated from error


def table_error(
    error: BaseException,
    context: Mapping[str, str],
    *,
    refused: Refusal | None = None,
    reading: str | None = None,
) -> SQLiteError | None:
    """
    The first matching rule's error, or None when no rule claims this one (an engine's
    `handle_error` listener leaves those to SQLAlchemy and to the Store call around it).

    """
    if isinstance(error, SQLiteError):
        return error
    raw = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    code: str = getattr(raw, "sqlite_errorname", "")
    message = first_line(raw)
    for rule in TABLE:
        if not rule.matches(raw, code, message):
            continue
        if rule.becomes is INPUT:
            return None if refused is None else refused(message)
        if rule.becomes is UnreadableValueError:
            if reading is None:
                continue
            reason = rule.reason.format(message=message, model=reading)
            return UnreadableValueError(reason, **context)
        reason = rule.reason.format(message=message)
        if issubclass(rule.becomes, DataSetError):
            return rule.becomes(reason, **context)
        return rule.becomes(f"{where(context)}: {reason}", dataset=context.get("dataset"))
    return None


def first_line(error: BaseException) -> str:
    """An error's message without what SQLAlchemy appends (the SQL, its parameters, a link)."""
    if isinstance(error, StatementError) and error.orig is not None:
        error = error.orig
    return str(error).split("\n")[0]


def where(context: Mapping[str, str]) -> str:
    """The data set and its path, for errors that take no context of their own."""
    path = context.get("path")
    return f"data set {context.get('dataset', '?')!r}" + ("" if path is None else f" at {path}")
