"""
2.x's `microcosm_sqlite.context`, kept for this major version: `SessionContext(graph, Base)`
warns and works as in 2.x (see `microcosm_sqlite.compat.sessions` and UPGRADING.md).

"""

from microcosm_sqlite.compat.sessions import SessionContext

__all__ = ["SessionContext"]
