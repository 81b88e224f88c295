"""
Opening a data set: every way a path can be wrong gives a clear error at first use, naming the
data set, the path and where the path came from; odd characters in paths are safe; the
connection knobs take effect.

"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fixtures.runtime import CITY_COUNT, Base, City, CityStore, CountryStore, sample_rows
from sqlalchemy.orm import Mapped, mapped_column

from microcosm_sqlite import DataSet, Store
from microcosm_sqlite.engines import EngineOptions, ReadOnlyEngine
from microcosm_sqlite.errors import (
    DataSetError,
    DataSetNotFoundError,
    NotADatabaseError,
    SchemaMismatchError,
    SQLiteError,
)
from microcosm_sqlite.paths import ResolvedPath


def assert_names_context(error: DataSetError, path: Path) -> None:
    """The error names the data set, the path and the path's origin, as attributes and text."""
    context = (error.dataset, error.path, error.origin)
    assert context == ("runtime", str(path), "config sqlite.paths")
    assert "'runtime'" in str(error)
    assert str(path) in str(error)
    assert "config sqlite.paths" in str(error)
    assert error.status_code == 500


@pytest.fixture
def big_artifact(build: Callable[..., Path], data_dir: Path) -> Path:
    """An artifact with enough cities that their table spans many pages."""
    rows = sample_rows() + [
        City(id=1000 + index, name="x" * 200, country_code="FR", population=index)
        for index in range(500)
    ]
    return build(data_dir / "big.sqlite", rows=rows)


def test_missing_file_is_an_error_at_first_use_and_nothing_is_created(
    make_graph: Any, data_dir: Path
) -> None:
    """A path with no file fails when first read, and leaves no file behind."""
    path = data_dir / "missing.sqlite"
    graph = make_graph({"runtime": str(path)})
    for _ in range(2):
        with pytest.raises(DataSetNotFoundError, match="no file exists") as caught:
            CityStore(graph).get(1)
        assert_names_context(caught.value, path)
    assert list(data_dir.iterdir()) == []


def test_missing_folder_is_an_error_and_nothing_is_created(make_graph: Any, tmp_path: Path) -> None:
    """A path inside a folder that does not exist fails, and no folder appears."""
    path = tmp_path / "nowhere" / "runtime.sqlite"
    with pytest.raises(DataSetNotFoundError):
        CityStore(make_graph({"runtime": str(path)})).count()
    assert not path.parent.exists()


def test_a_file_that_appears_later_is_read_on_the_next_use(
    make_graph: Any, data_dir: Path, artifact: Path
) -> None:
    """A failed open is not remembered: once the file exists, the same graph reads it."""
    path = data_dir / "late.sqlite"
    graph = make_graph({"runtime": str(path)})
    with pytest.raises(DataSetNotFoundError):
        CityStore(graph).count()
    shutil.copyfile(artifact, path)
    assert CityStore(graph).count() == CITY_COUNT


def test_directory_is_not_a_data_set(make_graph: Any, data_dir: Path) -> None:
    """A path naming a folder fails as not a regular file."""
    with pytest.raises(DataSetNotFoundError, match="not a regular file") as caught:
        CityStore(make_graph({"runtime": str(data_dir)})).count()
    assert_names_context(caught.value, data_dir)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"code,name\nFR,France\n", id="csv"),
        pytest.param(b"SQLite format 3\x00", id="header-magic-only"),
        pytest.param(os.urandom(8192), id="random"),
    ],
)
def test_file_that_is_not_sqlite_is_an_error(
    make_graph: Any, data_dir: Path, content: bytes
) -> None:
    """Empty, text, short or random files fail as not a database, and stay as they were."""
    path = data_dir / "runtime.sqlite"
    path.write_bytes(content)
    with pytest.raises(NotADatabaseError, match="not a SQLite database") as caught:
        CityStore(make_graph({"runtime": str(path)})).count()
    assert_names_context(caught.value, path)
    assert path.read_bytes() == content


def corrupt_copy(source: Path, target: Path, keep: int, garbage: bytes | None = None) -> Path:
    """A copy of an artifact keeping its first `keep` bytes, then garbage (or nothing)."""
    data = source.read_bytes()
    tail = b"" if garbage is None else garbage * (len(data) - keep)
    target.write_bytes(data[:keep] + tail[: len(data) - keep])
    return target


