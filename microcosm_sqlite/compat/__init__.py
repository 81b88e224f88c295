"""
2.x's names and call styles, each a thin deprecated wrapper over the 3.x API (see UPGRADING.md).

Old call styles that reach core objects (`Store(get_session=...)`, `graph.sqlite[name] = path`,
`new_context(graph).open()`...) arrive through `microcosm_sqlite._legacy`, which imports this
package at a process's first old call; the modules below register the answers then. Every
warning goes through `deprecated()`.
Nothing outside this package and 2.x's module paths (`builders`, `dumpers`, `context`,
`constants`, `identifiers`) imports it.

"""

from __future__ import annotations

from microcosm_sqlite._legacy import answered_in

# each registers its answers to old call styles with microcosm_sqlite._legacy
from microcosm_sqlite.compat import bases, factory, sessions, stores, values
from microcosm_sqlite.compat._deprecation import PREFIX, deprecated

__all__ = [
    "PREFIX",
    "bases",
    "deprecated",
    "factory",
    "sessions",
    "stores",
    "values",
]

# 2.x's builder and dumper stand on the build and the tools, which a service that only reads
# never loads: their modules register their answers when a call first needs one
answered_in(
    "microcosm_sqlite.compat.builders",
    "graph.sqlite_builder.csv(Base, **options)",
    "csv(...).bulk",
    "csv(...).default",
    "sqlite_builder CSV numbers as 2.x read them",
)
answered_in(
    "microcosm_sqlite.compat.dumpers",
    "sqlite_dumper.csv(store, model_cls=...)",
    "sqlite_dumper.csv(store).dump(fileobj, **keywords)",
)
