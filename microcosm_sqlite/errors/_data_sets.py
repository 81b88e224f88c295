"""What can be wrong with a data set's file, path or download: named with its origin."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from microcosm_sqlite._public_text import about
from microcosm_sqlite.errors._root import SQLiteError

__all__ = [
    "ArtifactCacheError",
    "DataSetError",
    "DataSetNotConfiguredError",
    "DataSetNotFoundError",
    "DownloadError",
    "DownloadTimeoutError",
    "HashMismatchError",
    "NotADatabaseError",
    "ReadOnlyDataSetError",
    "RemoteArtifactError",
    "RemoteArtifactNotFoundError",
    "RemoteSupportMissingError",
    "SchemaMismatchError",
    "UnpinnedURLError",
    "UnreadableValueError",
    "UntrustedArtifactError",
]


class DataSetError(SQLiteError):
    """A problem with a data set as a whole, named with its path and the path's origin."""

    summary = "it is not available"

    def __init__(
        self,
        reason: str,
        *,
        dataset: str,
        path: str | Path | None = None,
        origin: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.reason = reason
        self.path = None if path is None else str(path)
        self.origin = origin
        where = "" if path is None else f" at {self.path}"
        came_from = "" if origin is None else f" (path from {origin})"
        super().__init__(
            f"data set {dataset!r}{where}{came_from}: {reason}", dataset=dataset, hint=hint
        )


class DataSetNotConfiguredError(DataSetError, KeyError):
    """No path for the name; also a KeyError, as 2.x's missing name was (see UPGRADING.md)."""

    summary = "it is not configured"


class DataSetNotFoundError(DataSetError):
    """No file at the path, not a regular file, or one the process cannot read."""

    summary = "its file is missing or cannot be read"


class NotADatabaseError(DataSetError):
    """The file is not SQLite, is damaged, or was left in WAL mode."""

    summary = "its file is not a usable SQLite artifact"


class ReadOnlyDataSetError(DataSetError):
    """A write to a read-only data set: refused before anything is touched."""

    status_code = 405
    summary = "it is read-only"


class UnreadableValueError(DataSetError):
    """A stored value that its column's type cannot turn back into Python (a damaged file)."""

    summary = "a value stored in it cannot be read"


class SchemaMismatchError(DataSetError):
    """The artifact lacks tables or columns its models map; `differences` lists them."""

    summary = "its file does not match its models"

    def __init__(self, differences: Sequence[str], **context: str | Path | None) -> None:
        self.differences = tuple(differences)
        super().__init__(
            "schema does not match its models: " + "; ".join(self.differences),
            **context,  # type: ignore[arg-type]
        )

    @property
    def description(self) -> str:
        """The differences: names of tables and columns only."""
        return about(self.dataset, f"{self.summary}: {'; '.join(self.differences)}")


class UntrustedArtifactError(DataSetError):
    """
    A file no build could have written, refused before any of its SQL runs: views, triggers and
    virtual tables, a value over 64 MiB, a schema query past its time bound.
    """

    summary = "its file was refused: it holds what no build writes, or goes past a reader's limits"


class RemoteArtifactError(DataSetError):
    """A pinned URL's problem; `path` is the URL, and nothing partial is left in the cache."""

    # one face for all its kinds: a client can do nothing different about any of them
    summary = "its file could not be fetched"


class UnpinnedURLError(RemoteArtifactError):
    """A remote URL without `#sha256=<hex>`, whose content could change under a fleet."""


class RemoteSupportMissingError(RemoteArtifactError):
    """fsspec (the `remote` extra) or the URL's filesystem package is missing."""


class RemoteArtifactNotFoundError(RemoteArtifactError, DataSetNotFoundError):
    """Nothing at the URL (404): not retried."""


class DownloadError(RemoteArtifactError):
    """The host was unreachable or the connection dropped, on every attempt."""


class DownloadTimeoutError(DownloadError):
    """The server stopped answering for the download timeout, on every attempt."""


class HashMismatchError(RemoteArtifactError):
    """The bytes at the URL are not the pinned ones: the URL's content changed, or was damaged."""

    def __init__(self, expected: str, actual: str, **context: str | Path | None) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"sha256 mismatch: pinned {expected}, downloaded {actual}; the download was deleted",
            **context,  # type: ignore[arg-type]
        )


class ArtifactCacheError(RemoteArtifactError):
    """The cache directory cannot be written, or the disk is full."""
