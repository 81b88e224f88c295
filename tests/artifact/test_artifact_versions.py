"""
Replacing an artifact under a running graph: a new build renamed over the path while threads
read. Every read sees one version, and once any read has seen the new one, no later read sees
the old one: the graph moves its threads together.

"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fixtures.forking import run_child, wait_for
from fixtures.runtime import CITY_COUNT, City, CityStore, CountryStore, sample_rows

from microcosm_sqlite.errors import ModelNotFoundError, NotADatabaseError

THREADS = 8
JOIN_TIMEOUT = 60
# the new version has these extra cities, so every kind of read can tell the two apart
EXTRA = 10


def version_rows(version: int) -> list[Any]:
    """The rows of version 1 or 2: country names say the version, version 2 has more cities."""
    extra = [
        City(id=CITY_COUNT + index, name=f"extra-{index}", country_code="FR", population=1)
        for index in range(1, EXTRA + 1)
    ]
    return sample_rows(f" v{version}") + (extra if version == 2 else [])


def version_of_name(name: str) -> int:
    return int(name.rsplit(" v", 1)[1])


def version_of_count(count: int) -> int:
    return {CITY_COUNT: 1, CITY_COUNT + EXTRA: 2}[count]


def version_of_extra_city(graph: Any) -> int:
    try:
        CityStore(graph).get(CITY_COUNT + 1)
    except ModelNotFoundError:
        return 1
    return 2


def version_of_first_country(graph: Any) -> int:
    country = CountryStore(graph).first(name=None)
    assert country is not None
    return version_of_name(country.name)


READS: list[Callable[[Any], int]] = [
    lambda graph: version_of_name(CountryStore(graph).get("FR").name),
    lambda graph: version_of_count(CityStore(graph).count()),
    version_of_extra_city,
    lambda graph: version_of_count(sum(1 for _ in CityStore(graph).iterate())),
    version_of_first_country,
    lambda graph: version_of_count(len(CityStore(graph).get_many(range(1, 100)))),
    lambda graph: version_of_name(CityStore(graph).get(2).country.name),
]


@pytest.fixture
def versioned(build: Any, data_dir: Path) -> tuple[Path, Path]:
    """Version 1 at the artifact's path, and version 2 built beside it, ready to be renamed."""
    path = build(data_dir / "runtime.sqlite", rows=version_rows(1))
    following = build(data_dir / "runtime.sqlite.next", rows=version_rows(2))
    return path, following


