"""
Every error microcosm-sqlite raises, so callers can catch one root and map each to a status.

    SQLiteError (500)
    ├── ModelNotFoundError (404)
    ├── MultipleModelsFoundError (409)
    ├── ModelIntegrityError (409)
    │   └── DuplicateModelError (409)
    ├── UnknownFilterError (400)
    ├── InvalidIdentifierError (400): a key no lookup can use (wrong size, a dict...)
    ├── InvalidFilterValueError (400): a filter value the column cannot compare with
    ├── DataSetCheckError (503): `graph.sqlite.check()` found problems; `problems` lists them
    ├── ConfigurationError (500): a config value out of its range, named by its key
    ├── DataSetError (500): names the data set, its path and where the path came from
    │   ├── DataSetNotConfiguredError: no path for the name (also a KeyError)
    │   ├── DataSetNotFoundError: no file at the path, or not a regular file
    │   ├── NotADatabaseError: the file is not SQLite, is corrupt, or was left in WAL mode
    │   ├── ReadOnlyDataSetError (405): a write on a read-only data set
    │   ├── UnreadableValueError: a stored value its column's type cannot read back
    │   ├── SchemaMismatchError: the artifact's schema differs from its models
    │   ├── UntrustedArtifactError: the file holds what no build writes (a view, a trigger, a
    │   │                           virtual table), or goes past a reader's limits
    │   └── RemoteArtifactError: a data set at a pinned URL that could not be fetched or cached
    │       ├── UnpinnedURLError: a remote URL with no #sha256=<hex>, whose content could change
    │       ├── RemoteSupportMissingError: fsspec (the `remote` extra) or the URL's filesystem
    │       │                              package is not installed
    │       ├── RemoteArtifactNotFoundError: nothing at the URL (404)
    │       ├── DownloadError: host unreachable or connection dropped, after every retry
    │       │   └── DownloadTimeoutError: the server stopped answering, after every retry
    │       ├── HashMismatchError: the download's sha256 is not the pinned one; both named
    │       └── ArtifactCacheError: the cache directory is not writable, or the disk is full
    ├── BuildError (400): a build failed; `problems` lists every BuildInputError found
    │   └── BuildInputError (400): one bad input, with file, line and column
    └── DumpError (400): a table that cannot be dumped in the chosen format unchanged

"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "ArtifactCacheError",
    "BuildError",
    "BuildInputError",
    "ConfigurationError",
    "DataSetCheckError",
    "DataSetError",
    "DataSetNotConfiguredError",
    "DataSetNotFoundError",
    "DownloadError",
    "DownloadTimeoutError",
    "DumpError",
    "DuplicateModelError",
    "HashMismatchError",
    "InvalidFilterValueError",
    "InvalidIdentifierError",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "MultipleModelsFoundError",
    "NotADatabaseError",
    "ReadOnlyDataSetError",
    "RemoteArtifactError",
    "RemoteArtifactNotFoundError",
    "RemoteSupportMissingError",
    "SQLiteError",
    "SchemaMismatchError",
    "UnknownFilterError",
    "UnpinnedURLError",
    "UnreadableValueError",
    "UntrustedArtifactError",
]


class SQLiteError(Exception):
    """The root of the tree."""

    status_code = 500
    # Read by microcosm-flask's error handler, as in 2.x: our messages carry the context.
    include_stack_trace = False


class ModelNotFoundError(SQLiteError):
    """No row has the key, or no row matched `one()`."""

    status_code = 404


class MultipleModelsFoundError(SQLiteError):
    """`one()` matched more than one row."""

    status_code = 409


class ModelIntegrityError(SQLiteError):
    """A write broke a constraint (writable data sets)."""

    status_code = 409


class DuplicateModelError(ModelIntegrityError):
    """A write repeated a primary key or a unique value."""

    status_code = 409


class UnknownFilterError(SQLiteError, TypeError):
    """A Store call got a keyword that no filter accepts: never "match everything"."""

    status_code = 400

    def __init__(self, store: str, keywords: Sequence[str], accepted: Sequence[str]) -> None:
        self.store = store
        self.keywords = tuple(keywords)
        self.accepted = tuple(accepted)
        super().__init__(
            f"{store} does not accept the keyword(s) {', '.join(self.keywords)};"
            f" it accepts: {', '.join(self.accepted) or 'no filters'}"
            " (2.x ignored unknown keywords; see UPGRADING.md#stores)"
        )


class InvalidIdentifierError(SQLiteError, ValueError):
    """A key that cannot name a row of the model at all: a 400, not a 404."""

    status_code = 400

    def __init__(self, store: str, identifier: object, reason: str) -> None:
        self.store = store
        self.identifier = identifier
        self.reason = reason
        super().__init__(f"{store}: {identifier!r} is not a key: {reason}")


class InvalidFilterValueError(SQLiteError, ValueError):
    """A filter value that cannot be compared with its column; the message holds no SQL."""

    status_code = 400

    def __init__(self, store: str, filters: dict[str, object], reason: str) -> None:
        self.store = store
        self.filters = dict(filters)
        self.reason = reason
        given = ", ".join(f"{name}={value!r}" for name, value in self.filters.items())
        super().__init__(f"{store}: cannot filter by {given}: {reason}")


class DataSetCheckError(SQLiteError):
    """A startup or health check that found data sets a service cannot serve."""

    status_code = 503

    def __init__(self, problems: Sequence[SQLiteError]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        listed = "; ".join(str(problem) for problem in self.problems)
        super().__init__(f"{count} data set {'check' if count == 1 else 'checks'} failed: {listed}")


class ConfigurationError(SQLiteError, ValueError):
    """A config value out of its range (a negative cache size...), when the component is built."""

    def __init__(self, key: str, value: object, expected: str) -> None:
        self.key = key
        self.value = value
        super().__init__(f"config {key} is {value!r}: it must be {expected}")


class DataSetError(SQLiteError):
    """A problem with a data set as a whole, named with its path and the path's origin."""

    def __init__(
        self,
        reason: str,
        *,
        dataset: str,
        path: str | Path | None = None,
        origin: str | None = None,
    ) -> None:
        self.reason = reason
        self.dataset = dataset
        self.path = None if path is None else str(path)
        self.origin = origin
        where = "" if path is None else f" at {self.path}"
        came_from = "" if origin is None else f" (path from {origin})"
        super().__init__(f"data set {dataset!r}{where}{came_from}: {reason}")


