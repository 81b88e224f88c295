"""
Fixtures for the runtime tests: artifacts built on disk by a writable graph, read by fresh graphs.

"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures import library
from fixtures.runtime import Base, sample_rows
from fixtures.searchable import Declared, declare
from fixtures.tools import SOURCES
from microcosm.api import create_object_graph, load_from_dict

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.building import build_artifact

GraphMaker = Callable[..., Any]
Builder = Callable[..., Path]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """
    Every test that reads through a graph runs twice: on the fast read path, and with it
    turned off (`sqlite.fast_path=false`), through the ORM's public API alone. Tests about
    the fast path itself ask for the `fast_read_path` fixture and run once.

    """
    if "read_path" in metafunc.fixturenames:
        fast_only = "fast_read_path" in metafunc.fixturenames
        metafunc.parametrize("read_path", ["fast"] if fast_only else ["fast", "orm"])


@pytest.fixture
def read_path() -> str:
    """How graphs read: "fast" or "orm" (parametrized by `pytest_generate_tests`)."""
    return "fast"


@pytest.fixture
def fast_read_path() -> None:
    """Marks a test about the fast path itself: its graphs read through it only."""


@pytest.fixture
def make_graph(read_path: str) -> Iterator[GraphMaker]:
    """Makes independent graphs from `sqlite` config, and closes their connections afterwards."""
    graphs: list[Any] = []

    def make(paths: dict[str, Any] | None = None, **sqlite: Any) -> Any:
        if paths is not None:
            sqlite["paths"] = paths
        sqlite.setdefault("fast_path", read_path == "fast")
        graph = create_object_graph(
            "runtime-test", testing=True, loader=load_from_dict(sqlite=sqlite)
        )
        graphs.append(graph)
        return graph

    yield make
    for graph in graphs:
        dispose_sqlite_connections(graph)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A folder whose name needs escaping in a URI, so every artifact path exercises it."""
    folder = tmp_path / "data dir #1 ?x=%20"
    folder.mkdir()
    return folder


@pytest.fixture
def build(make_graph: GraphMaker) -> Builder:
    """Builds an artifact of the `runtime` data set at a path, through a writable graph."""

    def build_artifact(
        path: Path, rows: list[Any] | None = None, base: Any = Base, name: str = "runtime"
    ) -> Path:
        graph = make_graph({name: str(path)}, read_only=False)
        base.create_all(graph)
        with base.new_context(graph) as session:
            session.add_all(sample_rows() if rows is None else rows)
        base.dispose(graph)
        return path

    return build_artifact


@pytest.fixture
def artifact(build: Builder, data_dir: Path) -> Path:
    """The sample `runtime` artifact."""
    return build(data_dir / "runtime.sqlite")


@pytest.fixture
def graph(make_graph: GraphMaker, artifact: Path) -> Any:
    """A fresh read-only graph over the sample artifact."""
    return make_graph({"runtime": str(artifact)})


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """The library data set built from its fixture sources."""
    output = tmp_path / "library.sqlite"
    build_artifact(library.Base, SOURCES, output)
    return output


@pytest.fixture
def corrupt(built: Path) -> Path:
    """A copy of `built` with a sound header and schema page, and garbage on every other page."""
    data = bytearray(built.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size:] = bytes((index * 37 + 11) % 256 for index in range(len(data) - page_size))
    path = built.with_name("corrupt.sqlite")
    path.write_bytes(data)
    return path


@pytest.fixture
def declared() -> Declared:
    """Fresh models of the `places` data set, which declare data checks and full-text search."""
    return declare()


@pytest.fixture
def places_artifact(declared: Declared, tmp_path: Path) -> Path:
    """The `places` artifact, built from its sample rows with its full-text index."""
    return declared.build(tmp_path / "places.sqlite")
