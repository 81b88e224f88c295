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

from microcosm_sqlite.errors._building import BuildError, BuildInputError, DumpError
from microcosm_sqlite.errors._data_sets import (
    ArtifactCacheError,
    DataSetError,
    DataSetNotConfiguredError,
    DataSetNotFoundError,
    DownloadError,
    DownloadTimeoutError,
    HashMismatchError,
    NotADatabaseError,
    ReadOnlyDataSetError,
    RemoteArtifactError,
    RemoteArtifactNotFoundError,
    RemoteSupportMissingError,
    SchemaMismatchError,
    UnpinnedURLError,
    UnreadableValueError,
    UntrustedArtifactError,
)
from microcosm_sqlite.errors._queries import (
    ConfigurationError,
    DataSetCheckError,
    DuplicateModelError,
    InvalidFilterValueError,
    InvalidIdentifierError,
    ModelIntegrityError,
    ModelNotFoundError,
    MultipleModelsFoundError,
    UnknownFilterError,
)
from microcosm_sqlite.errors._root import SQLiteError

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

# tracebacks, pickles and the API reference name each class where callers import it from
for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
