"""How a download reports that it is moving: to the CLI's progress bar, or to the log."""

from __future__ import annotations

import logging
import time

from microcosm_sqlite._download_progress import Progress
from microcosm_sqlite.formatting import size

__all__ = ["PROGRESS_LOG_SECONDS", "LoggedProgress", "Progress"]

logger = logging.getLogger("microcosm_sqlite.remote")

# seconds between progress log lines while a download runs
PROGRESS_LOG_SECONDS = 10.0


class LoggedProgress:
    """A log line every PROGRESS_LOG_SECONDS, so a long download shows it is moving."""

    def __init__(self, subject: str) -> None:
        # what the lines name: `data set 'x'`, or `file x.sqlite` for a URL given alone
        self.subject = subject
        self.total = 0
        self.done = 0
        self.logged_at = time.monotonic()

    def begin(self, total_bytes: int) -> None:
        """The download starts; `total_bytes` is 0 when the server does not say."""
        self.total = total_bytes
        self.done = 0
        self.logged_at = time.monotonic()

    def advance(self, bytes_read: int) -> None:
        """Count the bytes, logging at most every PROGRESS_LOG_SECONDS."""
        self.done += bytes_read
        if time.monotonic() - self.logged_at < PROGRESS_LOG_SECONDS:
            return
        self.logged_at = time.monotonic()
        share = f" of {size(self.total)} ({self.done * 100 // self.total}%)" if self.total else ""
        logger.info("%s: downloaded %s%s", self.subject, size(self.done), share)

    def end(self) -> None:
        """Nothing to close: the last log line stands."""
