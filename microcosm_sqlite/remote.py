"""
Data sets at URLs pinned by content hash, `https://host/x.sqlite#sha256=<hex>`, downloaded once
per machine into a content-addressed cache.

A pin means the bytes can never change under a running fleet, so a cached file is trusted by its
name: opening it needs neither the network nor fsspec. Only a download imports fsspec (the
`remote` extra), which reads https, s3, gs, ... when the URL's filesystem package is installed.

"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from errno import EDQUOT, EFBIG, ENOSPC
from pathlib import Path
from typing import Any, Protocol

from microcosm_sqlite.artifact.digest import file_sha256
from microcosm_sqlite.errors import (
    ArtifactCacheError,
    DownloadError,
    DownloadTimeoutError,
    HashMismatchError,
    RemoteArtifactNotFoundError,
    RemoteSupportMissingError,
    SQLiteError,
    UnpinnedURLError,
)
from microcosm_sqlite.formatting import plural, size

logger = logging.getLogger(__name__)

# a scheme, then "://": what tells a URL from a local path
URL_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
PIN_PATTERN = re.compile(r"sha256=([0-9a-fA-F]{64})")
HTTP = ("http", "https")
CACHE_NAME = "microcosm-sqlite"
CHUNK_BYTES = 1 << 20
# seconds between progress log lines while a download runs
PROGRESS_LOG_SECONDS = 10.0
# the wait before the first retry; each further retry waits twice as long
BACKOFF_SECONDS = 0.5
# errno values that mean the cache's disk (or the process's share of it) is full
DISK_FULL = {ENOSPC, EDQUOT, EFBIG}


def is_remote(path: str) -> bool:
    """Whether a configured path is a URL (to fetch into the cache) rather than a local file."""
    return URL_PATTERN.match(path) is not None


def default_cache_dir() -> Path:
    """The platform's per-user cache directory for our downloads."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / CACHE_NAME
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / CACHE_NAME


@dataclass(frozen=True)
class PinnedURL:
    """A remote artifact's URL and the sha256 its bytes must have."""

    url: str
    sha256: str

    @classmethod
    def parse(cls, text: str, *, dataset: str, origin: str | None = None) -> PinnedURL:
        """`URL#sha256=<hex>`; a URL with no pin is refused, since its content could change."""
        # the last "#": fsspec reads local paths in file:// URLs as they are, "#" included
        url, _, fragment = text.rpartition("#")
        match = PIN_PATTERN.fullmatch(fragment)
        if not url or match is None:
            raise UnpinnedURLError(
                "a remote URL must be pinned by its content hash, as URL#sha256=<64 hex digits>"
                " (`microcosm-sqlite build` and `inspect` print an artifact's sha256)",
                dataset=dataset,
                path=text,
                origin=origin,
            )
        return cls(url, match.group(1).lower())

    @property
    def scheme(self) -> str:
        """The URL's scheme in lower case (https, s3...), which picks the filesystem."""
        return self.url.partition("://")[0].lower()

    def __str__(self) -> str:
        return f"{self.url}#sha256={self.sha256}"


class Progress(Protocol):
    """What a download reports as it goes (the CLI's progress bar is one)."""

    def begin(self, total_bytes: int) -> None:
        """The download starts; `total_bytes` is 0 when the server does not say."""

    def advance(self, bytes_read: int) -> None:
        """Bytes received since the last call."""

    def end(self) -> None:
        """The download ended, whole or not."""


