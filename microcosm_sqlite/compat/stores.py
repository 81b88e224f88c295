"""
2.x's call styles on Stores, deprecated: `GetOrCreateSession(graph)` and `get_session` as a
store's session source (at construction or set later), `store.session`, `_filter` overrides
written for 2.x's ORM `Query`, pagination keywords given to `count`, and `delete` raising
`ModelNotFoundError` inside a 2.x context.

"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import exists
from sqlalchemy.orm import Query, Session
from sqlalchemy.sql.elements import ClauseElement

from microcosm_sqlite import dataset
from microcosm_sqlite._legacy import answers
from microcosm_sqlite.compat._deprecation import deprecated
from microcosm_sqlite.errors import ModelNotFoundError

__all__ = ["GetOrCreateSession", "StoreQuery", "get_session"]


class GetOrCreateSession:
    """Deprecated: `Store(graph)` uses the graph's session for the thread."""

    # how `Store(GetOrCreateSession(graph))` tells it from a graph
    legacy_session_source = True

    def __init__(self, graph: Any, expire_on_commit: bool = False) -> None:
        deprecated("GetOrCreateSession(graph)", "pass the graph itself: Store(graph)")
        self.graph = graph
        self.expire_on_commit = expire_on_commit

    def __call__(self, store: Any) -> Session:
        """The session a store reads through, as 2.x's session factory gave it."""
        return store_session(store)


def get_session(store: Any) -> Session:
    """Deprecated: the session of the open context; 3.x's `Store()` finds it by itself."""
    deprecated("get_session(store)", "call Store() inside `with Base.new_context(graph):`")
    session = dataset.context_session(store.dataset)
    if session is None:
        raise AttributeError(f"no session is open for data set {store.dataset!r}")
    return session


def store_session(store: Any) -> Session:
    """The session a store reads through: the open context's, else the graph's for the thread."""
    session = dataset.context_session(store.dataset)
    if session is not None:
        return session
    if store.graph is None:
        raise AttributeError(f"no session is open for data set {store.dataset!r}")
    thread_session: Session = store.graph.sqlite(store.dataset).session()
    return thread_session


@answers("microcosm_sqlite.stores.GetOrCreateSession")
def get_or_create_session_class() -> type[GetOrCreateSession]:
    """`from microcosm_sqlite.stores import GetOrCreateSession` (warns when called)."""
    return GetOrCreateSession


@answers("microcosm_sqlite.stores.get_session")
def get_session_function() -> Any:
    """`from microcosm_sqlite.stores import get_session` (warns when called)."""
    return get_session


def graph_of(source: Any) -> Any:
    """The graph to read through, for 2.x's session sources; a TypeError for any other."""
    if isinstance(source, GetOrCreateSession):
        deprecated("a Store's GetOrCreateSession(graph)", "pass the graph itself: Store(graph)")
        return source.graph
    if source is get_session:
        deprecated("a Store's get_session", "call Store() inside Base.new_context(graph)")
        return None
    raise TypeError(
        "a Store's get_session takes only 2.x's GetOrCreateSession(graph) or get_session;"
        " pass the graph instead: Store(graph) (see UPGRADING.md)"
    )


@answers("Store(get_session=...)")
def store_graph(graph: Any, source: Any) -> Any:
    """The graph a store uses, given 2.x's `Store(GetOrCreateSession(graph))` call styles."""
    return graph_of(source if source is not None else graph)


@answers("store.get_session =")
def set_session_source(store: Any, source: Any) -> None:
    """2.x's `store.get_session = GetOrCreateSession(graph)`, after construction."""
    store.graph = graph_of(source)
    # what was read through another graph or context is forgotten
    for cached in ("_engine", "_fast_reader"):
        store.__dict__.pop(cached, None)


@answers("store.get_session")
def session_source(store: Any) -> Any:
    """2.x's `store.get_session`: a callable giving the session the store reads through."""
    deprecated("store.get_session", "call the store's methods, or use Base.new_context")
    return store_session


@answers("Store.session")
def store_session_property(store: Any) -> Session:
    """2.x's `store.session`: the session the store reads through."""
    deprecated("store.session", "call the store's methods, or use Base.new_context")
    return store_session(store)


class StoreQuery(Query[Any]):
    """
    2.x's ORM `Query` of a Store's model, as 2.x's `_filter` and `_order_by` received it.

    `Store` runs the statement the query represents: its `exists()` is built from the query's
    rows, so that the criteria added after `except_()` or `union()` apply to them.

    """

    def exists(self) -> Any:
        """EXISTS over the query's rows."""
        return exists(self.subquery().select())


@answers("Store._filter(query) on 2.x's Query")
def filtered_query(store: Any, filters: Mapping[str, Any], error: AttributeError) -> Any:
    """
    A `_filter` override that calls a `Query` method on the statement it got (`filter()` after
    `except_()`, `with_entities()`...): run again on 2.x's `Query` of the model, which the Store
    then reads as it reads any statement. Any other AttributeError is the override's own.

    """
    name = getattr(error, "name", None)
    if not (isinstance(getattr(error, "obj", None), ClauseElement) and hasattr(Query, name or "")):
        raise error
    deprecated(
        f"{type(store).__name__}._filter calling Query.{name}() on its statement",
        "write overrides for SQLAlchemy 2.0's select(): combine (except_, union) last,"
        " or filter with in_()/not_in() subqueries",
    )
    return store._filter(StoreQuery(store.model_class), **filters)


@answers("Store.count(offset=, limit=)")
def count_filters(store: Any, filters: Mapping[str, Any]) -> dict[str, Any]:
    """2.x's `count(offset=..., limit=...)`: pagination keywords, ignored as 2.x ignored them."""
    ignored = [name for name in ("offset", "limit") if name not in store.accepted_filters]
    given = [name for name in ignored if name in filters]
    if given:
        deprecated(
            f"{type(store).__name__}.count({', '.join(f'{name}=...' for name in given)})",
            "count every match: pagination has no effect on a count",
        )
    return {name: value for name, value in filters.items() if name not in ignored}


@answers("Store.delete() matching nothing")
def nothing_deleted(store: Any, filters: Mapping[str, Any]) -> None:
    """2.x's `delete`, inside a 2.x context: ModelNotFoundError when nothing matched."""
    deprecated(
        f"{type(store).__name__}.delete() raising ModelNotFoundError when nothing matched"
        " (inside a 2.x context)",
        "delete returns how many it deleted: check for 0",
    )
    raise ModelNotFoundError(
        f"no {store.model_class.__name__} in data set {store.dataset!r} matches {dict(filters)!r}"
    )
