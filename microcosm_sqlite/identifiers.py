"""
2.x's `microcosm_sqlite.identifiers`, kept for this major version (see UPGRADING.md).

"""

from __future__ import annotations

import warnings
from uuid import UUID, uuid4


def new_object_id() -> UUID:
    """A random UUID, as 2.x gave; deprecated: call `uuid.uuid4()` directly."""
    warnings.warn(
        "microcosm_sqlite.identifiers.new_object_id is deprecated; use uuid.uuid4() instead"
        " (see UPGRADING.md)",
        DeprecationWarning,
        stacklevel=2,
    )
    return uuid4()
