"""
Data set name -> path, and where that path came from: config, then entry points, then the default.
A path that is a URL pinned by its sha256 resolves to its download in the machine's cache.

The download machinery (microcosm_sqlite.remote, and through it fsspec) is imported only when a
path is a URL: a service that reads local files never loads it. A URL is shown redacted in every
origin, message and `repr` built here (microcosm_sqlite._urls).

"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from importlib.metadata import EntryPoint, entry_points
from importlib.resources import as_file
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple

from microcosm_sqlite._urls import LOCAL_SCHEMES, is_url, redact_text, redact_url
from microcosm_sqlite.errors import DataSetNotConfiguredError

if TYPE_CHECKING:
    from microcosm_sqlite._download_progress import Progress
    from microcosm_sqlite.remote import ArtifactCache

__all__ = [
    "CONFIG_ORIGIN",
    "ENTRY_POINT_GROUP",
    "MEMORY",
    "DownloadSettings",
    "PathResolver",
    "ResolvedPath",
    "dataset_name_for_url",
    "find_entry_point",
    "is_remote",
    "url_file_name",
]

ENTRY_POINT_GROUP = "microcosm.sqlite"
MEMORY = ":memory:"
CONFIG_ORIGIN = "config sqlite.paths"


def is_remote(path: str) -> bool:
    """Whether a configured path is a URL (to fetch into the cache) rather than a local file."""
    return is_url(path)


class DownloadSettings(NamedTuple):
    """
    Where pinned URLs are cached and how hard a download tries (`sqlite.cache_dir`,
    `download_timeout_seconds`, `download_attempts`): plain values, so that a graph that reads
    local files builds no cache and imports none of the download machinery.

    """

    # empty: the platform's per-user cache directory
    cache_dir: str = ""
    timeout_seconds: float = 30.0
    attempts: int = 4

    def cache(self) -> ArtifactCache:
        """The cache these settings describe (this imports the download machinery)."""
        from microcosm_sqlite.remote import ArtifactCache, default_cache_dir

        directory = Path(self.cache_dir).expanduser() if self.cache_dir else default_cache_dir()
        return ArtifactCache(directory, self.timeout_seconds, self.attempts)


# a graph's settings when its config says nothing of downloads
DEFAULT_DOWNLOADS = DownloadSettings()


def url_file_name(url: str) -> str:
    """
    The name of the file a URL points at, for messages about a URL given without a data set
    (`fetch URL`): `https://host/x.sqlite?sig=...#sha256=...` is `x.sqlite`; never a part of
    the query.

    """
    scheme, _, address = (url.rpartition("#")[0] or url).partition("://")
    if scheme.lower() not in LOCAL_SCHEMES:
        # a local path may hold "?" and "#"; in any other URL they end the path
        address = address.partition("#")[0].partition("?")[0]
    return PurePosixPath(address.partition("/")[2]).name or "url"


def dataset_name_for_url(url: str) -> str:
    """The name errors give a URL fetched without a data set's: its file's stem (`x`)."""
    return PurePosixPath(url_file_name(url)).stem or "url"


class ResolvedPath(NamedTuple):
    """
    A data set's path and a human-readable account of where it came from.

    `shipped` marks a path an installed package provides (an entry point) or a download in
    the cache: such a file is opened read-only even when `sqlite.read_only` is false, so a
    test suite that writes its own data sets can never change a package's artifact. `url` is
    the pinned URL a cached file came from, redacted (no user info, no query values): the
    URL with its credentials stays in config, and is used only to download.

    """

    dataset: str
    path: str
    origin: str
    shipped: bool = False
    url: str | None = None

    def context(self) -> dict[str, str]:
        """Keyword context for errors about this data set: its name, path and origin."""
        return {"dataset": self.dataset, "path": self.shown_path, "origin": self.origin}

    @property
    def shown_path(self) -> str:
        """The path as messages show it: a URL redacted."""
        return redact_url(self.path) if is_url(self.path) else self.path

    def __repr__(self) -> str:
        shown = (
            f"{name}={redact_text(value) if isinstance(value, str) else value!r}"
            for name, value in zip(ResolvedPath.__annotations__, self, strict=True)
        )
        return f"ResolvedPath({', '.join(shown)})"

    @property
    def in_memory(self) -> bool:
        """Whether the path is SQLite's in-memory database (writable mode only)."""
        return self.path == MEMORY


