"""
2.x names that have no old module of their own, each a thin deprecated wrapper over the 3.x API
(see UPGRADING.md). `microcosm_sqlite.stores` re-exports the session ones from here.

"""

from __future__ import annotations

import warnings
from typing import Any

from sqlalchemy.orm import Session

# the module, not its names: dataset.py imports compat.bases while it is being defined
from microcosm_sqlite import dataset


def deprecated(old: str, new: str, stacklevel: int = 3) -> None:
    """Warn, from the caller's caller (by default), that `old` is going and `new` replaces it."""
    warnings.warn(
        f"{old} is deprecated; {new} (see UPGRADING.md)", DeprecationWarning, stacklevel=stacklevel
    )


class GetOrCreateSession:
    """Deprecated: `Store(graph)` uses the graph's session for the thread."""

    def __init__(self, graph: Any, expire_on_commit: bool = False) -> None:
        deprecated("GetOrCreateSession(graph)", "pass the graph itself: Store(graph)")
        self.graph = graph
        self.expire_on_commit = expire_on_commit

    def __call__(self, store: Any) -> Session:
        return store_session(store)


def get_session(store: Any) -> Session:
    """Deprecated: the session of the open context; 3.x's `Store()` finds it by itself."""
    deprecated("get_session", "call Store() inside `with Base.new_context(graph):`")
    session = dataset.context_session(store.dataset)
    if session is None:
        raise AttributeError(f"no session is open for data set {store.dataset!r}")
    return session


def store_graph(graph: Any, get_session: Any) -> Any:
    """The graph a store uses, given 2.x's `Store(GetOrCreateSession(graph))` call styles."""
    source = get_session if get_session is not None else graph
    if isinstance(source, GetOrCreateSession):
        # from the code that made the Store, not Store.__init__
        deprecated("Store(get_session=...)", "pass the graph itself: Store(graph)", stacklevel=4)
        return source.graph
    if source is get_session_function:
        deprecated(
            "Store(get_session=get_session)",
            "call Store() inside Base.new_context(graph)",
            stacklevel=4,
        )
        return None
    raise TypeError(
        "Store(get_session=...) takes only 2.x's GetOrCreateSession(graph) or get_session;"
        " pass the graph instead: Store(graph) (see UPGRADING.md)"
    )


def store_session(store: Any) -> Session:
    """The session a store reads through: the open context's, else the graph's for the thread."""
    session = dataset.context_session(store.dataset)
    if session is not None:
        return session
    if store.graph is None:
        raise AttributeError(f"no session is open for data set {store.dataset!r}")
    engine = store.graph.sqlite(store.dataset)
    thread_session: Session = engine.thread_reads().session
    return thread_session


get_session_function = get_session


def register_path(factory: Any, name: str, path: str) -> None:
    """2.x's `graph.sqlite[name] = path`: a path for a data set not yet used in this graph."""
    deprecated("graph.sqlite[name] = path", "name the path in config sqlite.paths")
    if name in factory.resolved or name in factory.engines:
        raise ValueError(
            f"data set {name!r} is already in use in this graph; set its path in config before"
            " the first use (see UPGRADING.md)"
        )
    factory.resolver.configured[name] = str(path)


def configured_paths(factory: Any) -> dict[str, str]:
    """2.x's `graph.sqlite.paths`: the configured paths, and every path resolved so far."""
    deprecated("graph.sqlite.paths", "use graph.sqlite[name] or graph.sqlite.resolve(name)")
    paths = {name: str(path) for name, path in factory.resolver.configured.items()}
    paths.update((name, resolved.path) for name, resolved in factory.resolved.items())
    return paths


def opened_datasets(factory: Any) -> dict[str, Any]:
    """2.x's `graph.sqlite.datasets`: the data sets opened so far, by name."""
    deprecated("graph.sqlite.datasets", "use graph.sqlite(name) for a data set's engine")
    return dict(factory.engines)
