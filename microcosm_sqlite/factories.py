"""
The graph's `sqlite` component: data set name -> engine, and name -> path. (The other components,
`sqlite_builder`, `sqlite_dumper` and `sqlite_health`, are `microcosm_sqlite.components`'.)

"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from microcosm.api import defaults, typed
from microcosm.config.types import boolean
from microcosm_logging.decorators import logger

from microcosm_sqlite._legacy import legacy
from microcosm_sqlite.engines import DataSetEngine, EngineOptions, ReadOnlyEngine, WritableEngine
from microcosm_sqlite.errors import ConfigurationError, DataSetNotConfiguredError
from microcosm_sqlite.health import check_data_sets
from microcosm_sqlite.paths import (
    ENTRY_POINT_GROUP,
    MEMORY,
    DownloadSettings,
    PathResolver,
    ResolvedPath,
)

if TYPE_CHECKING:
    from microcosm_sqlite._download_progress import Progress


__all__ = ["SQLiteBindFactory", "configure_sqlite"]


@logger
class SQLiteBindFactory:
    """
    One graph's data sets: `factory(name)` is the data set's engine, `factory[name]` its path.

    Everything lives here, on the graph component, so two graphs in one process never share
    a file, an engine or a session.

    """

    # set by microcosm-logging's @logger
    logger: logging.Logger

    def __init__(self, graph: Any, options: EngineOptions, resolver: PathResolver) -> None:
        self.graph = graph
        self.options = options
        self.resolver = resolver
        self.engines: dict[str, DataSetEngine] = {}
        self.resolved: dict[str, ResolvedPath] = {}
        self.lock = threading.Lock()

    def __call__(self, name: str) -> DataSetEngine:
        """The data set's engine in this graph, opened on first use."""
        try:
            return self.engines[name]
        except KeyError:
            pass
        with self.lock:
            if name not in self.engines:
                self.engines[name] = self.open(self.resolve(name))
            return self.engines[name]

    def open(self, resolved: ResolvedPath) -> DataSetEngine:
        """The engine for a resolved path: read-only, unless config and origin both allow writes."""
        engine = WritableEngine if self.writable(resolved) else ReadOnlyEngine
        return engine(resolved, self.options)

    def writable(self, resolved: ResolvedPath) -> bool:
        """Whether a data set is opened for writing: by config, and never when shipped."""
        return not (self.options.read_only or resolved.shipped)

    def __getitem__(self, name: str) -> str:
        """
        The name's path, from config or an entry point; a `DataSetNotConfiguredError` (a
        KeyError) for a name with neither, even where `sqlite(name)` would open the default
        path of a writable graph.

        """
        known = name in self.resolved or name in self.configured
        if not known and self.resolver.find(name) is None:
            raise DataSetNotConfiguredError(
                f"no path configured: set sqlite.paths.{name} or register a"
                f" {ENTRY_POINT_GROUP!r} entry point",
                dataset=name,
            )
        return self.resolve(name).path

    @property
    def configured(self) -> Mapping[str, Any]:
        """The paths config names, by data set name."""
        return self.resolver.configured

    # 2.x's names, deprecated (see microcosm_sqlite.compat)
    def __setitem__(self, name: str, path: str) -> None:
        legacy("graph.sqlite[name] = path")(self, name, path)

    @property
    def paths(self) -> dict[str, str]:
        """2.x's `graph.sqlite.paths`, deprecated: configured name -> path."""
        paths: dict[str, str] = legacy("graph.sqlite.paths")(self)
        return paths

    @property
    def datasets(self) -> dict[str, DataSetEngine]:
        """2.x's `graph.sqlite.datasets`, deprecated: the opened engines by name."""
        datasets: dict[str, DataSetEngine] = legacy("graph.sqlite.datasets")(self)
        return datasets

    def resolve(self, name: str) -> ResolvedPath:
        """The path for a name and its origin, logged once per graph."""
        if name not in self.resolved:
            resolved = self.resolver.resolve(name)
            mode = "writable" if self.writable(resolved) else "read-only"
            if resolved.url is None:
                self.logger.info(
                    "data set %r resolved to %s (from %s, %s)",
                    name,
                    resolved.path,
                    resolved.origin,
                    mode,
                )
            else:
                self.logger.info("data set %r resolved to %s (%s)", name, resolved.origin, mode)
            self.resolved[name] = resolved
        return self.resolved[name]

    def fetch(
        self, name: str, progress: Progress | None = None, *, verify: bool = False
    ) -> ResolvedPath:
        """
        Download a name's pinned URL into the cache now, without opening it (`microcosm-sqlite
        fetch`, when an image is built); a name with a local path resolves as it is. With
        `verify`, a file already cached is re-hashed, and downloaded again if damaged.

        """
        return self.resolver.fetch(self.resolver.locate(name), progress, verify=verify)

    def origin(self, name: str) -> str:
        """Where a name's path came from (config, entry point, default)."""
        return self.resolve(name).origin

    def check(self, *names: str) -> dict[str, str]:
        """
        Resolve, open and compare with its models each named data set, or every one this
        process uses (its models' and config's); one `DataSetCheckError` lists every problem.
        Call it at startup so a missing or stale artifact fails the deploy, not a request.

        """
        return check_data_sets(self, names)

    def dispose(self) -> None:
        """Close every connection this graph opened; data sets reopen on next use."""
        # the engines stay: Stores that hold one keep reading, and the next dispose reaches them
        with self.lock:
            engines = list(self.engines.values())
        for engine in engines:
            engine.dispose()


