"""
Threads and processes: many threads reading through one Store at once, children forked from a
process that already read, and `dispose_sqlite_connections`.

"""

from __future__ import annotations

import gc
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import pytest
from fixtures.forking import run_child, wait_for
from fixtures.runtime import (
    CITY_COUNT,
    COUNTRIES,
    Base,
    CityStore,
    CountryStore,
    RouteStore,
    SmallBatchCityStore,
    city_values,
)
from microcosm.api import create_object_graph, load_from_dict

from microcosm_sqlite import dispose_sqlite_connections

THREADS = 12
READ_SECONDS = 1.5
JOIN_TIMEOUT = 30
COUNTRY_NAMES = {code: name for code, name, *_ in COUNTRIES}


def check_reads(graph: Any, chooser: random.Random, cities: CityStore) -> None:
    """One round of mixed reads, each result checked against the sample data."""
    city_id = chooser.randint(1, CITY_COUNT)
    expected = city_values(city_id)
    city = cities.get(city_id)
    assert (city.id, city.name, city.population) == (
        expected["id"],
        expected["name"],
        expected["population"],
    )
    assert city.country.name == COUNTRY_NAMES[expected["country_code"]]
    wanted = chooser.sample(range(1, CITY_COUNT + 10), 8)
    assert [each.id for each in cities.get_many(wanted)] == [
        each for each in wanted if each <= CITY_COUNT
    ]
    code = expected["country_code"]
    found = cities.search(country_code=code)
    assert [each.id for each in found] == [
        each for each in range(1, CITY_COUNT + 1) if city_values(each)["country_code"] == code
    ]
    assert cities.count(min_population=city_id * 1000) == CITY_COUNT - city_id + 1
    assert cities.exists(name=expected["name"])
    assert [each.id for each in SmallBatchCityStore(graph).iterate()] == list(
        range(1, CITY_COUNT + 1)
    )
    assert CountryStore(graph).get(code).name == COUNTRY_NAMES[code]
    assert RouteStore(graph).count(origin="AMS") == 4


