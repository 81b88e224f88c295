"""
`ReadOnlyEngine`: an artifact's engine, the default (and always, for shipped data sets).

Read-only files open through a `file:` URI with `mode=ro` (and `immutable=1` unless turned off),
and every connection sets `query_only`, so nothing in the process can change the artifact, with
SQLite's other defences for files one did not build (`microcosm_sqlite.artifact.defences`).
Plain models read through the fast path (`microcosm_sqlite.reading`) when the process passed its
probe and `sqlite.fast_path` is on.

A read-only graph reads one version of a file at a time. Deploys rename a new build over the
path while services run, so the graph looks at the path at most once per
`replacement_check_seconds`; when the file there is another one, and it fits every model read so
far, every thread moves to it at the start of its next call, and no call begins on the old one
after that.

"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from microcosm_sqlite._error_mapping import translating
from microcosm_sqlite.artifact.contents import IS_VIRTUAL
from microcosm_sqlite.artifact.defences import harden
from microcosm_sqlite.artifact.dialect import ARTIFACT_DRIVER
from microcosm_sqlite.artifact.header import FileVersion, check_artifact
from microcosm_sqlite.artifact.opening import read_only_uri
from microcosm_sqlite.engines._base import (
    ENGINE_INFO_KEY,
    VERSION_ATTEMPTS,
    DataSetEngine,
    EngineOptions,
)
from microcosm_sqlite.engines._lifetime import weakly
from microcosm_sqlite.engines._model_checks import model_problem
from microcosm_sqlite.errors import ReadOnlyDataSetError
from microcosm_sqlite.paths import ResolvedPath
from microcosm_sqlite.reading.probe import fast_path_available
from microcosm_sqlite.reading.readers import FastReader, Reader
from microcosm_sqlite.reading.rows import RowReader
from microcosm_sqlite.reading.sessions import dataset_base, defer_states

__all__ = ["ReadOnlyEngine", "VersionedConnection"]

ModelT = TypeVar("ModelT")

# the statements of a file's virtual tables, read from its schema alone
VIRTUAL_TABLES = f"SELECT sql FROM sqlite_schema WHERE type = 'table' AND {IS_VIRTUAL}"


class VersionedConnection(sqlite3.Connection):
    """A connection that knows which version of its file it opened."""

    version: FileVersion | None = None


class ReadOnlyEngine(DataSetEngine):
    """An artifact's engine: defended read-only connections, one file version at a time."""

    read_only = True

    def __init__(self, resolved: ResolvedPath, options: EngineOptions) -> None:
        # rows straight into instances (`microcosm_sqlite.reading`), where SQLAlchemy allows it
        self.fast_path = options.fast_path and fast_path_available()
        # first: a path with no ready artifact fails before anything is set up
        version = check_artifact(resolved.path, resolved.context())
        super().__init__(resolved, options)
        # read-only files are read one version at a time (see the module's docstring)
        self.follows_replacements = not resolved.in_memory
        self.version = version
        # a function, not a bound method: SQLAlchemy keeps a sessionmaker's listeners for as
        # long as its session class lives, which they would then keep alive with this engine
        event.listen(self.sessionmaker, "before_flush", _refuse_flush)
        self._open_first_connection()

    def check_replacement(self, force: bool = False) -> None:
        """
        Move the graph to the file now at the path, when it is another one.

        The new file is checked first, as at first use, and against every model read so far:
        when it is not a ready artifact or does not fit them, every read fails with that error
        (and looks again) until a good one arrives, rather than answering from a file the
        deploy meant to retire or from one its models cannot read.

        """
        with self.replacement_lock:
            now = time.monotonic()
            if not force and now < self._next_check:
                return  # another thread just looked
            if FileVersion.at(self.path) != self.version:
                self._next_check = 0.0
                current = check_artifact(self.path, self.context())
                if current != self.version:
                    if not self._models_fit(current):
                        return  # replaced again meanwhile: the next call looks again
                    # connections of the old file go: idle ones now, those in use as their
                    # threads move
                    self.engine.dispose()
                    self.version = current
            self._next_check = now + self.options.replacement_check_seconds

    def _models_fit(self, version: FileVersion) -> bool:
        """
        Every model read so far checked against a new file before any read of it, on a
        connection of its own: raises what keeps one from being read; False when the file at
        the path is no longer `version`.

        """
        with translating(self.error_context), closing(self._connect_read_only()) as connection:
            if connection.version != version:
                return False
            self._set_up(connection)
            for model in list(self.checked_models):
                problem = model_problem(connection, model, self.error_context)
                if problem is not None:
                    raise problem
        return True

    def _end_failed(self, session: Session) -> None:
        """A read-only session has nothing to undo: ending it keeps every instance loaded (a
        rollback would expire them all, the cache's included)."""
        self._end(session)

    def _choose_reader(self, model: type[ModelT]) -> Reader[ModelT]:
        """The fast path's reader where this engine reads fast and the model is plain enough."""
        orm = self._orm_reader(model)
        base = dataset_base(model)
        if not self.fast_path or base is None or not RowReader.supports(model):
            return orm
        # from now on the base's instances get their ORM state only when asked
        defer_states(base)
        rows = RowReader(model, self.engine.dialect, self.error_context)
        return FastReader(rows, self.thread_reads, self.refuse_changes, orm)

    def refuse_changes(self, session: Session) -> None:
        """
        Fail on a change left pending in a thread's session, and undo it, as the end of any
        Store call does: nothing here is ever written.

        """
        session.rollback()
        self.refuse_write("flush changes")

    def refuse_write(self, action: str) -> None:
        """Raise ReadOnlyDataSetError, before anything is touched: this data set is read-only."""
        why = (
            "an installed package ships it, and shipped data is never written"
            if self.resolved.shipped and not self.options.read_only
            else "sqlite.read_only is true"
        )
        raise ReadOnlyDataSetError(
            f"cannot {action}: the data set is read-only ({why}; 2.x wrote by default, 3.x"
            " writes only with sqlite.read_only=False: see UPGRADING.md#config)",
            **self.context(),
        )

    def _file_engine(self) -> Engine:
        return create_engine(
            f"{ARTIFACT_DRIVER}://",
            creator=weakly(self._connect_read_only),
            # pool_size=0 keeps every returned connection: one per thread, never a wait
            poolclass=QueuePool,
            pool_size=0,
            max_overflow=-1,
            echo=self.options.echo,
        )

    def _connect_read_only(self) -> VersionedConnection:
        """
        A connection that knows its file's version: the one found at the path both before
        and after opening (SQLite opens the file by name, so a rename could come between).

        """
        uri = read_only_uri(self.path, self.options.immutable)
        connection: VersionedConnection | None = None
        for _ in range(VERSION_ATTEMPTS):
            before = FileVersion.at(self.path)
            connection = sqlite3.connect(
                uri, uri=True, check_same_thread=False, factory=VersionedConnection
            )
            if FileVersion.at(self.path) == before:
                break
            connection.close()
        assert connection is not None
        connection.version = before
        return connection

    def _set_up(self, connection: sqlite3.Connection) -> None:
        """
        The defences, the pragmas, and the schema parsed now (once per connection): a damaged
        one fails here, clearly, rather than in the middle of a read.

        A file with a full-text index gets a larger page cache: ranking a match reads index
        pages all over the file, and a page loaded again is checked again (`cell_size_check`).

        """
        harden(connection)
        super()._set_up(connection)
        fulltext_kib = self.options.fulltext_cache_size_kib
        # the one statement that parses the schema: it reads every row of it
        if _has_fulltext_index(connection) and fulltext_kib > self.options.cache_size_kib:
            connection.execute(f"PRAGMA cache_size = -{int(fulltext_kib)}").fetchall()

    def _open_first_connection(self) -> None:
        """
        Open a connection now, so a file that is not SQLite, or whose schema is damaged,
        fails at first use and not mid-request; it stays in the pool for the first read.

        """
        try:
            self.engine.connect().close()
        except BaseException:
            self.engine.dispose()
            raise


def _has_fulltext_index(connection: sqlite3.Connection) -> bool:
    """Whether the file's schema holds a full-text index as a build writes one."""
    statements = connection.execute(VIRTUAL_TABLES).fetchall()
    if not statements:
        return False
    # only a file with virtual tables loads the code that reads their statements
    from microcosm_sqlite.artifact.fts import parse_statement

    return any(isinstance(sql, str) and parse_statement(sql) is not None for (sql,) in statements)


def _refuse_flush(session: Session, *args: Any) -> None:
    session.info[ENGINE_INFO_KEY].refuse_write("flush changes")
