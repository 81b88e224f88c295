"""
2.x's class attributes of a data set base, deprecated: `Base.session`, `Base.local` and
`Base.resolve()`.

3.x bases hold no engine or session (a graph does): `Base.new_context(graph)` opens a session
for a block, and the graph keeps one per thread for `Store(graph)`.

"""

from __future__ import annotations

from typing import Any, NoReturn

from sqlalchemy.orm import Session

from microcosm_sqlite import dataset
from microcosm_sqlite._legacy import answers
from microcosm_sqlite.compat._deprecation import deprecated

__all__ = ["context_session", "resolve_base", "thread_namespace"]


@answers("Base.session")
def context_session(base: type[Any]) -> Session | None:
    """`Base.session`: the session of the context open for the data set here, else None."""
    deprecated("Base.session", "use `with Base.new_context(graph) as session:`")
    return dataset.context_session(base.__dataset__)


@answers("Base.local")
def thread_namespace(base: type[Any]) -> NoReturn:
    """
    `Base.local`: an AttributeError, as in 2.x until its `GetOrCreateSession` had put a
    per-thread session container there (and after `dispose_sqlite_connections` took it away):
    3.x keeps per-thread sessions on the graph, never on the base.

    """
    deprecated("Base.local", "the graph keeps a session per thread: call Store(graph) methods")
    raise AttributeError(
        f"{base.__name__}.local: 3.x keeps no per-thread session container on a data set's base"
        " (see UPGRADING.md)"
    )


@answers("Base.resolve()")
def resolve_base(base: type[Any]) -> type[Any]:
    """2.x's `Base.resolve()`: the data set's base."""
    deprecated("Base.resolve()", "use Base.engine_for(graph) or Base.new_context(graph)")
    return next(klass for klass in base.__mro__ if "__dataset__" in vars(klass))