def test_many_threads_read_through_one_store_at_once(graph: Any) -> None:
    """At least 8 threads reading together through one Store all get correct results, no hang."""
    store = CityStore(graph)
    start = threading.Barrier(THREADS)
    failures: list[str] = []
    rounds = [0] * THREADS

    def read(index: int) -> None:
        chooser = random.Random(index)
        try:
            start.wait(timeout=10)
            deadline = time.monotonic() + READ_SECONDS
            while time.monotonic() < deadline:
                check_reads(graph, chooser, store)
                rounds[index] += 1
        except BaseException:
            failures.append(traceback.format_exc())

    threads = [threading.Thread(target=read, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not [thread for thread in threads if thread.is_alive()], "a reader hung"
    assert failures == []
    assert min(rounds) >= 3
    gc.collect()


def test_threads_opening_a_data_set_together_share_one_engine(
    make_graph: Any, artifact: Path
) -> None:
    """Threads that all make the first call at once create one engine and each read correctly."""
    graph = make_graph({"runtime": str(artifact)})
    start = threading.Barrier(THREADS)
    engines: list[Any] = []
    failures: list[str] = []

    def first_read() -> None:
        try:
            start.wait(timeout=10)
            assert CityStore(graph).get(12).name == "city-012"
            engines.append(Base.engine_for(graph))
        except BaseException:
            failures.append(traceback.format_exc())

    threads = [threading.Thread(target=first_read) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert failures == []
    assert len(engines) == THREADS
    assert len({id(engine) for engine in engines}) == 1


def test_forked_children_read_through_the_parents_store(graph: Any) -> None:
    """Children forked after the parent read use the same Store with no extra call."""
    store = CityStore(graph)
    check_reads(graph, random.Random(0), store)
    parent_city = store.get(1)
    parent_session = store._engine.session()

    def child_check() -> None:
        assert store._engine.session() is not parent_session
        assert store.get(1) is not parent_city
        chooser = random.Random(os.getpid())
        for _ in range(20):
            check_reads(graph, chooser, store)

    children = [run_child(child_check) for _ in range(3)]
    results = [wait_for(pid, read_end) for pid, read_end in children]
    assert results == [(0, "")] * 3
    check_reads(graph, random.Random(1), store)
    assert store.get(1) is parent_city
    assert parent_city.country.name == "Germany"


def test_fork_in_the_middle_of_an_iterate(graph: Any) -> None:
    """A parent that forks while streaming finishes its stream; the child reads on its own."""
    stream = SmallBatchCityStore(graph).iterate()
    head = [next(stream).id for _ in range(10)]

    def child_check() -> None:
        assert [city.id for city in SmallBatchCityStore(graph).iterate()] == list(
            range(1, CITY_COUNT + 1)
        )
        assert CityStore(graph).get(60).name == "city-060"

    pid, read_end = run_child(child_check)
    assert wait_for(pid, read_end) == (0, "")
    assert head + [city.id for city in stream] == list(range(1, CITY_COUNT + 1))


def test_dispose_sqlite_connections_closes_them_and_reads_reopen(graph: Any) -> None:
    """dispose_sqlite_connections closes every connection; the next read opens a new one."""
    assert CityStore(graph).get(1).name == "city-001"
    engine = Base.engine_for(graph).engine
    pooled = engine.raw_connection()
    driver_connection = pooled.driver_connection
    pooled.close()
    dispose_sqlite_connections(graph)
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        driver_connection.execute("SELECT 1")
    assert CityStore(graph).get(2).country.name == "France"
    assert CountryStore(graph).count() == len(COUNTRIES)


def test_a_store_kept_across_dispose_stays_under_the_graphs_control(graph: Any) -> None:
    """A long-lived Store reads after dispose through connections the next dispose closes."""
    store = CityStore(graph)
    assert store.get(1).name == "city-001"
    dispose_sqlite_connections(graph)
    assert store.get(2).name == "city-002"
    pooled = store._engine.engine.raw_connection()
    driver_connection = pooled.driver_connection
    pooled.close()
    dispose_sqlite_connections(graph)
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        driver_connection.execute("SELECT 1")  # type: ignore[union-attr]
    assert store.get(3).name == "city-003"


def test_dispose_sqlite_connections_on_a_graph_that_never_read(make_graph: Any) -> None:
    """Disposing a graph whose sqlite component was never built is a no-op."""
    graph = make_graph()
    dispose_sqlite_connections(graph)
    assert graph.get("sqlite") is None


def test_dispose_then_fork_then_read(graph: Any) -> None:
    """A parent that disposed before forking (the old way) still gives children working reads."""
    CityStore(graph).get(1)
    dispose_sqlite_connections(graph)

    def child_check() -> None:
        check_reads(graph, random.Random(5), CityStore(graph))

    pid, read_end = run_child(child_check)
    assert wait_for(pid, read_end) == (0, "")
    check_reads(graph, random.Random(6), CityStore(graph))


def test_a_graph_dropped_without_dispose_closes_its_connections(artifact: Path) -> None:
    """Connections of a graph nobody disposed close when it is collected, not at exit."""
    graphs = [
        create_object_graph(
            "runtime-test",
            testing=True,
            loader=load_from_dict(sqlite={"paths": {"runtime": str(artifact)}}),
        )
    ]
    drivers: list[sqlite3.Connection] = []

    def read() -> None:
        assert CityStore(graphs[0]).get(1).name == "city-001"
        drivers.append(Base.engine_for(graphs[0]).thread_reads().connection)

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(JOIN_TIMEOUT)
    read()  # and one still held by this thread
    graphs.clear()
    gc.collect()
    for driver in drivers:
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            driver.execute("SELECT 1")


EXIT_SCRIPT = """
import atexit, sqlite3, sys
sys.path.insert(0, sys.argv[2])
drivers = []


def report():  # registered first, so it runs after the library's own exit hook
    for driver in drivers:
        try:
            driver.execute("SELECT 1")
        except sqlite3.ProgrammingError:
            print("closed")
        else:
            print("open")


atexit.register(report)
from microcosm.api import create_object_graph, load_from_dict
from fixtures.runtime import Base, CityStore

graph = create_object_graph(
    "runtime-test", testing=True, loader=load_from_dict(sqlite={"paths": {"runtime": sys.argv[1]}})
)
CityStore(graph).get(1)
drivers.append(Base.engine_for(graph).thread_reads().connection)
"""


def test_connections_still_open_at_exit_are_closed(artifact: Path, tmp_path: Path) -> None:
    """A process that exits holding a graph closes its connections before the interpreter goes."""
    script = tmp_path / "exits.py"
    script.write_text(EXIT_SCRIPT, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "always::ResourceWarning",
            str(script),
            str(artifact),
            str(Path(__file__).parent),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "closed\n"), result.stderr
    assert "ResourceWarning" not in result.stderr
