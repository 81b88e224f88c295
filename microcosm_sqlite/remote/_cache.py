"""
The machine's cache of pinned downloads: `<cache>/sha256/<hex>.sqlite`, one process per machine
downloading each, under a lock `<cache>/locks/<hex>.lock`.

A lock file is never deleted: a lock deleted on release can be held twice at once, by a process
that was waiting on the old file and by a newcomer that created a new one. What a killed
download leaves, its temporary `.part` file, is removed by the next fetch of the same pin, under
the lock, so never while another process writes it.

A file under its final name was whole and verified when it was renamed there. Before use it is
checked again for what a cheap look can see (a regular file, not a link; the size its SQLite
header gives); a full re-hash is `fetch(..., verify=True)` (`microcosm-sqlite fetch --verify`).
A file that fails either is downloaded again.

"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from errno import ENOLCK, ENOSYS
from pathlib import Path

from microcosm_sqlite.artifact.digest import file_sha256
from microcosm_sqlite.artifact.header import HEADER_SIZE, SQLITE_MAGIC
from microcosm_sqlite.errors import ArtifactCacheError, HashMismatchError, RemoteSupportMissingError
from microcosm_sqlite.formatting import plural, size
from microcosm_sqlite.remote._pins import PinnedURL
from microcosm_sqlite.remote._progress import LoggedProgress, Progress
from microcosm_sqlite.remote._transfer import (
    INSTALL_REMOTE,
    Context,
    FailedAttempt,
    cache_error,
    cache_errors,
    download,
)

__all__ = ["ArtifactCache", "default_cache_dir", "problem_with"]

logger = logging.getLogger("microcosm_sqlite.remote")

CACHE_NAME = "microcosm-sqlite"
# the wait before the first retry; each further retry waits twice as long
BACKOFF_SECONDS = 0.5
# what `problem_with` says when nothing is under the name
ABSENT = "absent"
# errno values of a filesystem that cannot lock files
NO_LOCKS = {ENOLCK, ENOSYS}


def default_cache_dir() -> Path:
    """The platform's per-user cache directory for our downloads ($XDG_CACHE_HOME on Linux)."""
    # imported here: with sqlite.cache_dir set, nothing needs it
    from platformdirs import user_cache_dir

    directory = Path(user_cache_dir(CACHE_NAME, appauthor=False))
    if not directory.is_absolute():
        # a relative $XDG_CACHE_HOME, which the XDG spec says to ignore (older platformdirs use it)
        directory = Path.home() / ".cache" / CACHE_NAME
    return directory


def problem_with(path: Path, sha256: str | None = None) -> str | None:
    """
    What is wrong with the file under a pin's name, or None when it can be used: `ABSENT`, a
    link, not a regular file, shorter or longer than its SQLite header says; with `sha256`,
    also a file whose bytes do not hash to it.

    """
    try:
        status = os.lstat(path)
    except OSError:
        # nothing there, or a folder on the way that is no folder: taking the lock will say
        return ABSENT
    if stat.S_ISLNK(status.st_mode):
        return "it is a symbolic link, not a file the cache wrote"
    if not stat.S_ISREG(status.st_mode):
        return "it is not a regular file"
    if status.st_size < HEADER_SIZE:
        return f"it holds {plural(status.st_size, 'byte')}, less than a SQLite header"
    try:
        with open(path, "rb") as cached:
            header = cached.read(HEADER_SIZE)
        expected = header_size(header)
        if expected is not None and expected != status.st_size:
            return f"it holds {size(status.st_size)}, where its SQLite header says {size(expected)}"
        actual = None if sha256 is None else file_sha256(path)
    except OSError as error:
        return f"it cannot be read ({error.strerror or error})"
    if actual is not None and actual != sha256:
        return f"its sha256 is {actual}, not the pinned {sha256}"
    return None


def header_size(header: bytes) -> int | None:
    """The file size a SQLite header gives (page size times page count), when it gives one."""
    if not header.startswith(SQLITE_MAGIC) or len(header) < HEADER_SIZE:
        return None
    page_size = int.from_bytes(header[16:18], "big")
    pages = int.from_bytes(header[28:32], "big")
    # the page count is valid when the change counter matches "version-valid-for"
    if pages == 0 or header[24:28] != header[92:96]:
        return None
    return (65536 if page_size == 1 else page_size) * pages


def identity(path: Path) -> tuple[int, int] | None:
    """Which file is under a name (device, inode), to notice another process replacing it."""
    try:
        status = os.lstat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