@defaults(  # type: ignore[untyped-decorator, no-untyped-call]
    # data set name -> path to its .sqlite file; wins over entry points
    paths=dict(),
    # open files read-only, and refuse names with no path or paths with no file
    read_only=typed(boolean, default_value=True),
    # the path for unconfigured names in writable mode
    path=MEMORY,
    # promise SQLite the file never changes while open: no locking, no journal checks
    immutable=typed(boolean, default_value=True),
    # enforce foreign keys on every connection
    use_foreign_keys=typed(boolean, default_value=True),
    # bytes of the file to memory-map per connection (0 turns it off)
    mmap_size=typed(int, default_value=0),
    # page cache per connection, in KiB
    cache_size_kib=typed(int, default_value=8192),
    # page cache per connection, in KiB, of a read-only artifact with a full-text index, where
    # larger than cache_size_kib: ranking a match reads index pages all over the file (filled
    # only as pages are read; 0: cache_size_kib)
    fulltext_cache_size_kib=typed(int, default_value=65536),
    # instances each thread keeps per model for repeated `Store.get`s (0 turns it off)
    instance_cache_size=typed(int, default_value=4096),
    # log every SQL statement
    echo=typed(boolean, default_value=False),
    # read plain models without the ORM's query machinery (false: the ORM's public API only)
    fast_path=typed(boolean, default_value=True),
    # how often a read-only graph looks for a new file renamed over an artifact's path (0: every
    # call); the graph then moves every thread to it together
    replacement_check_seconds=typed(float, default_value=1.0),
    # where downloads of pinned URLs (URL#sha256=<hex> in paths) are kept, by hash (empty: the
    # per-user cache, $XDG_CACHE_HOME/microcosm-sqlite, ~/.cache/... or ~/Library/Caches/...)
    cache_dir="",
    # seconds a download may wait for the server to connect or send more, before a retry
    download_timeout_seconds=typed(float, default_value=30.0),
    # tries per download (unreachable host, dropped connection, timeout), with growing waits
    download_attempts=typed(int, default_value=4),
)
def configure_sqlite(graph: Any) -> SQLiteBindFactory:
    """
    The bind factory: resolves data set names to read-only engines for this graph. A value out
    of its range is a `ConfigurationError` naming its key, here rather than at first use.

    """
    config = graph.config.sqlite
    check_ranges(config)
    options = EngineOptions(
        read_only=config.read_only,
        immutable=config.immutable,
        use_foreign_keys=config.use_foreign_keys,
        mmap_size=config.mmap_size,
        cache_size_kib=config.cache_size_kib,
        fulltext_cache_size_kib=config.fulltext_cache_size_kib,
        instance_cache_size=config.instance_cache_size,
        echo=config.echo,
        fast_path=config.fast_path,
        replacement_check_seconds=config.replacement_check_seconds,
    )
    resolver = PathResolver(
        graph,
        configured=config.paths,
        read_only=options.read_only,
        default_path=config.path,
        downloads=DownloadSettings(
            cache_dir=config.cache_dir,
            timeout_seconds=config.download_timeout_seconds,
            attempts=config.download_attempts,
        ),
    )
    return SQLiteBindFactory(graph, options, resolver)


# key -> (the least value allowed, whether that value itself is allowed), for numbers
RANGES: dict[str, tuple[float, bool]] = {
    "mmap_size": (0, True),
    "cache_size_kib": (0, True),
    "fulltext_cache_size_kib": (0, True),
    "instance_cache_size": (0, True),
    "replacement_check_seconds": (0, True),
    "download_timeout_seconds": (0, False),
    "download_attempts": (1, True),
}


def check_ranges(config: Any) -> None:
    """Raise ConfigurationError, naming the key, for the first `sqlite` number out of range."""
    for key, (least, inclusive) in RANGES.items():
        value = config[key]
        whole = key not in ("replacement_check_seconds", "download_timeout_seconds")
        kinds = (int,) if whole else (int, float)
        in_range = value >= least if inclusive else value > least
        if isinstance(value, bool) or not isinstance(value, kinds) or not in_range:
            number = "a whole number" if whole else "a number"
            bound = f"{least} or more" if inclusive else f"more than {least}"
            raise ConfigurationError(f"sqlite.{key}", value, f"{number}, {bound}")
