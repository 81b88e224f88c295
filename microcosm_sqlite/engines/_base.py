"""
`DataSetEngine`: one data set's engine in one graph, its per-thread sessions and connections,
the reader it chose for each model, and fork safety.

Each thread reads through its own session and connection; a forked child drops the ones it
inherited without closing them, so pre-fork servers need no extra calls.

"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from microcosm_sqlite._error_mapping import table_error, translating
from microcosm_sqlite._legacy import legacy, legacy_session_class
from microcosm_sqlite.artifact.dialect import ARTIFACT_DRIVER
from microcosm_sqlite.artifact.header import FileVersion
from microcosm_sqlite.engines._lifetime import look_after, pool_checker, weakly
from microcosm_sqlite.engines._model_checks import model_problem
from microcosm_sqlite.paths import ResolvedPath
from microcosm_sqlite.reading.readers import OrmReader, Reader
from microcosm_sqlite.reading.sessions import FastReadSession
from microcosm_sqlite.reading.threads import ThreadReads, keep_inherited

__all__ = ["ENGINE_INFO_KEY", "VERSION_ATTEMPTS", "DataSetEngine", "EngineOptions"]

ModelT = TypeVar("ModelT")

# where a session keeps the DataSetEngine it reads, so Store() in a context can find it
ENGINE_INFO_KEY = "microcosm_sqlite.engine"
# how often opening a connection, or a thread's move to a new version, is tried again when
# the file at the path keeps being replaced meanwhile
VERSION_ATTEMPTS = 5


class EngineOptions(NamedTuple):
    """The `sqlite` config knobs that shape how a data set is opened."""

    read_only: bool = True
    immutable: bool = True
    use_foreign_keys: bool = True
    mmap_size: int = 0
    cache_size_kib: int = 8192
    fulltext_cache_size_kib: int = 65536
    instance_cache_size: int = 4096
    echo: bool = False
    fast_path: bool = True
    replacement_check_seconds: float = 1.0


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
        # what errors about this data set name: its name, path and where the path came from
        self.error_context = resolved.context()
        self.version: FileVersion | None = None
        self._next_check = time.monotonic() + options.replacement_check_seconds
        # reentrant: a thread's reads collected while it holds the lock close under it too
        self.replacement_lock = threading.RLock()
        self.engine = self._create_engine()
        session_class: type[Session] = FastReadSession if self.fast_path else Session
        self.sessionmaker = sessionmaker(
            bind=self.engine,
            # with 2.x's `context.session`, deprecated (see microcosm_sqlite._legacy)
            class_=legacy_session_class(session_class),
            autoflush=False,
            expire_on_commit=False,
            info={ENGINE_INFO_KEY: self},
        )
        self._local = threading.local()
        self._pid = os.getpid()
        # the models found to fit the file read now: a new version is checked for each first
        self.checked_models: set[type[Any]] = set()
        # model -> how this engine reads it, chosen once
        self.readers: dict[type[Any], Reader[Any]] = {}
        self.readers_lock = threading.Lock()
        self._pool_in_use = pool_checker(self)
        look_after(self)

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
        return dict(self.error_context)

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
            reads = self._local.reads = self._new_thread_reads()
            if reads.version == self.version:
                reads.version = self.version
                break
            # the file was replaced again since the graph last looked
            self.check_replacement(force=True)
        assert reads is not None
        return reads

    def _new_thread_reads(self) -> ThreadReads:
        """A thread's session and connection, bound together where files are versioned."""
        # under the lock the engine moves under: the connection comes from the pool named here
        with self.replacement_lock:
            bound = self.engine.connect() if self.follows_replacements else None
            pool = self.engine.pool
        return ThreadReads(
            self.sessionmaker() if bound is None else self.sessionmaker(bind=bound),
            pool=pool,
            bound=bound,
            cache_size=self.options.instance_cache_size if self.read_only else 0,
            lock=self.replacement_lock,
            pool_in_use=self._pool_in_use,
        )

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

    def translating_errors(self) -> AbstractContextManager[None]:
        """SQLite's errors as this library's, naming the data set, its path and origin."""
        return translating(self.error_context)

    def reader(self, model: type[ModelT]) -> Reader[ModelT]:
        """How this engine reads `model`: chosen at its first read, then kept."""
        try:
            return self.readers[model]
        except KeyError:
            pass
        with self.readers_lock:
            if model not in self.readers:
                self.readers[model] = self._choose_reader(model)
            return self.readers[model]

    def _choose_reader(self, model: type[ModelT]) -> Reader[ModelT]:
        """The reader for a model: the ORM's here; read-only engines may read fast."""
        return self._orm_reader(model)

    def _orm_reader(self, model: type[ModelT]) -> OrmReader[ModelT]:
        """A reader through the ORM's public API, in this thread's session."""
        return OrmReader(model, self.thread_session, self.error_context)

    def check_model(self, model: type[Any]) -> None:
        """
        The file has the model's tables and every column it maps, and nothing posing as one
        (`engines._model_checks`): once per model and file version. A stale or crafted artifact
        then fails at first use with what is wrong, not with "no such column" mid-request.
        `microcosm-sqlite verify --models` checks types and keys as well.

        """
        if model in self.checked_models:
            return
        version = self.version
        with self.engine.connect() as connection, translating(self.error_context):
            raw = connection.connection.dbapi_connection
            assert isinstance(raw, sqlite3.Connection)
            problem = model_problem(raw, model, self.error_context)
        if problem is not None:
            raise problem
        # under the lock a move to another file holds: a model added here is checked again by
        # the next move, and one that came meanwhile is checked here against the new file
        with self.replacement_lock:
            if self.version == version:
                self.checked_models.add(model)
                return
        self.check_model(model)

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
        keep_inherited(self._local, self.engine.pool)
        self._pid = os.getpid()
        self._local = threading.local()
        self.replacement_lock = threading.RLock()  # another thread may have held it at the fork
        self.engine.dispose(close=False)

    def __del__(self) -> None:
        # a graph dropped without `dispose`: its pool's idle connections are closed now, rather
        # than left to the collector (which warns about each on Python 3.13)
        if getattr(self, "_pid", None) == os.getpid():
            with suppress(Exception):  # at interpreter shutdown there is nothing to report to
                self.engine.dispose()

    def _create_engine(self) -> Engine:
        if self.resolved.in_memory:
            # one shared connection, or every connection would see its own empty database
            engine = create_engine(
                f"{ARTIFACT_DRIVER}:///:memory:",
                poolclass=StaticPool,
                connect_args={"check_same_thread": False},
                echo=self.options.echo,
            )
        else:
            engine = self._file_engine()
        event.listen(engine, "connect", weakly(self._configure_connection))
        event.listen(engine, "handle_error", weakly(self._translate_error))
        return engine

    def _file_engine(self) -> Engine:
        """The engine of a data set stored in a file."""
        raise NotImplementedError

    def _translate_error(self, context: ExceptionContext) -> None:
        """
        SQLite's errors through this engine (lazy loads too) as this library's. Errors about
        a statement's input are left to the Store call that gave it, which names it.

        """
        original = context.original_exception
        translated = table_error(original, self.error_context)
        if translated is not None and translated is not original:
            raise translated from original

    def _configure_connection(self, connection: sqlite3.Connection, record: Any) -> None:
        try:
            with translating(self.error_context):
                self._set_up(connection)
        except BaseException:
            # the pool drops a connection its connect event refused without closing it
            connection.close()
            raise

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
