"""
Fixtures for the pinned-URL tests: a real HTTP server on 127.0.0.1 serving the example airports
artifact, a cache directory, and graphs whose `airports` data set is at a URL.

"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.artifact_server import AIRPORTS_BYTES, ArtifactServer
from microcosm.api import create_object_graph, load_from_dict

from microcosm_sqlite import dispose_sqlite_connections

GraphMaker = Callable[..., Any]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ArtifactServer]:
    """A server of `airports.sqlite`, stopped after the test."""
    served = tmp_path / "served"
    served.mkdir()
    (served / "airports.sqlite").write_bytes(AIRPORTS_BYTES)
    running = ArtifactServer(served)
    yield running
    running.stop()


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """The `sqlite.cache_dir` of the test's graphs and processes (not created)."""
    return tmp_path / "cache"


@pytest.fixture
def graphs() -> Iterator[GraphMaker]:
    """Makes graphs whose `airports` is at a URL, and closes their connections afterwards."""
    made: list[Any] = []

    def make(url: str, cache_dir: Path | None, **sqlite: Any) -> Any:
        """A graph reading `airports` from `url`; a `cache_dir` of None leaves it unset."""
        if cache_dir is not None:
            sqlite["cache_dir"] = str(cache_dir)
        config = dict(paths=dict(airports=url), **sqlite)
        loader = load_from_dict(sqlite=config)
        graph = create_object_graph("remote-test", testing=True, loader=loader)
        made.append(graph)
        return graph

    yield make
    for graph in made:
        dispose_sqlite_connections(graph)
