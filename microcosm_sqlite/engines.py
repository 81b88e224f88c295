"""
One data set's engine and per-thread sessions: read-only opening, pragmas and fork safety.

Read-only files open through a `file:` URI with `mode=ro` (and `immutable=1` unless turned off),
and every connection sets `query_only`, so nothing in the process can change the artifact, with
SQLite's other defences for files one did not build (`microcosm_sqlite.artifact.defences`).
Each thread reads through its own session and connection; a forked child drops the ones it
inherited without closing them, so pre-fork servers need no extra calls.

A read-only graph reads one version of a file at a time. Deploys rename a new build over the
path while services run, so the graph looks at the path at most once per
`replacement_check_seconds`; when the file there is another one, every thread moves to it at the
start of its next call, and no call begins on the old one after that.

"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, inspect
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool, StaticPool

from microcosm_sqlite._error_mapping import not_utf8, translate_error
from microcosm_sqlite._legacy import legacy
from microcosm_sqlite._sqla_internals import fast_path_available
from microcosm_sqlite.artifact.defences import harden
from microcosm_sqlite.artifact.dialect import ARTIFACT_DRIVER
from microcosm_sqlite.artifact.header import FileVersion, check_artifact
from microcosm_sqlite.artifact.model_schema import schema_differences
from microcosm_sqlite.artifact.opening import read_only_uri
from microcosm_sqlite.errors import (
    NotADatabaseError,
    ReadOnlyDataSetError,
    SchemaMismatchError,
    SQLiteError,
)
from microcosm_sqlite.paths import ResolvedPath
from microcosm_sqlite.reading.sessions import FastReadSession
from microcosm_sqlite.reading.threads import ThreadReads

__all__ = ["DataSetEngine", "EngineOptions", "ReadOnlyEngine", "WritableEngine"]

# where a session keeps the DataSetEngine it reads, so Store() in a context can find it
ENGINE_INFO_KEY = "microcosm_sqlite.engine"
# how often opening a connection, or a thread's move to a new version, is tried again when
# the file at the path keeps being replaced meanwhile
VERSION_ATTEMPTS = 5


@dataclass(frozen=True)
class EngineOptions:
    """The `sqlite` config knobs that shape how a data set is opened."""

    read_only: bool = True
    immutable: bool = True
    use_foreign_keys: bool = True
    mmap_size: int = 0
    cache_size_kib: int = 8192
    instance_cache_size: int = 4096
    echo: bool = False
    fast_path: bool = True
    replacement_check_seconds: float = 1.0


class VersionedConnection(sqlite3.Connection):
    """A connection that knows which version of its file it opened."""

    version: FileVersion | None = None


class DataSetEngine:
    """
    The engine, session maker and per-thread sessions for one data set in one graph.

    The factory picks the subclass once: `ReadOnlyEngine` for artifacts (the default, and
    always for shipped data sets), `WritableEngine` where `sqlite.read_only` is false.

    """

    # whether this engine refuses every write
    read_only: bool
    # whether Stores may read plain models through `microcosm_sqlite.reading`
    fast_path = False
    # whether the file at the path is watched for a replacement (see the module's docstring)
    follows_replacements = False

    def __init__(self, resolved: ResolvedPath, options: EngineOptions) -> None:
        self.resolved = resolved
        self.options = options
        self.version: FileVersion | None = None
        self._next_check = time.monotonic() + options.replacement_check_seconds
        # reentrant: a thread's reads collected while it holds the lock close under it too
        self.replacement_lock = threading.RLock()
        self.engine = self._create_engine()
        self.sessionmaker = sessionmaker(
            bind=self.engine,
            class_=FastReadSession if self.fast_path else Session,
            autoflush=False,
            expire_on_commit=False,
            info={ENGINE_INFO_KEY: self},
        )
        self._local = threading.local()
        self._inherited: list[object] = []
        self.checked_models: set[type[Any]] = set()
        self._register_fork_hook()

    @property
    def dataset(self) -> str:
        """The data set's name."""
        return self.resolved.dataset

    @property
    def path(self) -> str:
        """The file the data set reads (the cached file, for a pinned URL)."""
        return self.resolved.path

    def context(self) -> dict[str, str]:
        """Keyword context for errors about this data set."""
        return self.resolved.context()

    def session(self) -> Session:
        """This thread's session: threads never share a connection."""
        return self.thread_reads().session

    def thread_reads(self) -> ThreadReads:
        """This thread's session, raw connection and cache, made on its first read."""
        reads: ThreadReads | None = getattr(self._local, "reads", None)
        if self.follows_replacements and time.monotonic() >= self._next_check:
            self.check_replacement()
        if reads is None or reads.version is not self.version:
            reads = self._renew(reads)
        return reads

    def _renew(self, reads: ThreadReads | None) -> ThreadReads:
        """
        This thread's reads on the graph's version: the first ones, or new ones after a switch.

        A call of this thread still open (an `iterate` being looped over) ends on the version
        it began with; the thread moves when its last call has ended.

        """
        if reads is not None:
            if reads.version == self.version:
                reads.version = self.version  # the same file: compared by identity from now on
                return reads
            if reads.depth:
                return reads
        for _ in range(VERSION_ATTEMPTS):
            if reads is not None:
                reads.close(stale=True)
            reads = self._local.reads = ThreadReads(self)
            if reads.version == self.version:
                reads.version = self.version
                break
            # the file was replaced again since the graph last looked
            self.check_replacement(force=True)
        assert reads is not None
        return reads

    def check_replacement(self, force: bool = False) -> None:
        """Move to the file now at the path, when it is another one (read-only engines only)."""

    def new_session(self) -> Session:
        """A new session of its own, outside the per-thread ones."""
        return self.sessionmaker()

    @contextmanager
    def thread_session(self) -> Iterator[Session]:
        """
        This thread's session for one Store call.

        When no other call of this thread is still open, the call commits (writes) or gives
        the connection back (reads) as it ends; its instances stay usable, relationships
        included. Calls made while another is open, as in a loop over `iterate` or two
        iterates read side by side, share its connection and leave it to the last one to end.

        """
        local = self.thread_reads()
        session = local.session
        local.depth += 1
        try:
            yield session
        except BaseException:
            local.depth -= 1
            if local.depth == 0:
                self._end_failed(session)
            raise
        local.depth -= 1
        if local.depth == 0:
            self._end(session)

    def _end_failed(self, session: Session) -> None:
        """End a call that raised: undo what it wrote."""
        session.rollback()

    @staticmethod
    def _end(session: Session) -> None:
        """Commit (give the connection back), or roll back when even that fails."""
        try:
            session.commit()
        except BaseException:
            session.rollback()
            raise

    @contextmanager
    def translating_errors(self) -> Iterator[None]:
        """SQLite's errors as this library's, naming the data set, its path and origin."""
        try:
            yield
        except (DBAPIError, sqlite3.Error) as error:
            raise translate_error(error, self.context()) from error

    def check_model(self, model: type[Any]) -> None:
        """
        Once per model: the artifact has the model's tables and every column it maps.

        A stale artifact then fails at first use with the differences listed, not with
        "no such column" in the middle of a request. `microcosm-sqlite verify --models`
        checks types and keys as well.

        """
        if model in self.checked_models:
            return
        with self.engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            assert isinstance(raw, sqlite3.Connection)
            try:
                differences = schema_differences(raw, inspect(model).tables, complete=False)
            except sqlite3.Error as error:
                raise translate_error(error, self.context()) from error
            except UnicodeDecodeError as error:
                raise not_utf8(error, self.context()) from error
        if differences:
            raise SchemaMismatchError(differences, **self.context())
        self.checked_models.add(model)

    def refuse_write(self, action: str) -> None:
        """Raise ReadOnlyDataSetError, before anything is touched, on a read-only data set."""

    def __iter__(self) -> Iterator[Any]:
        """2.x's `engine, Session = graph.sqlite(name)`, deprecated (see UPGRADING.md)."""
        unpacked: Iterator[Any] = legacy("engine, Session = graph.sqlite(name)")(self)
        return unpacked

    def dispose(self) -> None:
        """Close this process's connections; the next read opens new ones, on the file there now."""
        reads: ThreadReads | None = getattr(self._local, "reads", None)
        if reads is not None:
            reads.close()
        self._local = threading.local()
        with self.replacement_lock:
            self.engine.dispose()
        self._next_check = 0.0

    def after_fork_in_child(self) -> None:
        """Forget inherited sessions and connections without closing the parent's handles."""
        # kept referenced: collected, the inherited pool's connections would be closed (and
        # warned about as unclosed) in the child
        self._inherited.extend((self._local, self.engine.pool))
        self._local = threading.local()
        self.replacement_lock = threading.RLock()  # another thread may have held it at the fork
        self.engine.dispose(close=False)

    def _create_engine(self) -> Engine:
        if self.resolved.in_memory:
            # one shared connection, or every connection would see its own empty database
            engine = create_engine(
                f"{ARTIFACT_DRIVER}://",
                poolclass=StaticPool,
                connect_args={"check_same_thread": False},
                echo=self.options.echo,
            )
        else:
            engine = self._file_engine()
        event.listen(engine, "connect", self._configure_connection)
        event.listen(engine, "handle_error", self._translate_error)
        return engine

    def _file_engine(self) -> Engine:
        """The engine of a data set stored in a file."""
        raise NotImplementedError

    def _translate_error(self, context: ExceptionContext) -> None:
        """Every error SQLite raises through this engine, as this library's (lazy loads too)."""
        original = context.original_exception
        if isinstance(original, sqlite3.Error):
            raise translate_error(original, self.context()) from original
        if isinstance(original, UnicodeDecodeError):
            raise not_utf8(original, self.context()) from original

    def _configure_connection(self, connection: sqlite3.Connection, record: Any) -> None:
        try:
            self._set_up(connection)
        except (sqlite3.Error, UnicodeDecodeError) as error:
            # the pool drops a connection its connect event refused without closing it
            connection.close()
            if isinstance(error, UnicodeDecodeError):
                raise not_utf8(error, self.context()) from error
            raise translate_error(error, self.context()) from error

    def _set_up(self, connection: sqlite3.Connection) -> None:
        """The pragmas every new connection gets."""
        options = self.options
        pragmas = [
            f"PRAGMA foreign_keys = {'ON' if options.use_foreign_keys else 'OFF'}",
            f"PRAGMA cache_size = -{int(options.cache_size_kib)}",
        ]
        if options.mmap_size:
            pragmas.append(f"PRAGMA mmap_size = {int(options.mmap_size)}")
        for pragma in pragmas:
            connection.execute(pragma).fetchall()

    def _register_fork_hook(self) -> None:
        # a weak reference, so the hook (which cannot be unregistered) never keeps us alive
        reference = weakref.ref(self)

        def after_in_child() -> None:
            engine = reference()
            if engine is not None:
                engine.after_fork_in_child()

        os.register_at_fork(after_in_child=after_in_child)


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
        event.listen(self.sessionmaker, "before_flush", self._refuse_flush)
        self._check_schema_readable()

    def check_replacement(self, force: bool = False) -> None:
        """
        Move the graph to the file now at the path, when it is another one.

        The new file is checked first: when it is not a ready artifact, every read fails with
        that error (and looks again) until a good one arrives, rather than answering from a
        file the deploy meant to retire.

        """
        with self.replacement_lock:
            now = time.monotonic()
            if not force and now < self._next_check:
                return  # another thread just looked
            if FileVersion.at(self.path) != self.version:
                self._next_check = 0.0
                current = check_artifact(self.path, self.context())
                if current != self.version:
                    # connections of the old file go: idle ones now, those in use as their
                    # threads move
                    self.engine.dispose()
                    self.version = current
            self._next_check = now + self.options.replacement_check_seconds

    def _end_failed(self, session: Session) -> None:
        """A read-only session has nothing to undo: ending it keeps every instance loaded (a
        rollback would expire them all, the cache's included)."""
        self._end(session)

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
            creator=self._connect_read_only,
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
        """The defences, the pragmas, and the schema parsed now: a damaged one fails here,
        clearly, rather than in the middle of a read."""
        harden(connection)
        super()._set_up(connection)
        connection.execute("SELECT count(*) FROM sqlite_schema").fetchall()

    def _check_schema_readable(self) -> None:
        """Parse the schema now, so a corrupt file fails at first use and not mid-request."""
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT count(*) FROM sqlite_schema").scalar()
        except SQLiteError as error:
            self.engine.dispose()
            cause = error.__cause__ or error
            raise NotADatabaseError(
                f"the file cannot be read as SQLite: {cause}", **self.context()
            ) from cause

    def _refuse_flush(self, session: Session, *args: Any) -> None:
        self.refuse_write("flush changes")


class WritableEngine(DataSetEngine):
    """A writable data set's engine (`sqlite.read_only=False`): for tests and 2.x-style loads."""

    read_only = False

    def _file_engine(self) -> Engine:
        # a URL object, not a string: "?" or "#" in the path must not start a query
        return create_engine(
            URL.create(ARTIFACT_DRIVER, database=str(Path(self.path).resolve())),
            poolclass=QueuePool,
            pool_size=0,
            max_overflow=-1,
            connect_args={"check_same_thread": False},
            echo=self.options.echo,
        )
