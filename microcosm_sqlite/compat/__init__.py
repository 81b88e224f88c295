"""
2.x's names and call styles, each a thin deprecated wrapper over the 3.x API (see UPGRADING.md).

Old call styles that reach core objects (`Store(get_session=...)`, `graph.sqlite[name] = path`,
`new_context(graph).open()`...) arrive through `microcosm_sqlite._legacy`; the modules below
register the answers when this package is imported. Every warning goes through `deprecated()`.
Nothing outside this package and 2.x's module paths (`builders`, `dumpers`, `context`,
`constants`, `identifiers`) imports it.

"""

from __future__ import annotations

# each registers its answers to old call styles with microcosm_sqlite._legacy
from microcosm_sqlite.compat import bases, builders, dumpers, factory, sessions, stores, values
from microcosm_sqlite.compat._deprecation import PREFIX, deprecated

__all__ = [
    "PREFIX",
    "bases",
    "builders",
    "deprecated",
    "dumpers",
    "factory",
    "sessions",
    "stores",
    "values",
]
