"""
One download attempt through fsspec: the pinned URL's bytes streamed into an open file, and
each way that can fail told as one of our errors, marked as worth another attempt or not.

HTTP gets more care than fsspec gives it, through aiohttp's request tracing: the answer's
`Content-Encoding` (aiohttp decodes gzip and deflate, and then `Content-Length` counts the
encoded bytes, not the file's), its status (a 4xx other than 408 and 429 will not change on a
retry), and redirect loops.

"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from errno import EDQUOT, EFBIG, ENOSPC
from pathlib import Path
from typing import Any, BinaryIO

from microcosm_sqlite._urls import RedactingFilter, redact_text
from microcosm_sqlite.errors import (
    ArtifactCacheError,
    DownloadError,
    DownloadTimeoutError,
    RemoteArtifactError,
    RemoteArtifactNotFoundError,
    RemoteSupportMissingError,
)
from microcosm_sqlite.formatting import size
from microcosm_sqlite.remote._pins import PinnedURL
from microcosm_sqlite.remote._progress import Progress

__all__ = [
    "DISK_FULL",
    "INSTALL_REMOTE",
    "Context",
    "FailedAttempt",
    "cache_error",
    "cache_errors",
    "download",
]

HTTP = ("http", "https")
# the encodings asked for: aiohttp decodes both, in every version we support
ACCEPTED_ENCODINGS = ("gzip", "deflate")
# 4xx statuses that say "try again later" rather than "never"
RETRIED_STATUSES = {408, 429}
# statuses that say nothing is there
GONE_STATUSES = {404, 410}
# errno values that mean the cache's disk (or the process's share of it) is full
DISK_FULL = {ENOSPC, EDQUOT, EFBIG}
INSTALL_REMOTE = "pip install 'microcosm-sqlite[remote]'"
# an error's context: the data set, the (redacted) pinned URL and where it came from
Context = dict[str, Any]


class FailedAttempt(Exception):
    """An attempt's failure: the error to raise, and whether another attempt could succeed."""

    def __init__(self, error: RemoteArtifactError, *, retry: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry = retry


@dataclass
class Answer:
    """What the HTTP server answered, seen through aiohttp's tracing (fsspec keeps it)."""

    encoding: str = ""

    async def on_request_end(self, session: Any, context: Any, params: Any) -> None:
        """The final answer's headers (after redirects), before its body is read."""
        self.encoding = params.response.headers.get("Content-Encoding", "").strip().lower()

    @property
    def encoded(self) -> bool:
        """Whether aiohttp decodes the body, so that `Content-Length` is not the file's size."""
        return self.encoding not in ("", "identity")


def download(
    pin: PinnedURL,
    stream: BinaryIO,
    *,
    directory: Path,
    timeout_seconds: float,
    progress: Progress,
    context: Context,
) -> None:
    """Write the pin's bytes into `stream` (a file in `directory`); failures: `FailedAttempt`."""
    answer = Answer()
    with remote_errors(pin, timeout_seconds, directory, answer, context):
        filesystem, path = open_filesystem(pin, timeout_seconds, answer, context)
        callback = reporting(progress, answer)
        filesystem.get_file(path, stream, callback=callback)
    refuse_encoding(answer, context)
    received = stream.tell()
    if callback.size and not answer.encoded and received != callback.size:
        reason = f"the connection closed after {size(received)} of {size(callback.size)}"
        raise FailedAttempt(DownloadError(reason, **context), retry=True)


def open_filesystem(
    pin: PinnedURL, timeout_seconds: float, answer: Answer, context: Context
) -> tuple[Any, str]:
    """The fsspec filesystem for the URL; over HTTP, with our timeout and tracing."""
    try:
        from fsspec.core import url_to_fs
    except ImportError as error:
        reason = f"fetching a URL needs fsspec: {INSTALL_REMOTE}"
        raise FailedAttempt(RemoteSupportMissingError(reason, **context), retry=False) from error
    options: dict[str, Any] = {}
    if pin.scheme in HTTP:
        try:
            import aiohttp
        except ImportError as error:
            reason = f"fetching an http(s) URL needs aiohttp: {INSTALL_REMOTE}"
            missing = RemoteSupportMissingError(reason, **context)
            raise FailedAttempt(missing, retry=False) from error
        tracing = aiohttp.TraceConfig()
        tracing.on_request_end.append(answer.on_request_end)
        timeout = aiohttp.ClientTimeout(sock_connect=timeout_seconds, sock_read=timeout_seconds)
        options["client_kwargs"] = dict(timeout=timeout, trace_configs=[tracing])
        options["headers"] = {"Accept-Encoding": ", ".join(ACCEPTED_ENCODINGS)}
        # the tracing belongs to this attempt: no filesystem shared through fsspec's cache
        options["skip_instance_cache"] = True
        quiet_urls("fsspec.http")
    try:
        filesystem, path = url_to_fs(pin.url, **options)
    except (ImportError, ValueError) as error:
        unknown = redact_text(str(error), pin.secrets)
        reason = f"fsspec cannot read {pin.scheme}:// URLs here: {unknown}"
        missing = RemoteSupportMissingError(reason, **context)
        raise FailedAttempt(missing, retry=False) from error
    return filesystem, path


def quiet_urls(name: str) -> None:
    """Redact the URLs another library's logger writes (fsspec logs each at debug level)."""
    library_logger = logging.getLogger(name)
    if not any(isinstance(each, RedactingFilter) for each in library_logger.filters):
        library_logger.addFilter(RedactingFilter())


def reporting(progress: Progress, answer: Answer) -> Any:
    """An fsspec callback that passes the download's size and each chunk on to `progress`."""
    from fsspec.callbacks import Callback

    class Reporting(Callback):  # type: ignore[misc]
        def set_size(self, total: int | None) -> None:
            super().set_size(total)
            # an encoded body's Content-Length is not the file's size: report none
            progress.begin(0 if answer.encoded else total or 0)

        def relative_update(self, inc: int = 1) -> None:
            super().relative_update(inc)
            progress.advance(inc)

    return Reporting()


def refuse_encoding(answer: Answer, context: Context) -> None:
    """An encoding not asked for, which aiohttp leaves as it came: its bytes are not the file."""
    if answer.encoded and answer.encoding not in ACCEPTED_ENCODINGS:
        reason = (
            f"the server sent the file with Content-Encoding {answer.encoding!r}, which was not"
            f" asked for ({', '.join(ACCEPTED_ENCODINGS)} or none) and is not decoded here"
        )
        raise FailedAttempt(DownloadError(reason, **context), retry=False)


@contextmanager
def remote_errors(
    pin: PinnedURL, timeout_seconds: float, directory: Path, answer: Answer, context: Context
) -> Iterator[None]:
    """The remote side's failures, from whichever fsspec filesystem, as our errors."""
    try:
        yield
    except FailedAttempt:
        raise
    except Exception as error:
        # aiohttp fails on a body it cannot decode: the encoding is the one-line reason
        refuse_encoding(answer, context)
        raise failure(error, pin, timeout_seconds, directory, context) from error


def failure(
    error: Exception, pin: PinnedURL, timeout_seconds: float, directory: Path, context: Context
) -> FailedAttempt:
    """What one exception of fsspec, aiohttp or a filesystem package means for the download."""
    reason = redact_text(str(error), pin.secrets) or type(error).__name__
    # aiohttp's errors: aiohttp is loaded only when the URL is http(s)
    aiohttp = sys.modules.get("aiohttp")
    if aiohttp is not None and isinstance(error, aiohttp.TooManyRedirects):
        count = len(error.history)
        looped = f"the server redirected {count} times without an end (a redirect loop?)"
        return FailedAttempt(DownloadError(looped, **context), retry=False)
    if aiohttp is not None and isinstance(error, aiohttp.ClientResponseError):
        message = redact_text(error.message or "", pin.secrets)
        return response_failure(error.status, message, error.__cause__, context)
    if isinstance(error, FileNotFoundError):
        # fsspec's HTTP filesystem says 404 so; the others name the path they did not find
        missing = "HTTP 404" if pin.scheme in HTTP else f"no such object: {reason}"
        return FailedAttempt(not_found(missing, context), retry=False)
    if isinstance(error, PermissionError):
        denied = f"access denied (not retried): {reason}"
        return FailedAttempt(DownloadError(denied, **context), retry=False)
    if isinstance(error, TimeoutError):
        silent = f"the server sent nothing for {timeout_seconds:g} s"
        return FailedAttempt(DownloadTimeoutError(silent, **context), retry=True)
    if isinstance(error, OSError) and error.errno in DISK_FULL:
        # fsspec writes the chunks into our temporary file: the cache's disk is full
        return FailedAttempt(cache_error(directory, error, context), retry=False)
    return FailedAttempt(DownloadError(f"download failed: {reason}", **context), retry=True)


def response_failure(
    status: int, message: str, cause: BaseException | None, context: Context
) -> FailedAttempt:
    """
    An HTTP answer that failed: one aiohttp could not read (it says 400, though the server
    did not), gone, worth a retry (5xx, 408, 429), or refused for good (the other 4xx).

    """
    from aiohttp.http_exceptions import HttpProcessingError

    if isinstance(cause, HttpProcessingError):
        # aiohttp re-raises its parser's errors as the base class: the message tells them apart
        if "content-encoding" in message.lower():
            undecoded = f"the server sent the file in an encoding not decoded here: {message}"
            return FailedAttempt(DownloadError(undecoded, **context), retry=False)
        unreadable = f"the server's answer is not valid HTTP: {message}"
        return FailedAttempt(DownloadError(unreadable, **context), retry=True)
    answered = f"HTTP {status}{' ' + message if message else ''}"
    if status in GONE_STATUSES:
        return FailedAttempt(not_found(answered, context), retry=False)
    if status >= 500 or status in RETRIED_STATUSES:
        answer = f"the server answered {answered}"
        return FailedAttempt(DownloadError(answer, **context), retry=True)
    refused = f"the server refused the download: {answered} (not retried)"
    return FailedAttempt(DownloadError(refused, **context), retry=False)


def not_found(reason: str, context: Context) -> RemoteArtifactNotFoundError:
    """Nothing at the URL: the URL is wrong, not the network."""
    found = f"nothing at the URL ({reason})"
    return RemoteArtifactNotFoundError(found, **context)


@contextmanager
def cache_errors(directory: Path, context: Context) -> Iterator[None]:
    """The cache directory's failures (not writable, disk full) as our errors."""
    try:
        yield
    except OSError as error:
        raise cache_error(directory, error, context) from error


def cache_error(directory: Path, error: OSError, context: Context) -> ArtifactCacheError:
    """The error for a cache directory that refused a write: full, or not writable."""
    if error.errno in DISK_FULL:
        reason = f"no space left for the download in cache directory {directory}"
    else:
        reason = f"cache directory {directory} is not writable ({error.strerror or error})"
    return ArtifactCacheError(f"{reason}; set sqlite.cache_dir to another directory", **context)
