"""
Opening an artifact to read it, as the runtime and the CLI both do: read-only and defended.

The file opens through a `file:` URI with `mode=ro`, so reading never changes it and a missing
path is an error, not a new empty database. Every connection carries the defences for files one
did not build (`defences`).

"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from microcosm_sqlite._error_mapping import translate_error
from microcosm_sqlite.artifact.defences import harden, refused_objects, time_bound
from microcosm_sqlite.artifact.header import check_artifact
from microcosm_sqlite.errors import UntrustedArtifactError

__all__ = ["SCHEMA_SECONDS", "open_artifact", "read_only_uri"]

# how long reading a file's schema may take: any artifact's takes milliseconds
SCHEMA_SECONDS = 10.0


def read_only_uri(path: str, immutable: bool) -> str:
    """A `file:` URI that can only read; the path is escaped, so `#`, `?` and `%` are safe."""
    flags = "mode=ro&immutable=1" if immutable else "mode=ro"
    return f"{Path(path).resolve().as_uri()}?{flags}"


@contextmanager
def open_artifact(
    path: str | os.PathLike[str], refuse_unexpected: bool = True
) -> Iterator[sqlite3.Connection]:
    """
    A read-only, defended connection to the artifact at a path, for the tools.

    Raises `DataSetNotFoundError` or `NotADatabaseError` when the path holds no artifact,
    `UntrustedArtifactError` when its schema holds views, triggers or virtual tables other than
    the full-text indexes a build writes (unless
    `refuse_unexpected` is false, for `verify` to report them) or takes too long to read.
    SQLite's errors inside the block (such as "database disk image is malformed"), and text
    it gives back that is not UTF-8, become this library's too, naming the path.

    """
    location = os.fspath(path)
    context = {"dataset": Path(location).stem, "path": location}
    check_artifact(location, context)
    try:
        connection = sqlite3.connect(read_only_uri(location, immutable=False), uri=True)
    except sqlite3.DatabaseError as error:
        raise translate_error(error, context) from error
    try:
        harden(connection)
        with time_bound(connection, SCHEMA_SECONDS, context):
            found = refused_objects(connection)
        if found and refuse_unexpected:
            raise UntrustedArtifactError(
                f"the file holds what no build writes ({', '.join(found)}); it is not read, so"
                " none of their SQL runs (`microcosm-sqlite verify` lists them)",
                **context,
            )
        yield connection
    except (sqlite3.DatabaseError, UnicodeDecodeError) as error:
        raise translate_error(error, context) from error
    finally:
        connection.close()
