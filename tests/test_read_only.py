"""
The read-only guarantee: nothing a process does through Stores, sessions or raw SQL changes
an artifact's bytes or leaves journal files beside it.

"""

from __future__ import annotations

import hashlib
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
from fixtures.runtime import (
    CITY_COUNT,
    Base,
    City,
    CityByNameStore,
    CityStore,
    Continent,
    Country,
    CountryStore,
    Route,
    RouteStore,
)
from sqlalchemy import select, text, update

from microcosm_sqlite.errors import ReadOnlyDataSetError


def fingerprint(path: Path) -> tuple[str, int, int]:
    """An artifact's sha256, modification time and size."""
    stat = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_mtime_ns, stat.st_size


def folder_listing(path: Path) -> list[str]:
    return sorted(entry.name for entry in path.parent.iterdir())


def read_everything(graph: Any) -> None:
    """A full read workload: every Store method, relationships, contexts and plain sessions."""
    cities = CityStore(graph)
    assert cities.get(1).country.name == "Germany"
    assert [city.id for city in cities.get_many([3, 2, 1])] == [3, 2, 1]
    assert len(cities.search(country_code=["FR", "JP"])) == 20
    assert cities.count(min_population=30_000) == CITY_COUNT - 29
    tenth = cities.first(name="city-010")
    assert tenth is not None and tenth.id == 10
    assert cities.one(name="city-011").id == 11
    assert cities.exists(country_code="US")
    assert sum(1 for _ in cities.iterate()) == CITY_COUNT
    last = CityByNameStore(graph).first(descending=True)
    assert last is not None and last.name == "city-060"
    assert [country.code for country in CountryStore(graph).search(landlocked=True)] == [
        "CH",
        "NP",
    ]
    assert len(CountryStore(graph).get("FR").cities) == 10
    assert RouteStore(graph).get(("AMS", "CDG")).distance == 1
    with Base.new_context(graph):
        assert CityStore().count(country_code="DE") == 10
    session = Base.new_session(graph)
    try:
        assert session.scalar(text("SELECT count(*) FROM route")) == 20
    finally:
        session.close()


def new_city() -> City:
    return City(id=999, name="new", country_code="FR", population=1)


def session_add_commit(graph: Any) -> None:
    session = Base.new_session(graph)
    try:
        session.add(new_city())
        session.commit()
    finally:
        session.close()


def session_change_commit(graph: Any) -> None:
    session = Base.new_session(graph)
    try:
        session.get(Country, "FR").name = "Changed"
        session.commit()
    finally:
        session.close()


def session_delete_flush(graph: Any) -> None:
    session = Base.new_session(graph)
    try:
        session.delete(session.get(Route, ("AMS", "CDG")))
        session.flush()
    finally:
        session.close()


def context_add(graph: Any) -> None:
    with Base.new_context(graph) as session:
        session.add(new_city())


def context_store_create(graph: Any) -> None:
    with Base.new_context(graph):
        CityStore().create(new_city())


def session_sql(statement: Any) -> Callable[[Any], None]:
    def run(graph: Any) -> None:
        session = Base.new_session(graph)
        try:
            session.execute(statement)
            session.commit()
        finally:
            session.close()

    return run


def driver_sql(*statements: str) -> Callable[[Any], None]:
    def run(graph: Any) -> None:
        with Base.engine_for(graph).engine.connect() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
            connection.commit()

    return run


def raw_connection_sql(statement: str) -> Callable[[Any], None]:
    def run(graph: Any) -> None:
        connection = Base.engine_for(graph).engine.raw_connection()
        try:
            connection.driver_connection.execute(statement)
            connection.commit()
        finally:
            connection.close()

    return run