def find_entry_point(name: str) -> EntryPoint | None:
    """
    The `microcosm.sqlite` entry point registered for a data set, if any.

    Two distributions registering one name would otherwise leave the choice to `sys.path`
    order, so that is an error naming both, which `sqlite.paths.<name>` settles.

    """
    found = [each for each in entry_points(group=ENTRY_POINT_GROUP) if each.name == name]
    if len(found) > 1:
        registered = ", ".join(
            f"{each.dist.name if each.dist else 'an unknown distribution'} ({each.value})"
            for each in found
        )
        raise DataSetNotConfiguredError(
            f"installed distributions each register a {ENTRY_POINT_GROUP!r} entry point for it:"
            f" {registered}; set sqlite.paths.{name} to choose the file",
            dataset=name,
        )
    return found[0] if found else None


class PathResolver:
    """
    Resolves names for one graph.

    Packaged resources may need extracting to a real file (zipped installs); the extracted
    file lives as long as the resolver, which lives as long as the graph's `sqlite` component.

    """

    def __init__(
        self,
        graph: Any,
        configured: Mapping[str, Any],
        read_only: bool,
        default_path: str,
        downloads: DownloadSettings = DEFAULT_DOWNLOADS,
        find: Callable[[str], EntryPoint | None] = find_entry_point,
    ) -> None:
        self.graph = graph
        # a plain dict, so that data sets named "items" or "get" cannot shadow its methods
        self.configured = dict(
            dict.items(configured) if isinstance(configured, dict) else configured.items()
        )
        self.read_only = read_only
        self.default_path = default_path
        self.downloads = downloads
        self.find = find
        self.extracted = ExitStack()
        self._cache: ArtifactCache | None = None

    @property
    def cache(self) -> ArtifactCache:
        """The machine's cache of downloads, made (and the download machinery imported) on use."""
        if self._cache is None:
            self._cache = self.downloads.cache()
        return self._cache

    def resolve(self, name: str) -> ResolvedPath:
        """The name's local file: a pinned URL is downloaded first, unless already cached."""
        return self.fetch(self.locate(name))

    def locate(self, name: str) -> ResolvedPath:
        """The name's path or URL as configured or registered, not fetched."""
        if name in self.configured:
            return ResolvedPath(name, os.fspath(self.configured[name]), CONFIG_ORIGIN)

        entry_point = self.find(name)
        if entry_point is not None:
            origin = f"entry point {ENTRY_POINT_GROUP}:{name} = {entry_point.value}"
            located = entry_point.load()(self.graph)
            if isinstance(located, Traversable) and not isinstance(located, os.PathLike):
                located = self.extracted.enter_context(as_file(located))
            return ResolvedPath(name, os.fspath(located), origin, shipped=True)

        if not self.read_only:
            return ResolvedPath(name, self.default_path, "default sqlite.path")

        raise DataSetNotConfiguredError(
            "no path configured: set sqlite.paths."
            f"{name} or register a {ENTRY_POINT_GROUP!r} entry point (3.x no longer falls back"
            " to :memory: as 2.x did; see UPGRADING.md#config)",
            dataset=name,
        )

    def fetch(
        self,
        located: ResolvedPath,
        progress: Progress | None = None,
        *,
        verify: bool = False,
        subject: str | None = None,
    ) -> ResolvedPath:
        """
        A located URL's cached file, its origin naming the (redacted) URL, where it came from,
        and the file; with `verify`, a file already cached is re-hashed first, and downloaded
        again if damaged. A local path is returned as it is. The download's log lines name the
        data set, or `subject`.

        """
        if not is_url(located.path):
            return located
        from microcosm_sqlite.remote import PinnedURL

        source = located.origin
        if source == CONFIG_ORIGIN:
            source = f"{CONFIG_ORIGIN}.{located.dataset}"
        pin = PinnedURL.parse(located.path, dataset=located.dataset, origin=source)
        cached = self.cache.fetch(
            pin,
            dataset=located.dataset,
            origin=source,
            progress=progress,
            verify=verify,
            subject=subject,
        )
        origin = f"url {pin} (from {source}), cached at {cached}"
        return ResolvedPath(located.dataset, str(cached), origin, shipped=True, url=str(pin))

    def fetch_url(
        self, url: str, origin: str, progress: Progress | None = None, *, verify: bool = False
    ) -> ResolvedPath:
        """A pinned URL given without a data set name (`fetch URL`): named as the file it is."""
        located = ResolvedPath(dataset_name_for_url(url), url, origin)
        return self.fetch(located, progress, verify=verify, subject=f"file {url_file_name(url)}")

    def close(self) -> None:
        """Delete the files extracted from zipped packages; their engines must be gone."""
        self.extracted.close()
