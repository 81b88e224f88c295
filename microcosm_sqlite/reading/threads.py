"""
One thread's reading state for one data set: its session, its connection, its recent `get`s.

"""

from __future__ import annotations

import sqlite3
import weakref
from collections import OrderedDict
from contextlib import AbstractContextManager, nullcontext, suppress
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection

from microcosm_sqlite.artifact.header import FileVersion

if TYPE_CHECKING:
    from microcosm_sqlite.engines import DataSetEngine


class ThreadReads:
    """
    One thread's reading state for one data set: its session, and on the fast path a raw
    connection and a bounded cache of loaded instances, for `Store.get`.

    The data cannot change while the process runs, so cached instances stay true. All of it
    goes when the thread ends (the connection back to the pool) or when the process forks
    (the child keeps the parent's handles referenced but never uses them).

    """

    def __init__(self, engine: DataSetEngine) -> None:
        self.depth = 0
        self.cache_size = engine.options.instance_cache_size if engine.read_only else 0
        self.caches: dict[type[Any], OrderedDict[Any, Any]] = {}
        self.pool = engine.engine.pool
        self.proxied: PoolProxiedConnection | None = None
        self.driver: sqlite3.Connection | None = None
        # the version of the file this thread reads; None where files are not versioned
        self.version: FileVersion | None = None
        self.bound: Connection | None = None
        # weak: the engine holds this thread's reads, which must not keep it alive
        self.engine = weakref.ref(engine)
        if engine.follows_replacements:
            # one connection for the session and `get` alike, so they read one version
            self.bound = engine.engine.connect()
            self.proxied = self.bound.connection
            self.driver = self.proxied.driver_connection
            self.version = getattr(self.driver, "version", None)
            self.session: Session = engine.sessionmaker(bind=self.bound)
        else:
            self.session = engine.sessionmaker()

    @property
    def connection(self) -> sqlite3.Connection:
        """A connection of this thread's own, held until the thread ends."""
        if self.driver is None:
            self.proxied = self.pool.connect()
            self.driver = self.proxied.driver_connection
        return self.driver  # type: ignore[return-value]

    def cache(self, model: type[Any]) -> OrderedDict[Any, Any]:
        """This thread's recently read instances of a model, by key, oldest first."""
        try:
            return self.caches[model]
        except KeyError:
            return self.caches.setdefault(model, OrderedDict())

    def remember(self, model: type[Any], identifier: Any, instance: Any) -> None:
        """Keep an instance for repeated `get`s, dropping the oldest past the cache size."""
        if not self.cache_size:
            return
        cache = self.cache(model)
        cache[identifier] = instance
        if len(cache) > self.cache_size:
            cache.popitem(last=False)

    def close(self, stale: bool = False) -> None:
        """Give the connection back; a `stale` one, of a replaced file, is closed for good."""
        self.caches.clear()
        if self.bound is not None:
            self.session.close()
            engine = self.engine()
            lock: AbstractContextManager[Any] = (
                engine.replacement_lock if engine is not None else nullcontext()
            )
            with lock:  # so the graph cannot move between the look and the return
                # given back to a pool the graph has left (it moved, or was disposed), the
                # connection would stay open until that pool is collected
                if stale or engine is None or self.pool is not engine.engine.pool:
                    self.bound.invalidate()
                self.bound.close()
            self.bound = self.proxied = self.driver = None
            return
        if self.proxied is not None:
            self.proxied.close()
            self.proxied = self.driver = None
        self.session.close()

    def __del__(self) -> None:
        # the thread ended: give the connection back, or the pool warns when it is collected
        with suppress(Exception):  # at interpreter shutdown there is nothing to report to
            self.close()