class LoggedProgress:
    """A log line every PROGRESS_LOG_SECONDS, so a long download shows it is moving."""

    def __init__(self, dataset: str) -> None:
        self.dataset = dataset
        self.total = 0
        self.done = 0
        self.logged_at = time.monotonic()

    def begin(self, total_bytes: int) -> None:
        """The download starts; `total_bytes` is 0 when the server does not say."""
        self.total = total_bytes
        self.logged_at = time.monotonic()

    def advance(self, bytes_read: int) -> None:
        """Count the bytes, logging at most every PROGRESS_LOG_SECONDS."""
        self.done += bytes_read
        if time.monotonic() - self.logged_at < PROGRESS_LOG_SECONDS:
            return
        self.logged_at = time.monotonic()
        share = f" of {size(self.total)} ({self.done * 100 // self.total}%)" if self.total else ""
        logger.info("data set %r: downloaded %s%s", self.dataset, size(self.done), share)

    def end(self) -> None:
        """Nothing to close: the last log line stands."""


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

    def fetch(
        self,
        pin: PinnedURL,
        *,
        dataset: str,
        origin: str | None = None,
        progress: Progress | None = None,
    ) -> Path:
        """
        The cached file for a pin, downloaded first if no process has yet. Concurrent
        processes take a file lock: one downloads, the others wait and find it there.

        """
        target = self.path_for(pin)
        if target.is_file():
            return target
        context = dict(dataset=dataset, path=str(pin), origin=origin)
        with self._locked(target, context):
            if target.is_file():
                logger.info("data set %r: %s was downloaded by another process", dataset, pin)
                return target
            self._download(pin, target, context, progress or LoggedProgress(dataset))
        return target

    @contextmanager
    def _locked(self, target: Path, context: dict[str, Any]) -> Iterator[None]:
        import fcntl

        lock_path = target.with_suffix(".lock")
        with cache_errors(target.parent, context):
            target.parent.mkdir(parents=True, exist_ok=True)
            lock = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            # released when the descriptor closes, or when the process dies
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
        finally:
            # Leave nothing behind. A process still waiting on this lock finds the file in
            # place when it gets it, or, after a failure, downloads again itself.
            lock_path.unlink(missing_ok=True)
            os.close(lock)

    def _download(
        self, pin: PinnedURL, target: Path, context: dict[str, Any], progress: Progress
    ) -> None:
        """Download with bounded retries and exponential backoff; the last failure is raised."""
        filesystem, path = self._filesystem(pin, context)
        for attempt in range(1, self.attempts + 1):
            try:
                self._download_once(filesystem, path, target, context, pin, progress)
                return
            except DownloadError as error:
                if attempt == self.attempts:
                    reason = f"{error.reason} (after {plural(attempt, 'attempt')})"
                    raise type(error)(reason, **context) from error
                delay = BACKOFF_SECONDS * 2 ** (attempt - 1)
                logger.warning(
                    "%s; retrying in %.1f s (attempt %d of %d)",
                    error,
                    delay,
                    attempt + 1,
                    self.attempts,
                )
                time.sleep(delay)

    def _filesystem(self, pin: PinnedURL, context: dict[str, Any]) -> tuple[Any, str]:
        """The fsspec filesystem for the URL, with our timeout on HTTP."""
        try:
            from fsspec.core import url_to_fs
        except ImportError as error:
            raise RemoteSupportMissingError(
                "fetching a URL needs fsspec: pip install 'microcosm-sqlite[remote]'", **context
            ) from error
        options: dict[str, Any] = {}
        if pin.scheme in HTTP:
            try:
                from aiohttp import ClientTimeout
            except ImportError as error:
                raise RemoteSupportMissingError(
                    "fetching an http(s) URL needs aiohttp: pip install 'microcosm-sqlite[remote]'",
                    **context,
                ) from error
            timeout = ClientTimeout(
                sock_connect=self.timeout_seconds, sock_read=self.timeout_seconds
            )
            options["client_kwargs"] = dict(timeout=timeout)
        try:
            filesystem, path = url_to_fs(pin.url, **options)
        except (ImportError, ValueError) as error:
            raise RemoteSupportMissingError(
                f"fsspec cannot read {pin.scheme}:// URLs here: {error}", **context
            ) from error
        return filesystem, path

    def _download_once(
        self,
        filesystem: Any,
        path: str,
        target: Path,
        context: dict[str, Any],
        pin: PinnedURL,
        progress: Progress,
    ) -> None:
        """
        Stream the file to a temporary name beside `target`, check it, rename it into place;
        whatever goes wrong, the temporary file is removed.

        """
        started = time.monotonic()
        with cache_errors(target.parent, context):
            descriptor, partial = tempfile.mkstemp(
                dir=target.parent, prefix=f".{pin.sha256}.", suffix=".part"
            )
        try:
            logger.info("data set %r: downloading %s into %s", context["dataset"], pin, target)
            callback = reporting(progress)
            with open(descriptor, "wb") as temporary:
                with remote_errors(self.timeout_seconds, target.parent, context):
                    filesystem.get_file(path, temporary, callback=callback)
                with cache_errors(target.parent, context):
                    temporary.flush()
                    os.fsync(temporary.fileno())
            received = os.path.getsize(partial)
            if callback.size is not None and received != callback.size:
                raise DownloadError(
                    f"the connection closed after {size(received)} of {size(callback.size)}",
                    **context,
                )
            actual = file_sha256(partial)
            if actual != pin.sha256:
                raise HashMismatchError(pin.sha256, actual, **context)
            with cache_errors(target.parent, context):
                # the file is the pin's forever: nothing may write to it
                os.chmod(partial, 0o444)
                os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        finally:
            progress.end()
        logger.info(
            "data set %r: downloaded %s in %.1f s, cached at %s",
            context["dataset"],
            size(received),
            time.monotonic() - started,
            target,
        )


def reporting(progress: Progress) -> Any:
    """An fsspec callback that passes the download's size and each chunk on to `progress`."""
    from fsspec.callbacks import Callback

    class Reporting(Callback):  # type: ignore[misc]
        def set_size(self, total: int | None) -> None:
            super().set_size(total)
            progress.begin(total or 0)

        def relative_update(self, inc: int = 1) -> None:
            super().relative_update(inc)
            progress.advance(inc)

    return Reporting()


@contextmanager
def remote_errors(
    timeout_seconds: float, directory: Path, context: dict[str, Any]
) -> Iterator[None]:
    """The remote side's failures, from whichever fsspec filesystem, as our errors."""
    try:
        yield
    except SQLiteError:
        raise
    except FileNotFoundError as error:
        raise RemoteArtifactNotFoundError(
            f"nothing at the URL (404 or no such object): {error}", **context
        ) from error
    except TimeoutError as error:
        raise DownloadTimeoutError(
            f"the server sent nothing for {timeout_seconds:g} s", **context
        ) from error
    except Exception as error:
        if isinstance(error, OSError) and error.errno in DISK_FULL:
            # fsspec writes the chunks into our temporary file: the cache's disk is full
            raise cache_error(directory, error, context) from error
        reason = str(error) or type(error).__name__
        raise DownloadError(f"download failed: {reason}", **context) from error


@contextmanager
def cache_errors(directory: Path, context: dict[str, Any]) -> Iterator[None]:
    """The cache directory's failures (not writable, disk full) as our errors."""
    try:
        yield
    except OSError as error:
        raise cache_error(directory, error, context) from error


def cache_error(directory: Path, error: OSError, context: dict[str, Any]) -> ArtifactCacheError:
    """The error for a cache directory that refused a write: full, or not writable."""
    if error.errno in DISK_FULL:
        reason = f"no space left for the download in cache directory {directory}"
    else:
        reason = f"cache directory {directory} is not writable ({error.strerror or error})"
    return ArtifactCacheError(f"{reason}; set sqlite.cache_dir to another directory", **context)
