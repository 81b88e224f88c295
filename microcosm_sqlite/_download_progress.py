"""
What a download reports as it goes: the protocol the CLI's progress bar and the download's log
lines both follow, apart from the download code so that callers can name it without loading it.

"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Progress"]


class Progress(Protocol):
    """What a download reports as it goes (the CLI's progress bar is one)."""

    def begin(self, total_bytes: int) -> None:
        """The download starts; `total_bytes` is 0 when the server does not say."""

    def advance(self, bytes_read: int) -> None:
        """Bytes received since the last call."""

    def end(self) -> None:
        """The download ended, whole or not."""