@pytest.mark.parametrize(
    ("keep", "garbage"),
    [
        pytest.param(4096, b"\xa5", id="garbage-after-first-page"),
        pytest.param(4096, b"\x00", id="zeros-after-first-page"),
        pytest.param(100, b"\x5a", id="garbage-after-header"),
        pytest.param(100, None, id="header-only"),
        pytest.param(0.5, None, id="truncated-to-half"),
    ],
)
def test_corrupt_file_fails_at_open_or_first_query(
    make_graph: Any, big_artifact: Path, data_dir: Path, keep: float, garbage: bytes | None
) -> None:
    """A corrupt artifact fails as NotADatabaseError, whether found at open or by the query."""
    size = big_artifact.stat().st_size
    keep_bytes = int(size * keep) if keep < 1 else int(keep)
    path = corrupt_copy(big_artifact, data_dir / "corrupt.sqlite", keep_bytes, garbage)
    graph = make_graph({"runtime": str(path)})
    with pytest.raises(NotADatabaseError, match=r"malformed|not a database") as caught:
        CityStore(graph).search()
    assert_names_context(caught.value, path)


def test_corruption_met_while_iterating_is_translated(
    make_graph: Any, big_artifact: Path, data_dir: Path
) -> None:
    """Corrupt pages found mid-stream surface as NotADatabaseError from iterate."""
    path = corrupt_copy(big_artifact, data_dir / "corrupt.sqlite", 4096, b"\xa5")
    with pytest.raises(NotADatabaseError):
        list(CityStore(make_graph({"runtime": str(path)})).iterate())