@dataclass(frozen=True)
class ArtifactCache:
    """
    Downloads kept by sha256 under `directory`; one process per machine fetches each.

    A download streams to a temporary file beside its final name, is checked against the pin,
    and is renamed into place: a file under its final name is always whole and verified.

    """

    directory: Path
    timeout_seconds: float = 30.0
    attempts: int = 4

    def path_for(self, pin: PinnedURL) -> Path:
        """Where the cache keeps a pin's file, by its sha256."""
        return self.directory / "sha256" / f"{pin.sha256}.sqlite"

    def lock_for(self, pin: PinnedURL) -> Path:
        """The pin's lock file, kept for good (see the module's docstring)."""
        return self.directory / "locks" / f"{pin.sha256}.lock"

    def fetch(
        self,
        pin: PinnedURL,
        *,
        dataset: str,
        origin: str | None = None,
        progress: Progress | None = None,
        verify: bool = False,
        subject: str | None = None,
    ) -> Path:
        """
        The cached file for a pin, downloaded first if no process has yet, or if the file there
        is damaged (with `verify`, also re-hashed). Concurrent processes take a file lock: one
        downloads, the others wait and find it there. Log lines name the data set, or
        `subject` (`file x.sqlite`, for a URL given without a name).

        """
        subject = subject or f"data set {dataset!r}"
        target = self.path_for(pin)
        problem = problem_with(target, pin.sha256 if verify else None)
        if problem is None:
            return target
        found = identity(target)
        context: Context = dict(dataset=dataset, path=str(pin), origin=origin)
        with self._locked(pin, context):
            if identity(target) != found:
                # another process put a file there while this one waited: it verified it
                problem = problem_with(target)
                if problem is None:
                    logger.info("%s: %s was downloaded by another process", subject, pin)
                    return target
            self._clear(pin, problem, context, subject)
            self._download(pin, target, context, subject, progress or LoggedProgress(subject))
        return target

    @contextmanager
    def _locked(self, pin: PinnedURL, context: Context) -> Iterator[None]:
        try:
            from filelock import FileLock
        except ImportError as error:
            reason = f"downloading a URL needs filelock: {INSTALL_REMOTE}"
            raise RemoteSupportMissingError(reason, **context) from error
        folder, lock_path = self.path_for(pin).parent, self.lock_for(pin)
        with cache_errors(folder, context):
            folder.mkdir(parents=True, exist_ok=True)
        try:
            lock_path.parent.mkdir(exist_ok=True)
            # preserve_lock_file: never unlinked, and no fallback to a lock that is a marker file
            lock = FileLock(lock_path, preserve_lock_file=True)
            lock.acquire()
        except OSError as error:
            if error.errno in NO_LOCKS:
                reason = f"cache directory {self.directory} cannot lock files ({error.strerror})"
                raise ArtifactCacheError(f"{reason}; set sqlite.cache_dir", **context) from error
            raise cache_error(lock_path.parent, error, context) from error
        try:
            yield
        finally:
            lock.release()

    def _clear(self, pin: PinnedURL, problem: str, context: Context, subject: str) -> None:
        """Under the lock: remove a killed download's leftovers, and a damaged cached file."""
        target = self.path_for(pin)
        folder = target.parent
        with cache_errors(folder, context):
            # this pin's temporary files: no process writes them, since this one holds the lock
            removed = list(folder.glob(f".{pin.sha256}.*.part"))
            for each in removed:
                each.unlink(missing_ok=True)
            if removed:
                logger.info(
                    "%s: removed %s left by an interrupted download",
                    subject,
                    plural(len(removed), "file"),
                )
            if problem == ABSENT:
                return
            logger.warning(
                "%s: the cached file %s is damaged (%s); downloading it again",
                subject,
                target,
                problem,
            )
            if target.is_dir() and not target.is_symlink():
                reason = f"{target} is a directory, not a cached file: remove it"
                raise ArtifactCacheError(reason, **context)
            target.unlink(missing_ok=True)

    def _download(
        self, pin: PinnedURL, target: Path, context: Context, subject: str, progress: Progress
    ) -> None:
        """Download with bounded retries and exponential backoff; the last failure is raised."""
        for attempt in range(1, self.attempts + 1):
            try:
                self._download_once(pin, target, context, subject, progress)
                return
            except FailedAttempt as failed:
                error = failed.error
                if not failed.retry:
                    raise error from failed.__cause__
                if attempt == self.attempts:
                    reason = f"{error.reason} (after {plural(attempt, 'attempt')})"
                    raise type(error)(reason, **context) from failed.__cause__
                delay = BACKOFF_SECONDS * 2 ** (attempt - 1)
                logger.warning(
                    "%s; retrying in %.1f s (attempt %d of %d)",
                    error,
                    delay,
                    attempt + 1,
                    self.attempts,
                )
                time.sleep(delay)

    def _download_once(
        self, pin: PinnedURL, target: Path, context: Context, subject: str, progress: Progress
    ) -> None:
        """
        Stream the file to a temporary name beside `target`, check it, rename it into place;
        whatever goes wrong, the temporary file is removed.

        """
        started = time.monotonic()
        with cache_errors(target.parent, context):
            descriptor, name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{pin.sha256}.", suffix=".part"
            )
        partial = Path(name)
        try:
            logger.info("%s: downloading %s into %s", subject, pin, target)
            with open(descriptor, "wb") as temporary:
                download(
                    pin,
                    temporary,
                    directory=target.parent,
                    timeout_seconds=self.timeout_seconds,
                    progress=progress,
                    context=context,
                )
                with cache_errors(target.parent, context):
                    temporary.flush()
                    os.fsync(temporary.fileno())
            received = partial.stat().st_size
            actual = file_sha256(partial)
            if actual != pin.sha256:
                raise HashMismatchError(pin.sha256, actual, **context)
            with cache_errors(target.parent, context):
                # the file is the pin's forever: nothing may write to it
                os.chmod(partial, 0o444)
                os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            progress.end()
        logger.info(
            "%s: downloaded %s in %.1f s, cached at %s",
            subject,
            size(received),
            time.monotonic() - started,
            target,
        )
