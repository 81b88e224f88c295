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
from microcosm_sqlite._legacy import answers

# data set name -> 2.x's per-thread namespace, which 3.x never fills
_locals: dict[str, threading.local] = {}
_locals_lock = threading.Lock()


@answers("Base.session")
def context_session(base: type[Any]) -> Session | None:
    """`Base.session`: the session of the context open for the data set here, else None."""
    compat.deprecated(
        "Base.session", "use `with Base.new_context(graph) as session:`", stacklevel=4
    )
    return dataset.context_session(base.__dataset__)


@answers("Base.local")
def thread_namespace(base: type[Any]) -> threading.local:
    """`Base.local`: the data set's per-thread namespace, as in 2.x; 3.x stores nothing there."""
    compat.deprecated(
        "Base.local",
        "the graph keeps a session per thread: call Store(graph) methods",
        stacklevel=4,
    )
    name: str = base.__dataset__
    with _locals_lock:
        return _locals.setdefault(name, threading.local())
