"""
The platforms this library runs on: POSIX (Linux and macOS), refused elsewhere when the package
is imported, before anything could do harm.

Parts of the library count on POSIX: a build probes whether the process that left a temporary
file still runs with `os.kill(pid, 0)`, which on Windows ends that process; downloads lock the
cache with `fcntl`; engines drop inherited connections in forked children through
`os.register_at_fork`. A clear error at import is better than any of these half-working.

"""

from __future__ import annotations

import os
import sys

__all__ = ["SUPPORTED", "UnsupportedPlatformError", "require_posix"]

SUPPORTED = "POSIX systems (Linux, macOS)"


class UnsupportedPlatformError(ImportError):
    """The package was imported on a platform it does not support."""


def require_posix(os_name: str = os.name, platform: str = sys.platform) -> None:
    """Raise `UnsupportedPlatformError` unless this is a POSIX system (`os.name == "posix"`)."""
    if os_name != "posix":
        raise UnsupportedPlatformError(
            f"microcosm-sqlite runs on {SUPPORTED} only, not on {platform!r}: its builds, cache"
            " locks and fork safety rely on POSIX process and file semantics"
        )


# once, when the package is imported (its `__init__` imports this module first)
require_posix()
