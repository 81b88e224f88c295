"""
How a build tells how far it is: a listener given to `build_artifact(progress=...)`.

"""

from __future__ import annotations

from typing import Protocol

__all__ = ["BuildProgress", "announce"]


class BuildProgress(Protocol):
    """
    Where a build reports how far it is: `begin` with its sources' size in bytes, `advance`
    as it reads them, and `end` when the build is over (done or failed). A listener that
    also has `phase(name)` hears each step's name as it starts: `loading <table>` for each
    table, then `checking foreign keys`, `creating indexes`, `gathering statistics (ANALYZE)`,
    `compacting (VACUUM)`, `checking integrity and foreign keys`, `writing to disk`.
    """

    def begin(self, total_bytes: int) -> None:
        """The build starts reading sources of `total_bytes` bytes in all."""
        ...

    def advance(self, bytes_read: int) -> None:
        """`bytes_read` more bytes were read."""
        ...

    def end(self) -> None:
        """The build is over, done or failed."""
        ...


def announce(progress: BuildProgress | None, name: str) -> None:
    """Tell `progress` that the step `name` starts, if it listens for steps."""
    announce = getattr(progress, "phase", None)
    if announce is not None:
        announce(name)
