"""
One thread's reading state for one data set: its session, its connection, its recent `get`s.

"""

from __future__ import annotations

import os
import sqlite3
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool, PoolProxiedConnection

from microcosm_sqlite.artifact.header import FileVersion

__all__ = ["ThreadReads", "keep_inherited"]

# what a forked child inherited and must neither use nor close (closing a parent's SQLite
# handle in a child is unsafe); referenced for the child's life, so never collected either,
# which on Python 3.13 would close them and warn
_INHERITED: list[object] = []


def keep_inherited(*handles: object) -> None:
    """Keep a forked child's inherited handles referenced, unused and unclosed, for good."""
    _INHERITED.extend(handles)


class ThreadReads:
    """
    One thread's reading state for one data set: its session, and on the fast path a raw
    connection and a bounded cache of loaded instances, for `Store.get`.

    The engine makes it and hands it what it needs: the session, the pool, the connection the
    session is bound to when files are versioned, how many instances to cache, and, for
    closing, the lock under which the engine moves to a new file and a way to ask whether the
    pool is still the engine's. The data cannot change while the process runs, so cached
    instances stay true. All of it goes when the thread ends (the connection back to the pool)
    or when the process forks (the child keeps the parent's handles referenced but never uses
    them).

    """

    def __init__(
        self,
        session: Session,
        *,
        pool: Pool,
        bound: Connection | None = None,
        cache_size: int = 0,
        lock: AbstractContextManager[Any] | None = None,
        pool_in_use: Callable[[Pool], bool] = lambda pool: True,
    ) -> None:
        self.session = session
        # how many Store calls of this thread are open (a loop over `iterate` holds one)
        self.depth = 0
        self.cache_size = cache_size
        self.caches: dict[type[Any], OrderedDict[Any, Any]] = {}
        self.pool = pool
        self.lock: AbstractContextManager[Any] = lock or nullcontext()
        self.pool_in_use = pool_in_use
        # one connection for the session and `get` alike, where files are versioned, so they
        # read one version
        self.bound = bound
        self.proxied: PoolProxiedConnection | None = None
        self.driver: sqlite3.Connection | None = None
        # the version of the file this thread reads; None where files are not versioned
        self.version: FileVersion | None = None
        # the process that opened the connection: only it may give it back or close it
        self.pid = os.getpid()
        if bound is not None:
            self.proxied = bound.connection
            self.driver = self.proxied.driver_connection
            self.version = getattr(self.driver, "version", None)

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
        if self.pid != os.getpid():
            # a forked child dropping its parent's thread's reads
            keep_inherited(self.session, self.bound, self.proxied, self.driver)
            self.bound = self.proxied = self.driver = None
            return
        if self.bound is not None:
            self.session.close()
            with self.lock:  # so the engine cannot move between the look and the return
                # given back to a pool the engine has left (it moved, or was disposed), the
                # connection would stay open until that pool is collected
                if stale or not self.pool_in_use(self.pool):
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
