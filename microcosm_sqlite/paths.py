"""
Data set name -> path, and where that path came from: config, then entry points, then the default.
A path that is a URL pinned by its sha256 resolves to its download in the machine's cache.

"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from importlib.resources import as_file
from importlib.resources.abc import Traversable
from typing import Any

from microcosm_sqlite.errors import DataSetNotConfiguredError
from microcosm_sqlite.remote import ArtifactCache, PinnedURL, Progress, is_remote

ENTRY_POINT_GROUP = "microcosm.sqlite"
MEMORY = ":memory:"
CONFIG_ORIGIN = "config sqlite.paths"


@dataclass(frozen=True)
class ResolvedPath:
    """
    A data set's path and a human-readable account of where it came from.

    `shipped` marks a path an installed package provides (an entry point) or a download in
    the cache: such a file is opened read-only even when `sqlite.read_only` is false, so a
    test suite that writes its own data sets can never change a package's artifact. `url` is
    the pinned URL a cached file came from.

    """

    dataset: str
    path: str
    origin: str
    shipped: bool = False
    url: str | None = None

    def context(self) -> dict[str, str]:
        """Keyword context for errors about this data set: its name, path and origin."""
        return {"dataset": self.dataset, "path": self.path, "origin": self.origin}

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
        cache: ArtifactCache,
        find: Callable[[str], EntryPoint | None] = find_entry_point,
    ) -> None:
        self.graph = graph
        # a plain dict, so that data sets named "items" or "get" cannot shadow its methods
        self.configured = dict(
            dict.items(configured) if isinstance(configured, dict) else configured.items()
        )
        self.read_only = read_only
        self.default_path = default_path
        self.cache = cache
        self.find = find
        self.extracted = ExitStack()

    def resolve(self, name: str) -> ResolvedPath:
        """The name's local file: a pinned URL is downloaded first, unless already cached."""
        located = self.locate(name)
        return self.fetch(located) if is_remote(located.path) else located

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

    def fetch(self, located: ResolvedPath, progress: Progress | None = None) -> ResolvedPath:
        """A located URL's cached file, its origin naming the URL, where it came from, the file."""
        source = located.origin
        if source == CONFIG_ORIGIN:
            source = f"{CONFIG_ORIGIN}.{located.dataset}"
        pin = PinnedURL.parse(located.path, dataset=located.dataset, origin=source)
        cached = self.cache.fetch(pin, dataset=located.dataset, origin=source, progress=progress)
        origin = f"url {pin} (from {source}), cached at {cached}"
        return ResolvedPath(located.dataset, str(cached), origin, shipped=True, url=str(pin))

    def close(self) -> None:
        """Delete the files extracted from zipped packages; their engines must be gone."""
        self.extracted.close()
