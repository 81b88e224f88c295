"""
`Store.iterate` streams: memory stays bounded however many rows match.

Memory is measured with tracemalloc (Python allocations, peak while iterating), never time.

"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.runtime import COUNTRY_CODES, Base, City, CityStore, Continent, Country
from fixtures.tools import graph_for
from sqlalchemy import insert

from microcosm_sqlite import dispose_sqlite_connections

ROWS = 100_000
# the materialized baseline: a tenth of the rows, as a list
SAMPLE = ROWS // 10


@pytest.fixture(scope="module")
def big_artifact(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An artifact with 100,000 cities, built once for this module."""
    path = tmp_path_factory.mktemp("streaming") / "big.sqlite"
    graph = graph_for(path, read_only=False, dataset="runtime")
    Base.create_all(graph)
    with Base.new_context(graph) as session:
        session.add_all(
            Country(code=code, name=code, continent=Continent.EUROPE) for code in COUNTRY_CODES
        )
        session.flush()
        session.execute(
            insert(City),
            [
                dict(
                    id=index,
                    name=f"city-{index}",
                    country_code=COUNTRY_CODES[index % 6],
                    population=index,
                )
                for index in range(1, ROWS + 1)
            ],
        )
    dispose_sqlite_connections(graph)
    yield path


def peak_bytes(work: Callable[[], Any]) -> tuple[int, Any]:
    """The peak of Python allocations while `work` runs, and what it returned."""
    gc.collect()
    tracemalloc.start()
    try:
        result = work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def test_iterate_streams_in_bounded_memory(big_artifact: Path, read_path: str) -> None:
    """Streaming every row peaks far below materializing even a tenth of them as a list."""
    graph = graph_for(big_artifact, dataset="runtime", fast_path=read_path == "fast")
    try:
        store = CityStore(graph)
        assert store.get(1).name == "city-1"

        def stream() -> int:
            count = 0
            for count, city in enumerate(store.iterate(), start=1):
                assert city.id == count
            return count

        streamed_peak, streamed = peak_bytes(stream)
        listed_peak, listed = peak_bytes(lambda: store.search(limit=SAMPLE))
        assert streamed == ROWS
        assert len(listed) == SAMPLE
        del listed
        assert streamed_peak < listed_peak / 4, (streamed_peak, listed_peak)
        assert streamed_peak < 8 * 1024 * 1024
    finally:
        dispose_sqlite_connections(graph)


def test_the_session_forgets_rows_no_longer_in_use(
    big_artifact: Path, fast_read_path: None
) -> None:
    """
    Pages read one after another and let go leave no trail: the session's weak record of the
    instances it loaded is pruned as they go, so a long-lived thread's session stays small.

    """
    graph = graph_for(big_artifact, dataset="runtime")
    try:
        store = CityStore(graph)
        pages = 30
        for page in range(pages):
            assert len(store.search(offset=page * 1000, limit=1000)) == 1000
        tracked = len(Base.engine_for(graph).session().fast[City])
        assert tracked < pages * 1000 / 2
        assert store.search(offset=(pages - 1) * 1000, limit=1)[0].id == pages * 1000 - 999
    finally:
        dispose_sqlite_connections(graph)
