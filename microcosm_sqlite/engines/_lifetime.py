"""
What an engine's connections live as long as: the engine, not its pool or its callbacks; the
process that opened them (a forked child never closes what it inherited); and the interpreter
(closed at exit, while they can still be closed cleanly).

"""

from __future__ import annotations

import atexit
import os
import weakref
from collections.abc import Callable
from contextlib import suppress
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine
from sqlalchemy.pool import Pool

__all__ = ["look_after", "pool_checker", "weakly"]

T = TypeVar("T")


class _Engine(Protocol):
    engine: Engine
    _pid: int

    def dispose(self) -> None: ...

    def after_fork_in_child(self) -> None: ...


# every engine of this process, closed at exit
_LIVE: weakref.WeakSet[Any] = weakref.WeakSet()


def look_after(engine: _Engine) -> None:
    """Tell the engine of a fork in its child, and close its connections at exit."""
    # weak, so the hook (which cannot be unregistered) never keeps the engine alive
    reference = weakref.ref(engine)

    def after_in_child() -> None:
        current = reference()
        if current is not None:
            current.after_fork_in_child()

    os.register_at_fork(after_in_child=after_in_child)
    _LIVE.add(engine)


@atexit.register
def _close_at_exit() -> None:
    for engine in list(_LIVE):
        if engine._pid == os.getpid():
            with suppress(Exception):
                engine.dispose()


def weakly(method: Callable[..., T]) -> Callable[..., T]:
    """
    A bound method for the engine's pool to call that does not keep its instance alive: a
    connection still checked out (a live thread's) keeps the pool alive, and through it would
    keep a graph nobody uses, and its open files, for the life of the process.

    """
    reference = weakref.WeakMethod(method)

    def call(*args: Any, **kwargs: Any) -> T:
        bound = reference()
        if bound is None:
            raise ReferenceError("the data set's engine was collected")
        return bound(*args, **kwargs)

    return call


def pool_checker(engine: _Engine) -> Callable[[Pool], bool]:
    """Whether a pool is still the engine's (it moves to a new one with each file version)."""
    # weak: a thread's reads hold this, and must not keep the engine alive
    reference = weakref.ref(engine)

    def in_use(pool: Pool) -> bool:
        current = reference()
        return current is not None and current.engine.pool is pool

    return in_use
