"""
2.x's readings of values, deprecated: `Truthy("")` is False, as 2.x's `strtobool` wrapper made it.

"""

from __future__ import annotations

from microcosm_sqlite._legacy import answers
from microcosm_sqlite.compat._deprecation import deprecated

__all__ = ["empty_truthy"]


@answers('Truthy("")')
def empty_truthy() -> bool:
    """2.x's `Truthy` took an empty string for False."""
    deprecated("an empty string in a Truthy column", "write False, or None for unknown")
    return False