@pytest.mark.parametrize("check_seconds", [0, 0.05])
def test_reads_while_an_artifact_is_replaced_move_to_the_new_version_together(
    make_graph: Any, versioned: tuple[Path, Path], check_seconds: float
) -> None:
    """Threads reading through a rename-over see one version a read, never the old after the new."""
    path, following = versioned
    graph = make_graph({"runtime": str(path)}, replacement_check_seconds=check_seconds)
    assert CountryStore(graph).get("FR").name == "France v1"
    # (start, end, version) of every read, taken around the call
    seen: list[tuple[int, int, int]] = []
    failures: list[str] = []
    stop = threading.Event()
    started = threading.Barrier(THREADS + 1)

    def read(index: int) -> None:
        try:
            started.wait(timeout=10)
            turn = index
            while not stop.is_set():
                begin = time.monotonic_ns()
                version = READS[turn % len(READS)](graph)
                seen.append((begin, time.monotonic_ns(), version))
                turn += 1
        except BaseException:
            failures.append(traceback.format_exc())

    def new_thread_reads() -> None:
        # the case: a thread born after the swap reads get, count...: never new then old
        try:
            versions = [read(graph) for read in READS]
            assert versions == sorted(versions), versions
        except BaseException:
            failures.append(traceback.format_exc())

    threads = [threading.Thread(target=read, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    started.wait(timeout=10)
    time.sleep(0.3)
    # a read may end between the rename and the clock read after it: bound the old version's
    # reads by the time before the rename, the new version's by the time after it
    renaming = time.monotonic_ns()
    os.replace(following, path)
    swapped = time.monotonic_ns()
    late = [threading.Thread(target=new_thread_reads) for _ in range(4)]
    for thread in late:
        thread.start()
    time.sleep(0.5)
    stop.set()
    for thread in threads + late:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not [thread for thread in threads + late if thread.is_alive()], "a reader hung"
    assert failures == []
    first_new = min((end for _, end, version in seen if version == 2), default=None)
    assert first_new is not None, "no read saw the new version"
    assert [read for read in seen if read[0] > first_new and read[2] == 1] == []
    assert all(version == 1 for _, end, version in seen if end < renaming)
    assert {version for start, _, version in seen if start > swapped + 200_000_000} == {2}


def test_a_new_connection_that_finds_the_new_file_moves_the_whole_graph(
    make_graph: Any, versioned: tuple[Path, Path]
) -> None:
    """A thread born after the swap reads the new file, and from then on so do the older threads."""
    path, following = versioned
    graph = make_graph({"runtime": str(path)}, replacement_check_seconds=3600)
    assert CityStore(graph).count() == CITY_COUNT
    os.replace(following, path)
    # not looked at the path since: this thread's connection still reads the old file
    assert CountryStore(graph).get("FR").name == "France v1"
    answers: list[tuple[int, int]] = []

    def new_thread() -> None:
        answers.append((version_of_extra_city(graph), version_of_count(CityStore(graph).count())))

    for _ in range(2):
        thread = threading.Thread(target=new_thread)
        thread.start()
        thread.join(timeout=JOIN_TIMEOUT)
    assert answers == [(2, 2)] * 2
    assert CountryStore(graph).get("FR").name == "France v2"
    assert version_of_extra_city(graph) == 2


def test_dispose_moves_the_graph_to_the_file_now_at_the_path(
    make_graph: Any, versioned: tuple[Path, Path]
) -> None:
    """However long until the next check, dispose makes the next read look at the path."""
    path, following = versioned
    graph = make_graph({"runtime": str(path)}, replacement_check_seconds=3600)
    assert CountryStore(graph).get("FR").name == "France v1"
    os.replace(following, path)
    assert CityStore(graph).count() == CITY_COUNT
    graph.sqlite.dispose()
    assert CountryStore(graph).get("FR").name == "France v2"
    assert CityStore(graph).count() == CITY_COUNT + EXTRA


def test_a_broken_replacement_fails_clearly_until_a_good_one_arrives(
    make_graph: Any, versioned: tuple[Path, Path], data_dir: Path
) -> None:
    """A non-SQLite file renamed over the artifact is a NotADatabaseError, not stale data."""
    path, following = versioned
    graph = make_graph({"runtime": str(path)}, replacement_check_seconds=0)
    assert CityStore(graph).count() == CITY_COUNT
    broken = data_dir / "broken"
    broken.write_bytes(b"code,name\nFR,France\n")
    os.replace(broken, path)
    for _ in range(2):
        with pytest.raises(NotADatabaseError):
            CityStore(graph).count()
    os.replace(following, path)
    assert CityStore(graph).count() == CITY_COUNT + EXTRA


def test_a_forked_child_follows_the_path_like_any_thread(
    make_graph: Any, versioned: tuple[Path, Path]
) -> None:
    """A child forked from a graph that read version 1 reads version 2 once it is renamed in."""
    path, following = versioned
    graph = make_graph({"runtime": str(path)}, replacement_check_seconds=0)
    assert CountryStore(graph).get("FR").name == "France v1"
    os.replace(following, path)

    def child_check() -> None:
        assert CountryStore(graph).get("FR").name == "France v2"
        assert CityStore(graph).count() == CITY_COUNT + EXTRA

    pid, read_end = run_child(child_check)
    assert wait_for(pid, read_end) == (0, "")
    assert CountryStore(graph).get("FR").name == "France v2"


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="lists open files through /proc")
def test_the_old_file_is_closed_once_the_graph_moved(
    make_graph: Any, versioned: tuple[Path, Path]
) -> None:
    """After the switch no connection keeps the replaced file open (its disk space comes back)."""
    path, following = versioned
    graph = make_graph({"runtime": str(path)}, replacement_check_seconds=0)
    assert CityStore(graph).count() == CITY_COUNT
    assert CountryStore(graph).get("FR").name == "France v1"
    os.replace(following, path)
    assert CountryStore(graph).get("FR").name == "France v2"
    opened = [os.readlink(entry) for entry in Path("/proc/self/fd").iterdir() if entry.is_symlink()]
    assert f"{path} (deleted)" not in opened


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="lists open files through /proc")
def test_a_thread_that_ends_after_the_graph_moved_closes_the_old_file(
    make_graph: Any, versioned: tuple[Path, Path]
) -> None:
    """A thread that read the old file and ends without reading again leaves it closed."""
    path, following = versioned
    graph = make_graph({"runtime": str(path)}, replacement_check_seconds=0)
    has_read, moved = threading.Event(), threading.Event()

    def read_then_wait() -> None:
        assert CityStore(graph).count() == CITY_COUNT
        has_read.set()
        moved.wait(timeout=JOIN_TIMEOUT)

    thread = threading.Thread(target=read_then_wait)
    thread.start()
    has_read.wait(timeout=JOIN_TIMEOUT)
    os.replace(following, path)
    assert CountryStore(graph).get("FR").name == "France v2"
    moved.set()
    thread.join(timeout=JOIN_TIMEOUT)
    opened = [os.readlink(entry) for entry in Path("/proc/self/fd").iterdir() if entry.is_symlink()]
    assert f"{path} (deleted)" not in opened
