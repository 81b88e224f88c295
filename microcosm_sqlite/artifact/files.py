"""
The build's files on disk: where a build works, what it may replace, and how it moves the
finished file into place.

A build of `out.sqlite` by process 1234 loads rows into `.out.sqlite.1234.load.tmp`, compacts
them into `.out.sqlite.1234.tmp`, syncs that file and renames it over `out.sqlite`, then syncs
the directory: the output is the old artifact or the new one, never half of either. A build
that was killed leaves its temporary files, which the next build of that output removes once
their process is gone.

An output whose name is too long to carry those suffixes (with SQLite's `-journal`, 255 bytes
at most), or is not UTF-8 (SQLite takes only UTF-8 paths), has temporary files named after a
prefix of its name and a hash of it: `.<prefix>~<hash>.1234.tmp`. A name longer than a file's
may be, or a directory whose path is not UTF-8 (where those files would go), is refused
before anything is written (`unusable_output`).

"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from pathlib import Path

from microcosm_sqlite.artifact.contents import MANIFEST_TABLE
from microcosm_sqlite.artifact.defences import harden
from microcosm_sqlite.artifact.header import SQLITE_MAGIC
from microcosm_sqlite.artifact.manifest import has_manifest
from microcosm_sqlite.artifact.opening import read_only_uri
from microcosm_sqlite.formatting import name_text

__all__ = [
    "cannot_write",
    "create_empty",
    "discard_temp",
    "move_into_place",
    "not_replaceable",
    "process_alive",
    "remove_stale_temp_files",
    "remove_temp",
    "sync_file",
    "temp_path",
    "temp_stem",
    "unusable_output",
]

logger = logging.getLogger(__name__)

TEMP_SUFFIX = ".tmp"
# the longest file name most file systems take, in bytes (NAME_MAX)
NAME_MAX = 255
# the longest temporary file's name beyond the output's name: the most digits a pid has
LONGEST_TEMP = ". .9999999999.load.tmp-journal"
# how much of a name too long for its temporary files they keep, before the hash
KEPT_OF_NAME = 64
# what follows `.<output name>.<pid>.` in the names of a build's temporary files
STAGES = frozenset(stage + journal for stage in ("tmp", "load.tmp") for journal in ("", "-journal"))


def temp_path(output: Path, pid: int | None = None, stage: str = "") -> Path:
    """
    Where a build of `output` by process `pid` works: `.<name>.<pid>.tmp` is the finished
    file before its move into place, `.<name>.<pid>.load.tmp` the one rows load into.

    Raises nothing: it only names the file.

    """
    pid = os.getpid() if pid is None else pid
    middle = f".{stage}" if stage else ""
    return output.with_name(f".{temp_stem(output)}.{pid}{middle}{TEMP_SUFFIX}")


def temp_stem(output: Path) -> str:
    """
    What the names of `output`'s temporary files carry of it: its name, or when that is too
    long or not UTF-8, a UTF-8 prefix of it and a hash of the whole.

    """
    name = output.name
    # a file name that is not UTF-8 reaches Python with its bytes as lone surrogates
    kept = "".join(character for character in name if not "\ud800" <= character <= "\udfff")
    if kept == name and len(os.fsencode(name)) + len(LONGEST_TEMP) - 1 <= NAME_MAX:
        return name
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:16]
    while len(kept.encode("utf-8")) > KEPT_OF_NAME:
        kept = kept[:-1]
    return f"{kept}~{digest}"


def process_alive(pid: int) -> bool:
    """
    Whether process `pid` still runs (one we may not signal counts as running).

    Signal 0 only asks, on POSIX; elsewhere `os.kill` would end the process, which is one
    reason the package refuses to import there (`microcosm_sqlite._platform`).

    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temp_files(output: Path) -> list[Path]:
    """
    Remove what killed builds of `output` left behind: temp files whose process is gone.

    Returns the files removed; raises `OSError` when one cannot be removed.

    """
    removed: list[Path] = []
    prefix = f".{temp_stem(output)}."
    if not output.parent.is_dir():
        return removed
    for candidate in sorted(output.parent.iterdir()):
        name = candidate.name
        if not name.startswith(prefix):
            continue
        pid, _, rest = name[len(prefix) :].partition(".")
        if not pid.isdigit() or rest not in STAGES:
            continue
        if int(pid) != os.getpid() and not process_alive(int(pid)):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
            logger.info("removed %s, left by build process %s", candidate, pid)
    return removed


