"""
2.x's names and call styles, each a thin deprecated wrapper over the 3.x API (see UPGRADING.md).

Old call styles that reach core objects (`Store(get_session=...)`, `graph.sqlite[name] = path`,
`Base.session`...) arrive through `microcosm_sqlite._legacy`; the answers are registered here,
when the package is imported. Every warning goes through `deprecated()`.

"""

from __future__ import annotations

import warnings
from typing import Any

from sqlalchemy.orm import Session

# the module, not its names: dataset.py imports compat.bases while it is being defined
from microcosm_sqlite import dataset
from microcosm_sqlite._legacy import answers


def deprecated(old: str, new: str, stacklevel: int = 3) -> None:
    """Warn, from the caller's caller (by default), that `old` is going and `new` replaces it."""
    warnings.warn(
        f"{old} is deprecated; {new} (see UPGRADING.md)", DeprecationWarning, stacklevel=stacklevel
    )


class GetOrCreateSession:
    """Deprecated: `Store(graph)` uses the graph's session for the thread."""

    # how `Store(GetOrCreateSession(graph))` tells it from a graph
    legacy_session_source = True

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


@answers("microcosm_sqlite.stores.GetOrCreateSession")
def get_or_create_session_class() -> type[GetOrCreateSession]:
    """`from microcosm_sqlite.stores import GetOrCreateSession` (warns when called)."""
    return GetOrCreateSession


@answers("microcosm_sqlite.stores.get_session")
def get_session_function_itself() -> Any:
    """`from microcosm_sqlite.stores import get_session` (warns when called)."""
    return get_session


@answers("Store(get_session=...)")
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


@answers("Store.session")
def store_session_property(store: Any) -> Session:
    """2.x's `store.session`: the session the store reads through."""
    deprecated("Store.session", "call the store's methods, or use Base.new_context", stacklevel=4)
    return store_session(store)


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


@answers("graph.sqlite[name] = path")
def register_path(factory: Any, name: str, path: str) -> None:
    """2.x's `graph.sqlite[name] = path`: a path for a data set not yet used in this graph."""
    deprecated("graph.sqlite[name] = path", "name the path in config sqlite.paths", stacklevel=4)
    if name in factory.resolved or name in factory.engines:
        raise ValueError(
            f"data set {name!r} is already in use in this graph; set its path in config before"
            " the first use (see UPGRADING.md)"
        )
    factory.resolver.configured[name] = str(path)


@answers("graph.sqlite.paths")
def configured_paths(factory: Any) -> dict[str, str]:
    """2.x's `graph.sqlite.paths`: the configured paths, and every path resolved so far."""
    deprecated(
        "graph.sqlite.paths", "use graph.sqlite[name] or graph.sqlite.resolve(name)", stacklevel=4
    )
    paths = {name: str(path) for name, path in factory.resolver.configured.items()}
    paths.update((name, resolved.path) for name, resolved in factory.resolved.items())
    return paths


@answers("graph.sqlite.datasets")
def opened_datasets(factory: Any) -> dict[str, Any]:
    """2.x's `graph.sqlite.datasets`: the data sets opened so far, by name."""
    deprecated(
        "graph.sqlite.datasets", "use graph.sqlite(name) for a data set's engine", stacklevel=4
    )
    return dict(factory.engines)


@answers("engine, Session = graph.sqlite(name)")
def unpack_engine(engine: Any) -> Any:
    """2.x's `engine, Session = graph.sqlite(name)`: the SQLAlchemy engine and session maker."""
    deprecated("unpacking graph.sqlite(name)", "use its .engine and .new_session()", stacklevel=4)
    return iter((engine.engine, engine.sessionmaker))


@answers("Base.resolve()")
def resolve_base(base: type[Any]) -> type[Any]:
    """2.x's `Base.resolve()`: the data set's base."""
    deprecated(
        "Base.resolve()", "use Base.engine_for(graph) or Base.new_context(graph)", stacklevel=4
    )
    return next(klass for klass in base.__mro__ if "__dataset__" in vars(klass))


# the answers to Base.session and Base.local
from microcosm_sqlite.compat import bases  # noqa: E402, F401
