"""
2.x's class attributes of a data set base, `Base.session` and `Base.local`, deprecated.

3.x bases hold no session: `Base.new_context(graph)` (or 2.x's `SessionContext`) opens one for
the block, and the graph keeps a session per thread. These read-only shims answer what 2.x code
asked of them.

"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.orm import Session

from microcosm_sqlite import compat, dataset

# data set name -> 2.x's per-thread namespace, which 3.x never fills
_locals: dict[str, threading.local] = {}
_locals_lock = threading.Lock()


class ContextSession:
    """`Base.session`: the session of the context open for the data set here, else None."""

    def __get__(self, instance: object, owner: type[Any]) -> Session | None:
        compat.deprecated("Base.session", "use `with Base.new_context(graph) as session:`")
        return dataset.context_session(owner.__dataset__)


class ThreadNamespace:
    """`Base.local`: the data set's per-thread namespace, as in 2.x; 3.x stores nothing there."""

    def __get__(self, instance: object, owner: type[Any]) -> threading.local:
        compat.deprecated(
            "Base.local", "the graph keeps a session per thread: call Store(graph) methods"
        )
        name: str = owner.__dataset__
        with _locals_lock:
            return _locals.setdefault(name, threading.local())