def remove_temp(path: Path) -> None:
    """Remove a temporary file and its journal before a build uses it; raises `OSError`."""
    for leftover in (path, path.with_name(path.name + "-journal")):
        leftover.unlink(missing_ok=True)


def discard_temp(path: Path) -> None:
    """
    Remove a build's temporary files after a failure, which stays the error reported: this
    raises nothing, and logs a file it could not remove.

    """
    for leftover in (path, path.with_name(path.name + "-journal")):
        if not leftover.exists():  # on a read-only file system, even that unlink fails
            continue
        try:
            leftover.unlink()
        except OSError as error:  # pragma: no cover - the directory turned read-only mid-build
            logger.warning("could not remove %s: %s", leftover, error.strerror)


def create_empty(path: Path) -> None:
    """
    Create `path` empty, failing if it exists: made here, a directory that cannot be
    written says why (SQLite would not). Raises `OSError`.

    """
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))


def unusable_output(output: Path, force: bool = False) -> str | None:
    """
    Why a build cannot write `output`, or None when it may: a name longer than a file's may
    be, a directory that is missing or whose path SQLite cannot take, a directory where the
    file would go, or (unless `force`) a file it must not replace. Raises nothing.

    """
    length = len(os.fsencode(output.name))
    if length > NAME_MAX:
        return f"the file name is {length} bytes long, more than a file name may be ({NAME_MAX})"
    directory = str(output.parent)
    if any("\ud800" <= character <= "\udfff" for character in directory):
        # its bytes reached Python as lone surrogates: SQLite writes its files by UTF-8 paths
        return (
            f"the directory {name_text(directory)} is not UTF-8, and SQLite takes only UTF-8"
            " paths: build into a directory whose path is UTF-8, then move the file"
        )
    try:
        if output.is_dir():
            return "the output is a directory"
        if not output.parent.is_dir():
            return f"the directory {directory!r} does not exist"
    except OSError as error:  # a path longer than the system takes, say
        return f"the output cannot be used: {error.strerror or error}"
    refused = None if force else not_replaceable(output)
    return None if refused is None else f"{refused}, so it is kept (--force replaces it)"


def not_replaceable(output: Path) -> str | None:
    """
    Why a build must not replace what is at `output`, or None when it may.

    A build replaces nothing, an empty file, or an artifact a build wrote (a SQLite file with
    the manifest): anything else may be someone's data, such as the build's own source.
    Raises nothing: what cannot be read is a reason.

    """
    if not output.exists():
        return None
    if not output.is_file():
        return "it is not a regular file"
    try:
        with output.open("rb") as existing:
            header = existing.read(len(SQLITE_MAGIC))
    except OSError as error:
        return f"it cannot be read to check what it is ({error.strerror})"
    if not header:
        return None
    if header != SQLITE_MAGIC:
        return "it exists and is not a SQLite artifact"
    try:
        connection = sqlite3.connect(read_only_uri(os.fspath(output), immutable=True), uri=True)
        try:
            harden(connection)
            built = has_manifest(connection)
        finally:
            connection.close()
    except sqlite3.Error as error:
        return f"it is a SQLite file that cannot be read ({error})"
    if not built:
        return f"it is a SQLite database that no build wrote (no {MANIFEST_TABLE} table)"
    return None


def cannot_write(error: OSError, output: Path) -> str:
    """What a build says when the file system refuses it."""
    return f"cannot write in {output.parent}: {error.strerror or error}"


def sync_file(path: Path) -> None:
    """Flush a file's bytes to the disk; raises `OSError`."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def move_into_place(temp: Path, output: Path) -> None:
    """
    Sync `temp`, rename it over `output`, and sync the directory, so that the output is the
    new file, whole, even after a crash. Raises `OSError`.

    """
    sync_file(temp)
    os.replace(temp, output)
    sync_file(output.parent)