def test_corruption_met_after_rows_were_read_is_translated(
    make_graph: Any, big_artifact: Path, data_dir: Path
) -> None:
    """Pages gone bad halfway through the table fail the read as it reaches them, in context."""
    size = big_artifact.stat().st_size
    path = corrupt_copy(big_artifact, data_dir / "corrupt.sqlite", size // 2, b"\xa5")
    read: list[object] = []
    store = CityStore(make_graph({"runtime": str(path)}))
    store.batch_size = 3  # the ORM path streams in batches: rows must come before the damage
    with pytest.raises(NotADatabaseError, match=r"malformed|not a database") as caught:
        for city in store.iterate():
            read.append(city.id)
    assert read[:3] == [1, 2, 3]
    assert_names_context(caught.value, path)


def test_corruption_met_by_get_is_translated(
    make_graph: Any, big_artifact: Path, data_dir: Path
) -> None:
    """A primary-key lookup that lands on a corrupt page raises NotADatabaseError, in context."""
    path = corrupt_copy(big_artifact, data_dir / "corrupt.sqlite", 4096, b"\xa5")
    store = CityStore(make_graph({"runtime": str(path)}))
    with pytest.raises(NotADatabaseError, match=r"malformed|not a database") as caught:
        store.get(1)
    assert_names_context(caught.value, path)


def test_wal_mode_artifact_is_refused(make_graph: Any, artifact: Path, data_dir: Path) -> None:
    """An artifact left in WAL mode fails with advice to rebuild it."""
    path = data_dir / "wal.sqlite"
    shutil.copyfile(artifact, path)
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    connection.close()
    with pytest.raises(NotADatabaseError, match="WAL mode") as caught:
        CityStore(make_graph({"runtime": str(path)})).count()
    assert_names_context(caught.value, path)
    assert "rebuild" in str(caught.value)


@pytest.mark.parametrize(
    "folder",
    ["with space", "hash#tag", "question?mark", "percent%41", "percent%", "amp&eq=1", "ünï"],
)
def test_odd_characters_in_paths_work_read_only_and_writable(
    make_graph: Any, build: Any, tmp_path: Path, folder: str
) -> None:
    """Spaces, '#', '?', '%', '&', '=' and non-ASCII in folder names are read and written safely."""
    path = tmp_path / folder / "runtime.sqlite"
    path.parent.mkdir()
    build(path)
    assert sorted(entry.name for entry in path.parent.iterdir()) == ["runtime.sqlite"]
    assert CityStore(make_graph({"runtime": str(path)})).get(4).name == "city-004"


def test_error_is_at_first_use_not_at_graph_creation(make_graph: Any, data_dir: Path) -> None:
    """Creating the graph and its sqlite component never touches the path."""
    graph = make_graph({"runtime": str(data_dir / "missing.sqlite")})
    assert graph.sqlite["runtime"] == str(data_dir / "missing.sqlite")
    with pytest.raises(SQLiteError):
        Base.engine_for(graph)


def pragma(graph: Any, name: str) -> Any:
    with Base.engine_for(graph).engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_read_only_connections_set_query_only_and_foreign_keys(graph: Any) -> None:
    """Read-only connections run with query_only and enforce foreign keys by default."""
    assert pragma(graph, "query_only") == 1
    assert pragma(graph, "foreign_keys") == 1


def test_connection_knobs_take_effect(make_graph: Any, artifact: Path) -> None:
    """mmap_size, cache_size_kib and use_foreign_keys reach every connection."""
    graph = make_graph(
        {"runtime": str(artifact)}, mmap_size=1 << 20, cache_size_kib=1024, use_foreign_keys=False
    )
    assert pragma(graph, "mmap_size") == 1 << 20
    assert pragma(graph, "cache_size") == -1024
    assert pragma(graph, "foreign_keys") == 0


def test_knobs_accept_strings_as_environment_config_gives_them(
    make_graph: Any, artifact: Path
) -> None:
    """Typed defaults convert strings, so environment config works."""
    graph = make_graph({"runtime": str(artifact)}, immutable="false", mmap_size="4096")
    assert graph.sqlite.options.immutable is False
    assert pragma(graph, "mmap_size") == 4096
    assert CountryStore(graph).get("CH").landlocked is True


def test_writable_connections_can_write(make_graph: Any, tmp_path: Path) -> None:
    """Writable data sets are not query_only."""
    graph = make_graph({"runtime": str(tmp_path / "w.sqlite")}, read_only=False)
    assert pragma(graph, "query_only") == 0


class TracedEngine(ReadOnlyEngine):
    """A read-only engine that records every statement its connections run, from the first."""

    def __init__(self, resolved: ResolvedPath, options: EngineOptions) -> None:
        self.statements: list[str] = []
        super().__init__(resolved, options)

    def _connect_read_only(self) -> Any:
        connection = super()._connect_read_only()
        connection.set_trace_callback(self.statements.append)
        return connection


def test_each_connection_checks_the_schema_once(artifact: Path) -> None:
    """Opening the engine and reading on its first connection parse the schema once, not twice."""
    engine = TracedEngine(ResolvedPath("runtime", str(artifact), "a test"), EngineOptions())
    try:
        engine.thread_reads().connection.execute("SELECT count(*) FROM city").fetchall()
        checks = [sql for sql in engine.statements if "sqlite_schema" in sql]
        assert len(checks) == 1, checks
    finally:
        engine.dispose()


StaleBase: Any = DataSet.create("runtime")


class StaleCity(StaleBase):
    """The `city` table as a newer model sees it: one column the artifact lacks."""

    __tablename__ = "city"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    mayor: Mapped[str | None]


class Airline(StaleBase):
    __tablename__ = "airline"

    code: Mapped[str] = mapped_column(primary_key=True)


@pytest.mark.parametrize(
    ("model", "difference"),
    [
        (StaleCity, "table city: column mayor is missing from the artifact"),
        (Airline, "table airline: in the models but not in the artifact"),
    ],
)
def test_a_model_the_artifact_does_not_fit_fails_at_first_use(
    graph: Any, artifact: Path, model: type[Any], difference: str
) -> None:
    """A stale artifact is named with each difference, rather than failing mid-query."""

    class StaleStore(Store[Any]):
        model_class = model

    with pytest.raises(SchemaMismatchError) as caught:
        StaleStore(graph).search()
    assert difference in str(caught.value)
    assert caught.value.differences == (difference,)
    assert_names_context(caught.value, artifact)


UNREACHABLE_SCRIPT = """
import json, os, sys
from microcosm.api import create_object_graph, load_from_dict
from fixtures.runtime import CityStore
from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.errors import SQLiteError

readable, unreachable = sys.argv[1:3]

def graph_for(path):
    loader = load_from_dict(sqlite=dict(paths=dict(runtime=path)))
    return create_object_graph("unreachable", testing=True, loader=loader)

# every module a read needs is imported while still root: the interpreter's own files may be
# out of reach for nobody
warm = graph_for(readable)
CityStore(warm).get(1)
dispose_sqlite_connections(warm)
if os.getuid() == 0:
    os.setgid(65534)
    os.setuid(65534)
try:
    CityStore(graph_for(unreachable)).get(1)
except SQLiteError as error:
    print(json.dumps(dict(kind=type(error).__name__, text=str(error), dataset=error.dataset,
                          path=error.path, origin=error.origin)))
except BaseException as error:
    print(json.dumps(dict(kind=type(error).__name__, text=str(error))))
else:
    print(json.dumps(dict(kind="no error")))
"""


@pytest.mark.skipif(not hasattr(os, "setuid"), reason="POSIX permission bits only")
def test_an_artifact_in_a_folder_the_process_cannot_search_is_a_clear_error(
    artifact: Path, data_dir: Path
) -> None:
    """A folder the process may not search gives DataSetNotFoundError, not a PermissionError."""
    locked = data_dir / "locked"
    locked.mkdir()
    path = locked / "runtime.sqlite"
    shutil.copyfile(artifact, path)
    locked.chmod(0o000)
    try:
        # as root, the child drops to nobody after importing, since permission bits bind root not
        result = subprocess.run(
            [sys.executable, "-c", UNREACHABLE_SCRIPT, str(artifact), str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, sys.path))},
        )
    finally:
        locked.chmod(0o700)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["kind"] == "DataSetNotFoundError", outcome
    assert (outcome["dataset"], outcome["path"], outcome["origin"]) == (
        "runtime",
        str(path),
        "config sqlite.paths",
    )
    assert "permission" in outcome["text"].lower()
