"""
The page cache of a searchable artifact: read-only connections to a file with a full-text index
get `sqlite.fulltext_cache_size_kib` (64 MiB by default), so ranking a match does not load and
check the same index pages again on every query; every other data set keeps
`sqlite.cache_size_kib`, and config sets both.

"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import GraphMaker
from fixtures.runtime import Base
from fixtures.searchable import Declared, declare

DEFAULT_KIB = 8192
FULLTEXT_DEFAULT_KIB = 65536


def cache_kib(base: Any, graph: Any) -> int:
    """The page cache, in KiB, of a connection of the data set's engine in this graph."""
    with base.engine_for(graph).engine.connect() as connection:
        size: int = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    assert size < 0, "set in KiB, as a negative number"
    return -size


def cache_kib_in_thread(base: Any, graph: Any) -> int:
    """The same, read on a connection another thread opens."""
    found: list[int] = []
    thread = threading.Thread(target=lambda: found.append(cache_kib(base, graph)))
    thread.start()
    thread.join()
    return found[0]


def test_a_searchable_artifact_gets_the_larger_page_cache(
    make_graph: GraphMaker, declared: Declared, places_artifact: Path, artifact: Path
) -> None:
    """Every connection to a file with a full-text index gets 64 MiB; a plain one keeps 8 MiB."""
    graph = make_graph({"places": str(places_artifact), "runtime": str(artifact)})
    assert declared.PlaceStore(graph).count_matches("london") == 3
    assert cache_kib(declared.Base, graph) == FULLTEXT_DEFAULT_KIB
    assert cache_kib_in_thread(declared.Base, graph) == FULLTEXT_DEFAULT_KIB
    assert cache_kib(Base, graph) == DEFAULT_KIB
    assert cache_kib_in_thread(Base, graph) == DEFAULT_KIB


def test_a_plain_artifact_of_the_same_models_keeps_the_plain_cache(
    make_graph: GraphMaker, tmp_path: Path
) -> None:
    """The file decides, not the models: built without an index, the cache stays 8 MiB."""
    output = declare(fulltext=None).build(tmp_path / "plain.sqlite")
    graph = make_graph({"places": str(output)})
    assert cache_kib(declare().Base, graph) == DEFAULT_KIB


@pytest.mark.parametrize(
    ("config", "searchable", "plain"),
    [
        (dict(fulltext_cache_size_kib=16384), 16384, DEFAULT_KIB),
        (dict(cache_size_kib=1024, fulltext_cache_size_kib=2048), 2048, 1024),
        # the larger of the two: a searchable data set never gets less than the others
        (dict(cache_size_kib=131072), 131072, 131072),
        (dict(fulltext_cache_size_kib=0), DEFAULT_KIB, DEFAULT_KIB),
        (dict(fulltext_cache_size_kib="4096"), DEFAULT_KIB, DEFAULT_KIB),
        (dict(fulltext_cache_size_kib="32768"), 32768, DEFAULT_KIB),
    ],
)
def test_config_sets_both_caches(
    make_graph: GraphMaker,
    declared: Declared,
    places_artifact: Path,
    artifact: Path,
    config: dict[str, Any],
    searchable: int,
    plain: int,
) -> None:
    """`sqlite.fulltext_cache_size_kib` sets the searchable artifact's cache, when larger."""
    graph = make_graph({"places": str(places_artifact), "runtime": str(artifact)}, **config)
    assert cache_kib(declared.Base, graph) == searchable
    assert cache_kib(Base, graph) == plain


def test_a_writable_data_set_keeps_the_plain_cache(
    make_graph: GraphMaker, declared: Declared, places_artifact: Path
) -> None:
    """Writable connections do not check cells as pages load, so nothing is gained there."""
    graph = make_graph({"places": str(places_artifact)}, read_only=False)
    assert graph.sqlite("places").read_only is False
    assert cache_kib(declared.Base, graph) == DEFAULT_KIB


def test_a_replacement_with_an_index_gets_the_larger_cache(
    make_graph: GraphMaker, tmp_path: Path
) -> None:
    """The cache follows the file: a searchable build renamed over a plain one gets 64 MiB."""
    path = declare(fulltext=None).build(tmp_path / "places.sqlite")
    searchable = declare()
    graph = make_graph({"places": str(path)}, replacement_check_seconds=0)
    assert cache_kib(searchable.Base, graph) == DEFAULT_KIB
    searchable.build(tmp_path / "next.sqlite").replace(path)
    assert searchable.PlaceStore(graph).count_matches("london") == 3
    assert cache_kib(searchable.Base, graph) == FULLTEXT_DEFAULT_KIB
