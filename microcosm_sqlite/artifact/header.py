"""
What a file at a data set's path is, before SQLite opens it: a ready artifact, or a clear error.

The first 100 bytes say whether a file is SQLite and whether it was left in WAL mode, whose data
an immutable reader would not see. Which file a path names (device, inode, size, time) is how a
reader notices a new build renamed over it.

"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from microcosm_sqlite.errors import DataSetNotFoundError, NotADatabaseError

__all__ = [
    "HEADER_SIZE",
    "JOURNAL_MAGIC",
    "SQLITE_MAGIC",
    "FileVersion",
    "check_artifact",
    "hot_journal",
]

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
# the file format version bytes (18 and 19) of a database in WAL mode
WAL_FORMAT = 2
# how a rollback journal holding a write's original pages starts; a finished write deletes the
# journal, empties it or zeroes this header, so a journal that still starts so is hot
JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")


class FileVersion(NamedTuple):
    """Which file a path names: a new build renamed over the path is another inode."""

    device: int
    inode: int
    size: int
    modified_ns: int

    @classmethod
    def of(cls, status: os.stat_result) -> FileVersion:
        """The version `os.stat` or `os.fstat` describes."""
        return cls(status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)

    @classmethod
    def at(cls, path: str) -> FileVersion | None:
        """The version at a path now; None when nothing can be found there."""
        try:
            return cls.of(os.stat(path))
        except OSError:
            return None


def check_artifact(location: str, context: Mapping[str, Any]) -> FileVersion:
    """
    Fail early, with the data set named, on anything that is not a ready SQLite artifact.

    Returns the version of the file it checked. Raises `DataSetNotFoundError` (nothing there,
    not a regular file, unreadable) or `NotADatabaseError` (not SQLite, or in WAL mode).

    """
    path = Path(location)
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError) as error:
        raise DataSetNotFoundError(
            "no file exists at this path (3.x never creates an empty one, as 2.x did: build the"
            " artifact first; see UPGRADING.md#config)",
            **context,
        ) from error
    except OSError as error:
        # a folder on the way the process may not search, most often: PermissionError
        raise DataSetNotFoundError(
            f"the path cannot be reached: {error.strerror or error}", **context
        ) from error
    if not stat.S_ISREG(mode):
        raise DataSetNotFoundError("the path is not a regular file", **context)
    try:
        with path.open("rb") as artifact:
            header = artifact.read(HEADER_SIZE)
            version = FileVersion.of(os.fstat(artifact.fileno()))
    except OSError as error:
        raise DataSetNotFoundError(f"the file cannot be read: {error}", **context) from error
    if len(header) < HEADER_SIZE or not header.startswith(SQLITE_MAGIC):
        raise NotADatabaseError("the file is not a SQLite database", **context)
    if WAL_FORMAT in (header[18], header[19]):
        raise NotADatabaseError(
            "the file is in WAL mode, whose data an immutable reader may not see;"
            " rebuild it with `microcosm-sqlite build` (rollback-journal mode)",
            **context,
        )
    journal = hot_journal(location)
    if journal is not None:
        raise NotADatabaseError(
            f"a write to the file was interrupted: its journal {journal} holds the pages SQLite"
            " must put back before the file can be read, and a reader writes nothing; build"
            " the artifact again (or roll the write back by opening the file once, writable,"
            " in the sqlite3 shell)",
            **context,
        )
    return version


def hot_journal(location: str) -> Path | None:
    """
    The rollback journal of an interrupted write beside the file at `location`, or None.

    Only a regular file is read, without waiting: a pipe by that name is no journal.

    """
    journal = Path(f"{location}-journal")
    try:
        status = journal.stat()
        if not stat.S_ISREG(status.st_mode) or status.st_size < len(JOURNAL_MAGIC):
            return None
        descriptor = os.open(journal, os.O_RDONLY | os.O_NONBLOCK)
        try:
            start = os.read(descriptor, len(JOURNAL_MAGIC))
        finally:
            os.close(descriptor)
    except OSError:
        return None
    return journal if start == JOURNAL_MAGIC else None
