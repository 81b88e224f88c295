"""
Startup and health checks: `graph.sqlite.check()` and one `/api/health` check per data set in a
real microcosm-flask app, so a missing or stale artifact fails before a request does.

"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from microcosm.api import create_object_graph, load_from_dict
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from microcosm_sqlite import DataSet, DataSetBase, dispose_sqlite_connections
from microcosm_sqlite.errors import (
    DataSetCheckError,
    DataSetNotFoundError,
    SchemaMismatchError,
)
from microcosm_sqlite.health import names_in_use

TESTS = Path(__file__).parent

# a data set of this module's own: no other test defines models under its name
ShelfBase = DataSet.create("shelf")


class Book(ShelfBase):
    __tablename__ = "book"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]


class Furnished(DataSetBase):
    """An application's class between DataSetBase and its data set bases."""


class CupboardBase(Furnished, DeclarativeBase, dataset="cupboard"):
    """A base that is no direct subclass of DataSetBase."""


class Cup(CupboardBase):
    __tablename__ = "cup"

    id: Mapped[int] = mapped_column(primary_key=True)
    colour: Mapped[str]


@pytest.fixture
def shelf(build: Any, data_dir: Path) -> Path:
    """A sound artifact of the `shelf` data set."""
    rows = [Book(id=1, title="Dune")]
    path: Path = build(data_dir / "shelf.sqlite", rows=rows, base=ShelfBase, name="shelf")
    return path


@pytest.fixture
def stale(artifact: Path, data_dir: Path) -> Path:
    """A copy of the sample artifact whose city table lost a column the models map."""
    path = data_dir / "stale.sqlite"
    path.write_bytes(artifact.read_bytes())
    with sqlite3.connect(path) as connection:
        connection.execute("ALTER TABLE city DROP COLUMN population")
    connection.close()
    return path


def test_check_answers_what_it_checked(make_graph: Any, shelf: Path) -> None:
    """A sound data set checks out, said with its path and where the path came from."""
    graph = make_graph({"shelf": str(shelf)})
    assert graph.sqlite.check("shelf") == {"shelf": f"{shelf} (from config sqlite.paths)"}


def test_check_lists_every_problem_at_once(make_graph: Any, stale: Path, data_dir: Path) -> None:
    """A stale artifact and a missing one: one 503 error naming both data sets."""
    graph = make_graph({"runtime": str(stale), "notes": str(data_dir / "gone.sqlite")})
    with pytest.raises(DataSetCheckError) as caught:
        graph.sqlite.check("runtime", "notes")
    error = caught.value
    assert error.status_code == 503
    kinds = [type(problem) for problem in error.problems]
    assert kinds == [SchemaMismatchError, DataSetNotFoundError]
    assert "2 data set checks failed" in str(error)
    assert "column population is missing" in str(error)
    assert "data set 'notes'" in str(error)


def test_check_covers_bases_declared_through_an_intermediate_class(
    make_graph: Any, build: Any, data_dir: Path
) -> None:
    """A base under an application's own class is in use, and its models are checked."""
    path: Path = build(
        data_dir / "cupboard.sqlite",
        rows=[Cup(id=1, colour="red")],
        base=CupboardBase,
        name="cupboard",
    )
    with sqlite3.connect(path) as connection:
        connection.execute("ALTER TABLE cup DROP COLUMN colour")
    connection.close()
    graph = make_graph({"cupboard": str(path)})
    assert "cupboard" in names_in_use(graph.sqlite)
    with pytest.raises(DataSetCheckError, match="column colour is missing"):
        graph.sqlite.check("cupboard")


CHECK_IN_USE = """
import json, sys
from microcosm.api import create_object_graph, load_from_dict
import fixtures.runtime  # defines the runtime and notes data sets
from microcosm_sqlite.errors import DataSetCheckError
graph = create_object_graph(
    "svc", loader=load_from_dict(sqlite=dict(paths=dict(runtime=sys.argv[1], notes=sys.argv[2])))
)
try:
    print(json.dumps(sorted(graph.sqlite.check())))
except DataSetCheckError as error:
    print(json.dumps([str(problem) for problem in error.problems]))
"""


def test_check_with_no_names_covers_every_data_set_in_use(artifact: Path, tmp_path: Path) -> None:
    """A service's models declare what it uses: both of its data sets are checked."""
    result = subprocess.run(
        [sys.executable, "-c", CHECK_IN_USE, str(artifact), str(tmp_path / "none.sqlite")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(TESTS)},
    )
    assert result.returncode == 0, result.stderr
    assert "data set 'notes'" in result.stdout
    assert "no file exists" in result.stdout
    assert "'runtime'" not in result.stdout


# microcosm-flask 6.1 imports distutils and pkg_resources, so the test extra installs it only
# before Python 3.12
needs_flask = pytest.mark.skipif(
    find_spec("microcosm_flask") is None, reason="microcosm-flask 6.1 needs Python < 3.12"
)


def flask_graph(paths: dict[str, str]) -> Any:
    """A microcosm-flask app with the health convention and one check per data set."""
    graph = create_object_graph(
        "health-test",
        testing=True,
        loader=load_from_dict(
            sqlite=dict(paths=paths),
            sqlite_health=dict(datasets="shelf,notes"),
            health_convention=dict(include_build_info="false"),
        ),
    )
    graph.use("health_convention", "sqlite_health")
    return graph


@needs_flask
def test_health_reports_each_data_set(shelf: Path, build: Any, data_dir: Path) -> None:
    """With sound artifacts, /api/health is 200 and lists each data set with its file."""
    from fixtures.runtime import NotesBase

    notes = build(data_dir / "notes.sqlite", rows=[], base=NotesBase, name="notes")
    graph = flask_graph({"shelf": str(shelf), "notes": str(notes)})
    try:
        response = graph.flask.test_client().get("/api/health")
        assert response.status_code == 200
        body = response.json
        assert body["ok"] is True
        assert set(body["checks"]) == {"sqlite.shelf", "sqlite.notes"}
        assert body["checks"]["sqlite.shelf"] == {
            "ok": True,
            "message": f"{shelf} (from config sqlite.paths)",
        }
    finally:
        dispose_sqlite_connections(graph)


@needs_flask
def test_health_fails_naming_a_missing_artifact(shelf: Path, data_dir: Path) -> None:
    """A missing artifact makes /api/health 503, its check naming the data set and path."""
    missing = data_dir / "missing.sqlite"
    graph = flask_graph({"shelf": str(shelf), "notes": str(missing)})
    try:
        response = graph.flask.test_client().get("/api/health")
        assert response.status_code == 503
        checks = response.json["checks"]
        assert checks["sqlite.shelf"]["ok"] is True
        assert checks["sqlite.notes"]["ok"] is False
        assert "data set 'notes'" in checks["sqlite.notes"]["message"]
        assert str(missing) in checks["sqlite.notes"]["message"]
    finally:
        dispose_sqlite_connections(graph)
