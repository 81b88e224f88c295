"""
Every error microcosm-sqlite raises, so callers can catch one root and map each to a status.

Two faces each: `str(error)`, the developer's (the path and its origin, a URL without its
credentials, SQLite's words, notes for 2.x code), for logs; `description`, the client's, which
microcosm-flask's error handler sends with `context`: short, naming the data set and what was
wrong, made from attributes alone, so never a path, URL, SQL, stack or upgrade note. Errors
carry no `context` attribute, so microcosm-flask sends its empty default.

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

from microcosm_sqlite._public_text import about, public, shown
from microcosm_sqlite.formatting import plural

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
    # what a client is told of an error whose own words are not for clients
    summary = "the request could not be answered"
    # whether the message itself is for clients
    message_is_public = False

    def __init__(self, message: str = "", *, dataset: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.dataset = dataset
        # a note for developers (most often, what 2.x did instead): in str(), never for clients
        self.hint = hint

    def __str__(self) -> str:
        # Exception's, even where a KeyError is a base too (KeyError's would quote the message)
        text = Exception.__str__(self)
        return text if not self.hint else f"{text} ({self.hint})"

    @property
    def description(self) -> str:
        """The client's face: what microcosm-flask's error handler sends, safe to show anyone."""
        message = Exception.__str__(self) if self.message_is_public else ""
        return public(message) if message else about(self.dataset, self.summary)

    @property
    def include_stack_trace(self) -> bool:
        """Whether microcosm-flask's audit log keeps the stack: for the server's failures."""
        return self.status_code >= 500


class ModelNotFoundError(SQLiteError):
    """No row has the key, or no row matched `one()`."""

    status_code = 404
    summary = "not found"
    # a Store writes the message from the model, the request and the data set alone
    message_is_public = True


class MultipleModelsFoundError(SQLiteError):
    """`one()` matched more than one row."""

    status_code = 409
    summary = "more than one row matches"
    message_is_public = True


class ModelIntegrityError(SQLiteError):
    """A write broke a constraint (writable data sets)."""

    status_code = 409
    summary = "the change breaks one of its constraints"


class DuplicateModelError(ModelIntegrityError):
    """A write repeated a primary key or a unique value."""

    status_code = 409
    summary = "a row with the same key or unique value exists"


class UnknownFilterError(SQLiteError, TypeError):
    """A Store call got a keyword that no filter accepts: never "match everything"."""

    status_code = 400

    def __init__(
        self,
        store: str,
        keywords: Sequence[str],
        accepted: Sequence[str],
        *,
        dataset: str | None = None,
    ) -> None:
        self.store = store
        self.keywords = tuple(keywords)
        self.accepted = tuple(accepted)
        super().__init__(
            f"{store} does not accept the keyword(s) {', '.join(self.keywords)};"
            f" it accepts: {', '.join(self.accepted) or 'no filters'}",
            dataset=dataset,
            hint="2.x ignored unknown keywords; see UPGRADING.md#stores",
        )

    @property
    def description(self) -> str:
        """The unknown keywords and those accepted."""
        unknown = ", ".join(shown(keyword) for keyword in self.keywords)
        accepted = ", ".join(self.accepted) or "none"
        return about(self.dataset, f"unknown filter {unknown}; filters accepted: {accepted}")


class InvalidIdentifierError(SQLiteError, ValueError):
    """A key that cannot name a row of the model at all: a 400, not a 404."""

    status_code = 400

    def __init__(
        self, store: str, identifier: object, reason: str, *, dataset: str | None = None
    ) -> None:
        self.store = store
        self.identifier = identifier
        self.reason = reason
        super().__init__(f"{store}: {identifier!r} is not a key: {reason}", dataset=dataset)

    @property
    def description(self) -> str:
        """The key given, and why no row can have it."""
        return about(self.dataset, f"{shown(self.identifier)} is not a key: {self.reason}")


class InvalidFilterValueError(SQLiteError, ValueError):
    """A filter value that cannot be compared with its column; the message holds no SQL."""

    status_code = 400

    def __init__(
        self, store: str, filters: dict[str, object], reason: str, *, dataset: str | None = None
    ) -> None:
        self.store = store
        self.filters = dict(filters)
        self.reason = reason
        given = ", ".join(f"{name}={value!r}" for name, value in self.filters.items())
        super().__init__(f"{store}: cannot filter by {given}: {reason}", dataset=dataset)

    @property
    def description(self) -> str:
        """The values given, and why the data set cannot compare them."""
        given = ", ".join(f"{name}={shown(value)}" for name, value in self.filters.items())
        return about(self.dataset, f"cannot filter by {given}: {self.reason}")


class DataSetCheckError(SQLiteError):
    """A startup or health check that found data sets a service cannot serve."""

    status_code = 503

    def __init__(self, problems: Sequence[SQLiteError]) -> None:
        self.problems = tuple(problems)
        listed = "; ".join(str(problem) for problem in self.problems)
        super().__init__(f"{plural(len(self.problems), 'data set check')} failed: {listed}")

    @property
    def description(self) -> str:
        """Each problem's client face."""
        listed = "; ".join(problem.description for problem in self.problems)
        return public(f"{plural(len(self.problems), 'data set check')} failed: {listed}")


class ConfigurationError(SQLiteError, ValueError):
    """A config value out of its range (a negative cache size...), when the component is built."""

    summary = "the service's data set configuration is not valid"

    def __init__(self, key: str, value: object, expected: str) -> None:
        self.key = key
        self.value = value
        super().__init__(f"config {key} is {value!r}: it must be {expected}")


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

    @property
    def description(self) -> str:
        """The source by its file's name (never the folder it is in), line, column and reason."""
        where = Path(self.file).name if self.line is None else f"{Path(self.file).name}:{self.line}"
        field = "" if self.column is None else f" column {shown(self.column)}:"
        return public(f"{where}:{field} {self.reason}")


class BuildError(SQLiteError):
    """
    A build that failed; nothing was written to the output.

    The message lists the first problems, the first on its first line (all that one-line
    reports, such as pytest's summary, show), then says how many more `problems` holds, and
    last the output it was building.

    """

    status_code = 400
    summary = "the build failed"
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
        self.output = None if output is None else str(output)
        self.problems = tuple(problems)
        subject = f"build of data set {dataset!r}" if dataset else "build"
        if not self.problems:
            target = f" into {self.output}" if self.output else ""
            super().__init__(f"{subject}{target} failed: {reason}", dataset=dataset)
            return
        # the first problem comes first, before a long temporary path
        listed = [str(problem) for problem in self.problems[: self.listed]]
        more = len(self.problems) - len(listed)
        if more:
            listed.append(f"and {more} more (the error's `problems` holds them all)")
        if self.output:
            listed.append(f"(output {self.output}, left as it was)")
        super().__init__(f"{subject} failed: {reason}: " + "\n  ".join(listed), dataset=dataset)

    @property
    def description(self) -> str:
        """How many problems its input has (never the output's path)."""
        found = f": {plural(len(self.problems), 'problem')} in its input" if self.problems else ""
        return about(self.dataset, f"{self.summary}{found}")


class DumpError(SQLiteError):
    """A table that cannot be written in the chosen format without changing its data."""

    status_code = 400
    summary = "the table cannot be dumped in this format without changing its data"
