"""
2.x's call styles on the `sqlite` component, deprecated: `graph.sqlite[name] = path`,
`graph.sqlite.paths`, `graph.sqlite.datasets` and `engine, Session = graph.sqlite(name)`.

"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from microcosm_sqlite._legacy import answers
from microcosm_sqlite.compat._deprecation import deprecated

__all__ = ["configured_paths", "opened_datasets", "register_path", "unpack_engine"]


@answers("graph.sqlite[name] = path")
def register_path(factory: Any, name: str, path: str) -> None:
    """2.x's `graph.sqlite[name] = path`: a path for a data set not yet used in this graph."""
    deprecated("graph.sqlite[name] = path", "name the path in config sqlite.paths")
    if name in factory.resolved or name in factory.engines:
        raise ValueError(
            f"data set {name!r} is already in use in this graph; set its path in config before"
            " the first use (see UPGRADING.md)"
        )
    factory.resolver.configured[name] = str(path)


@answers("graph.sqlite.paths")
def configured_paths(factory: Any) -> dict[str, str]:
    """2.x's `graph.sqlite.paths`: the configured paths, and every path resolved so far."""
    deprecated("graph.sqlite.paths", "use graph.sqlite[name] or graph.sqlite.resolve(name)")
    paths = {name: str(path) for name, path in factory.resolver.configured.items()}
    paths.update((name, resolved.path) for name, resolved in factory.resolved.items())
    return paths


@answers("graph.sqlite.datasets")
def opened_datasets(factory: Any) -> dict[str, Any]:
    """2.x's `graph.sqlite.datasets`: the data sets opened so far, by name."""
    deprecated("graph.sqlite.datasets", "use graph.sqlite(name) for a data set's engine")
    return dict(factory.engines)


@answers("engine, Session = graph.sqlite(name)")
def unpack_engine(engine: Any) -> Iterator[Any]:
    """2.x's `engine, Session = graph.sqlite(name)`: the SQLAlchemy engine and session maker."""
    deprecated("unpacking graph.sqlite(name)", "use its .engine and .new_session()")
    return iter((engine.engine, engine.sessionmaker))
