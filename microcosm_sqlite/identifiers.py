"""
2.x's `microcosm_sqlite.identifiers`, kept for this major version (see UPGRADING.md).

"""

from __future__ import annotations

from uuid import UUID, uuid4

from microcosm_sqlite.compat import deprecated

__all__ = ["new_object_id"]


def new_object_id() -> UUID:
    """A random UUID, as 2.x gave; deprecated: call `uuid.uuid4()` directly."""
    deprecated("microcosm_sqlite.identifiers.new_object_id", "use uuid.uuid4()")
    return uuid4()