class DataSetNotConfiguredError(DataSetError, KeyError):
    """No path for the name; also a KeyError, as 2.x's missing name was (see UPGRADING.md)."""

    def __str__(self) -> str:
        # KeyError's str() would quote the message; keep it as DataSetError writes it.
        return Exception.__str__(self)


class DataSetNotFoundError(DataSetError):
    """No file at the path, not a regular file, or one the process cannot read."""


class NotADatabaseError(DataSetError):
    """The file is not SQLite, is damaged, or was left in WAL mode."""


class ReadOnlyDataSetError(DataSetError):
    """A write to a read-only data set: refused before anything is touched."""

    status_code = 405


class UnreadableValueError(DataSetError):
    """A stored value that its column's type cannot turn back into Python (a damaged file)."""


class SchemaMismatchError(DataSetError):
    """The artifact lacks tables or columns its models map; `differences` lists them."""

    def __init__(self, differences: Sequence[str], **context: str | Path | None) -> None:
        self.differences = tuple(differences)
        super().__init__(
            "schema does not match its models: " + "; ".join(self.differences),
            **context,  # type: ignore[arg-type]
        )


class UntrustedArtifactError(DataSetError):
    """
    A file no build could have written, refused before any of its SQL runs: views, triggers and
    virtual tables, a value over 64 MiB, a schema query past its time bound.
    """


class RemoteArtifactError(DataSetError):
    """A pinned URL's problem; `path` is the URL, and nothing partial is left in the cache."""


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


class BuildInputError(SQLiteError):
    """One problem with build input, located as precisely as the source allows."""

    status_code = 400

    def __init__(
        self,
        reason: str,
        *,
        file: str | Path,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = str(file)
        self.line = line
        self.column = column
        location = self.file if line is None else f"{self.file}:{line}"
        field = "" if column is None else f" column {column!r}:"
        super().__init__(f"{location}:{field} {reason}")


class BuildError(SQLiteError):
    """
    A build that failed; nothing was written to the output.

    The message lists the first problems, the first on its first line (all that one-line
    reports, such as pytest's summary, show), then says how many more `problems` holds, and
    last the output it was building.

    """

    status_code = 400
    # how many problems the message lists
    listed = 5

    def __init__(
        self,
        reason: str,
        *,
        dataset: str | None = None,
        output: str | Path | None = None,
        problems: Sequence[BuildInputError] = (),
    ) -> None:
        self.reason = reason
        self.dataset = dataset
        self.output = None if output is None else str(output)
        self.problems = tuple(problems)
        subject = f"build of data set {dataset!r}" if dataset else "build"
        if not self.problems:
            target = f" into {self.output}" if self.output else ""
            super().__init__(f"{subject}{target} failed: {reason}")
            return
        # the first problem comes first, before a long temporary path
        shown = [str(problem) for problem in self.problems[: self.listed]]
        more = len(self.problems) - len(shown)
        if more:
            shown.append(f"and {more} more (the error's `problems` holds them all)")
        if self.output:
            shown.append(f"(output {self.output}, left as it was)")
        super().__init__(f"{subject} failed: {reason}: " + "\n  ".join(shown))


class DumpError(SQLiteError):
    """A table that cannot be written in the chosen format without changing its data."""

    status_code = 400