STORE_WRITES: dict[str, Callable[[Any], Any]] = {
    "store-create": lambda graph: CityStore(graph).create(new_city()),
    "store-delete-matching": lambda graph: CityStore(graph).delete(name="city-001"),
    "store-delete-everything": lambda graph: RouteStore(graph).delete(),
    "context-store-create": context_store_create,
    "session-add-commit": session_add_commit,
    "session-change-commit": session_change_commit,
    "session-delete-flush": session_delete_flush,
    "context-add": context_add,
}
SQL_WRITES: dict[str, Callable[[Any], Any]] = {
    "session-insert": session_sql(
        text("INSERT INTO city (id, name, country_code, population) VALUES (999, 'x', 'FR', 1)")
    ),
    "session-orm-update": session_sql(update(City).values(population=0)),
    "driver-delete": driver_sql("DELETE FROM city"),
    "driver-update": driver_sql("UPDATE country SET name = 'x'"),
    "driver-create-table": driver_sql("CREATE TABLE extra (id INTEGER)"),
    "driver-drop-table": driver_sql("DROP TABLE route"),
    "driver-create-index": driver_sql("CREATE INDEX extra_index ON city (population)"),
    "driver-journal-wal": driver_sql("PRAGMA journal_mode=WAL"),
    "driver-user-version": driver_sql("PRAGMA user_version = 7"),
    "driver-vacuum": driver_sql("VACUUM"),
    "driver-query-only-off-then-delete": driver_sql("PRAGMA query_only = OFF", "DELETE FROM city"),
    "driver-writable-schema": driver_sql(
        "PRAGMA writable_schema = ON", "UPDATE sqlite_schema SET sql = 'x'"
    ),
    "raw-connection-delete": raw_connection_sql("DELETE FROM route"),
    "raw-connection-journal-wal": raw_connection_sql("PRAGMA journal_mode=WAL"),
}


@pytest.mark.parametrize("immutable", [True, False], ids=["immutable", "not-immutable"])
def test_reads_and_refused_writes_leave_the_artifact_unchanged(
    make_graph: Any, artifact: Path, immutable: bool
) -> None:
    """Reads plus every attempted write leave the artifact's bytes, mtime and folder unchanged."""
    before, listing = fingerprint(artifact), folder_listing(artifact)
    graph = make_graph({"runtime": str(artifact)}, immutable=immutable)
    read_everything(graph)
    for name, write in {**STORE_WRITES, **SQL_WRITES}.items():
        with pytest.raises((ReadOnlyDataSetError, sqlite3.Error)):
            write(graph)
        assert folder_listing(artifact) == listing, name
    read_everything(graph)
    Base.dispose(graph)
    assert fingerprint(artifact) == before
    assert folder_listing(artifact) == listing


@pytest.mark.parametrize("write", STORE_WRITES.values(), ids=STORE_WRITES.keys())
def test_writes_through_the_orm_raise_read_only_data_set_error(
    graph: Any, artifact: Path, write: Callable[[Any], Any]
) -> None:
    """Store and session writes raise ReadOnlyDataSetError naming the data set and its path."""
    with pytest.raises(ReadOnlyDataSetError) as caught:
        write(graph)
    assert caught.value.dataset == "runtime"
    assert caught.value.path == str(artifact)
    assert caught.value.status_code == 405
    assert CityStore(graph).count() == CITY_COUNT


@pytest.mark.parametrize("write", SQL_WRITES.values(), ids=SQL_WRITES.keys())
def test_raw_sql_writes_are_refused_by_sqlite(graph: Any, write: Callable[[Any], Any]) -> None:
    """SQL that would change the file, or lift the guards, fails in SQLite itself.

    Through the engine the refusal reads as ReadOnlyDataSetError; on a bare DB-API connection
    it is SQLite's own error.
    """
    with pytest.raises((ReadOnlyDataSetError, sqlite3.Error)) as caught:
        write(graph)
    if isinstance(caught.value, ReadOnlyDataSetError):
        assert caught.value.dataset == "runtime"
    assert CityStore(graph).count() == CITY_COUNT
    assert RouteStore(graph).count() == 20


