"""
No state shared across object graphs: one data set name, two graphs, two files, one thread.

"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fixtures.runtime import COUNTRIES, Base, CityStore, Country, CountryStore, sample_rows


@pytest.fixture
def two_graphs(make_graph: Any, build: Any, data_dir: Path) -> tuple[Any, Any]:
    """Two read-only graphs mapping the name `runtime` to two files told apart by name."""
    left = build(data_dir / "left.sqlite", rows=sample_rows(" (left)"))
    right = build(data_dir / "right.sqlite", rows=sample_rows(" (right)"))
    return make_graph({"runtime": str(left)}), make_graph({"runtime": str(right)})


def test_two_graphs_map_one_name_to_two_files(
    two_graphs: tuple[Any, Any],
) -> None:
    """Interleaved reads through two graphs each see their own file."""
    left_graph, right_graph = two_graphs
    for _ in range(3):
        assert CountryStore(left_graph).get("FR").name == "France (left)"
        assert CountryStore(right_graph).get("FR").name == "France (right)"
        assert CityStore(left_graph).get(2).country.name == "France (left)"
        assert CityStore(right_graph).get(2).country.name == "France (right)"
    left_names = [country.name for country in CountryStore(left_graph).iterate()]
    right_names = [country.name for country in CountryStore(right_graph).iterate()]
    assert left_names[0] == "Switzerland (left)"
    assert right_names[0] == "Switzerland (right)"
    assert Base.engine_for(left_graph) is not Base.engine_for(right_graph)


def test_contexts_of_two_graphs_read_their_own_files(
    two_graphs: tuple[Any, Any],
) -> None:
    """Store() inside each graph's new_context reads that graph's file, nested or not."""
    left_graph, right_graph = two_graphs
    with Base.new_context(left_graph) as left_session:
        assert CountryStore().get("JP").name == "Japan (left)"
        with Base.new_context(right_graph):
            assert CountryStore().get("JP").name == "Japan (right)"
        assert CountryStore().get("JP").name == "Japan (left)"
        assert left_session.get(Country, "JP").name == "Japan (left)"


def test_disposing_one_graph_leaves_the_other_open(
    two_graphs: tuple[Any, Any],
) -> None:
    """Closing one graph's connections does not touch another graph's."""
    left_graph, right_graph = two_graphs
    CountryStore(left_graph).get("US")
    CountryStore(right_graph).get("US")
    right_pool = Base.engine_for(right_graph).engine.pool
    right_connection = Base.engine_for(right_graph).thread_reads().connection
    Base.dispose(left_graph)
    assert right_connection.execute("SELECT count(*) FROM country").fetchone() == (len(COUNTRIES),)
    assert Base.engine_for(right_graph).engine.pool is right_pool
    assert CountryStore(right_graph).get("US").name == "United States (right)"
