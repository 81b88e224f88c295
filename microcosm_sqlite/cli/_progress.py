"""
A long command's progress on a terminal: the step it is at, and a bar by bytes once it takes a
moment. `build` shows a build's steps; `fetch` a download.

"""

from __future__ import annotations

import sys
import time
from typing import Any

import click

__all__ = ["PROGRESS_DELAY", "ProgressBar"]

# seconds a build runs before its progress bar appears
PROGRESS_DELAY = 0.5


class ProgressBar:
    """
    A build's progress on a terminal: each step's name as it starts (`loading authors`,
    `creating indexes`, `compacting (VACUUM)`, ...) on one status line that the next step
    overwrites, and a bar by bytes read once loading takes a moment. The status line is
    cleared when the build ends; with `verbose`, whose log lines would break into it, each
    step is a line of its own instead. Disabled (not a terminal, or `--quiet`), it shows
    nothing.
    """

    def __init__(self, enabled: bool, verbose: bool = False) -> None:
        self.enabled = enabled
        self.verbose = verbose
        self.total = 0
        self.done = 0
        self.started = time.monotonic()
        self.bar: Any = None
        self.label = "loading"
        # whether a status line is on screen, to clear
        self.shown = False

    @property
    def file(self) -> Any:
        """Where the bar draws: stderr, so stdout stays the command's output."""
        return sys.stderr

    def begin(self, total_bytes: int) -> None:
        """The build starts reading `total_bytes` of sources."""
        self.total = total_bytes
        self.started = time.monotonic()

    def phase(self, name: str) -> None:
        """A step of the build starts: its name replaces the last one."""
        loading = name.startswith("loading")
        if self.bar is not None and not loading:
            self._close_bar()
        self.label = name
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.label = name
            self.bar.render_progress()
            return
        self._status(name)

    def advance(self, bytes_read: int) -> None:
        """Bytes read since the last call; the bar appears once loading takes a moment."""
        self.done += bytes_read
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.started < PROGRESS_DELAY:
                return
            self._status("")
            self.bar = click.progressbar(
                length=max(self.total, 1), label=self.label, file=self.file, show_eta=True
            )
            self.bar.__enter__()
            self.bar.update(self.done)
            return
        self.bar.update(bytes_read)

    def end(self) -> None:
        """Close the bar and clear the status line."""
        self._close_bar()
        if self.enabled:
            self._status("")

    def _close_bar(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def _status(self, text: str) -> None:
        """`text` on the status line, or the line cleared when it is empty."""
        if self.verbose:
            if text:
                self.file.write(f"{text}\n")
        elif text or self.shown:
            # back to the line's start, clear it (ANSI erase-in-line), then the text
            self.file.write(f"\r\x1b[K{text}")
            self.shown = bool(text)
        self.file.flush()