def test_attaching_a_new_database_creates_no_file(graph: Any, data_dir: Path) -> None:
    """A read-only connection cannot create files beside the artifact by ATTACH."""
    target = data_dir / "attached.sqlite"
    with pytest.raises(ReadOnlyDataSetError):
        driver_sql(f"ATTACH DATABASE '{target}' AS extra")(graph)
    assert not target.exists()


def test_refused_store_write_changes_nothing_even_in_the_session(graph: Any) -> None:
    """A refused create leaves nothing pending, so later reads in the thread see the file."""
    with pytest.raises(ReadOnlyDataSetError):
        CityStore(graph).create(new_city())
    with pytest.raises(Exception, match="not found"):
        CityStore(graph).get(999)
    session = CityStore(graph)._engine.session()
    assert not session.new and not session.dirty and not session.deleted


def test_enum_values_survive_a_read_only_round_trip(graph: Any) -> None:
    """Enum columns read back as members from a read-only file (nothing is rewritten)."""
    session = Base.new_session(graph)
    try:
        continents = session.scalars(select(Country.continent).order_by(Country.code)).all()
    finally:
        session.close()
    assert continents[0] is Continent.EUROPE


SHIPPED_PROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "shipped-runtime"
version = "1.0"

[project.entry-points."microcosm.sqlite"]
runtime = "shipped_runtime:locate"

[tool.setuptools]
packages = ["shipped_runtime"]

[tool.setuptools.package-data]
shipped_runtime = ["*.sqlite"]
"""

WRITE_SHIPPED_SCRIPT = """
import json
from microcosm.api import create_object_graph, load_from_dict
from fixtures.runtime import Base, City, CityStore
from microcosm_sqlite.errors import SQLiteError

graph = create_object_graph(
    "shipped", testing=True, loader=load_from_dict(sqlite=dict(read_only=False))
)
outcome = dict(
    origin=graph.sqlite.origin("runtime"),
    engine=type(graph.sqlite("runtime")).__name__,
    count=CityStore(graph).count(),
)
city = City(id=999, name="x", country_code="FR", population=1)
for name, write in [
    ("create", lambda: CityStore(graph).create(city)),
    ("delete", lambda: CityStore(graph).delete(country_code="FR")),
    ("create_all", lambda: Base.create_all(graph)),
]:
    try:
        write()
        outcome[name] = "written"
    except SQLiteError as error:
        outcome[name] = type(error).__name__
outcome["count after"] = CityStore(graph).count()
print(json.dumps(outcome))
"""


def test_a_data_set_shipped_by_an_installed_package_is_never_written(
    artifact: Path, tmp_path: Path
) -> None:
    """With read_only=false, an entry-point data set of a pip-installed package stays read-only."""
    project = tmp_path / "project"
    (project / "shipped_runtime").mkdir(parents=True)
    (project / "pyproject.toml").write_text(SHIPPED_PROJECT)
    (project / "shipped_runtime" / "__init__.py").write_text(
        "from importlib.resources import files\n\n\n"
        "def locate(graph):\n    return files(__name__) / 'runtime.sqlite'\n"
    )
    shutil.copyfile(artifact, project / "shipped_runtime" / "runtime.sqlite")
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "-t", target, project],
        check=True,
        timeout=300,
    )
    shipped = target / "shipped_runtime" / "runtime.sqlite"
    before = fingerprint(shipped), folder_listing(shipped)
    path = os.pathsep.join([str(target), *filter(None, sys.path)])
    result = subprocess.run(
        [sys.executable, "-c", WRITE_SHIPPED_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": path},
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome == {
        "origin": "entry point microcosm.sqlite:runtime = shipped_runtime:locate",
        "engine": "ReadOnlyEngine",
        "count": CITY_COUNT,
        "create": "ReadOnlyDataSetError",
        "delete": "ReadOnlyDataSetError",
        "create_all": "ReadOnlyDataSetError",
        "count after": CITY_COUNT,
    }
    assert (fingerprint(shipped), folder_listing(shipped)) == before
