"""
Startup and health checks: `graph.sqlite.check()` and one `/api/health` check per data set in a
real microcosm-flask app, so a missing or stale artifact fails before a request does, and a file
replaced under a running service is checked again before anything reads it.

"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.tools import alter
from microcosm.api import create_object_graph, load_from_dict
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from microcosm_sqlite import DataSet, DataSetBase, Store, dispose_sqlite_connections
from microcosm_sqlite.artifact.header import FileVersion
from microcosm_sqlite.building import build_from_rows
from microcosm_sqlite.errors import (
    DataSetCheckError,
    DataSetNotFoundError,
    NotADatabaseError,
    SchemaMismatchError,
    SQLiteError,
    UntrustedArtifactError,
)
from microcosm_sqlite.health import ArtifactVersion, names_in_use

TESTS = Path(__file__).parent

# a data set of this module's own: no other test defines models under its name
ShelfBase: Any = DataSet.create("shelf")


class Book(ShelfBase):
    __tablename__ = "book"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]


class BookStore(Store[Book]):
    model_class = Book


class Furnished(DataSetBase):
    """An application's class between DataSetBase and its data set bases."""


class CupboardBase(Furnished, DeclarativeBase, dataset="cupboard"):
    """A base that is no direct subclass of DataSetBase."""


class Cup(CupboardBase):
    __tablename__ = "cup"

    id: Mapped[int] = mapped_column(primary_key=True)
    colour: Mapped[str]


def build_shelf(path: Path, *titles: str) -> Path:
    """A built artifact of the `shelf` data set (with its manifest), one book per title."""
    rows = [{"id": index, "title": title} for index, title in enumerate(titles, 1)]
    build_from_rows(ShelfBase, {"book": rows}, path)
    return path


@pytest.fixture
def shelf(data_dir: Path) -> Path:
    """A sound artifact of the `shelf` data set."""
    return build_shelf(data_dir / "shelf.sqlite", "Dune")


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


def flask_graph(paths: dict[str, str]) -> Any:
    """A microcosm-flask app with the health convention and one check per data set."""
    graph = create_object_graph(
        "health-test",
        testing=True,
        loader=load_from_dict(
            sqlite=dict(paths=paths),
            sqlite_health=dict(datasets=",".join(sorted(paths))),
            health_convention=dict(include_build_info="false"),
        ),
    )
    graph.use("health_convention", "sqlite_health")
    return graph


@pytest.fixture
def health_graph() -> Iterator[Callable[[dict[str, Path]], Any]]:
    """Makes health-checked graphs of paths, and closes their connections afterwards."""
    graphs: list[Any] = []

    def make(paths: dict[str, Path]) -> Any:
        graphs.append(flask_graph({name: str(path) for name, path in paths.items()}))
        return graphs[-1]

    yield make
    for graph in graphs:
        dispose_sqlite_connections(graph)


@pytest.fixture
def capture_logs(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], None]]:
    """Puts `caplog`'s handler back on the root logger (from INFO) once a graph has removed it."""
    root = logging.getLogger()

    def capture() -> None:
        # microcosm's logging config replaces the root logger's handlers as a graph is created
        root.addHandler(caplog.handler)
        caplog.set_level(logging.INFO)

    yield capture
    root.removeHandler(caplog.handler)


def probe(graph: Any, status: int) -> dict[str, Any]:
    """One `/api/health` request: its checks, once its status and the absence of paths are."""
    response = graph.flask.test_client().get("/api/health")
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    for private in ("data dir", ".sqlite", "pytest-of", "sqlite.paths", "Traceback"):
        assert private not in text, f"{private!r} in {text}"
    checks: dict[str, Any] = response.json["checks"]
    return checks


# the OK message: the build from the manifest, the library that built it, size and time
HEALTHY = re.compile(
    r"ok, build ([0-9a-f]{12}) \(microcosm-sqlite [^)]+\), [0-9,]+ bytes,"
    r" modified \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
)


def test_health_reports_each_data_set_with_its_version(
    health_graph: Any, shelf: Path, data_dir: Path
) -> None:
    """With sound artifacts, /api/health is 200 and says which build each data set reads."""
    from fixtures.runtime import NotesBase

    notes = data_dir / "notes.sqlite"
    build_from_rows(NotesBase, {"note": []}, notes)
    checks = probe(health_graph({"shelf": shelf, "notes": notes}), 200)
    assert set(checks) == {"sqlite.shelf", "sqlite.notes"}
    assert checks["sqlite.shelf"]["ok"] is True
    assert HEALTHY.fullmatch(checks["sqlite.shelf"]["message"])
    assert f"{shelf.stat().st_size:,} bytes" in checks["sqlite.shelf"]["message"]


def test_health_fails_naming_a_missing_artifact(
    health_graph: Any, shelf: Path, data_dir: Path
) -> None:
    """A missing artifact makes /api/health 503, its check naming the data set, not the path."""
    checks = probe(health_graph({"shelf": shelf, "notes": data_dir / "missing.sqlite"}), 503)
    assert checks["sqlite.shelf"]["ok"] is True
    assert checks["sqlite.notes"] == {
        "ok": False,
        "message": "failing (DataSetNotFoundError): data set 'notes': its file is missing or"
        " cannot be read; no file",
    }


def garbage(path: Path) -> None:
    """Rename a file that is not SQLite over the path."""
    staged = path.with_name("garbage.tmp")
    staged.write_bytes(b"this is not an artifact\n" * 100)
    os.replace(staged, path)


def without_title(path: Path) -> None:
    """Rename over the path a copy whose book table lost a column the model maps."""
    staged = Path(shutil.copy(path, path.with_name("stale.tmp")))
    os.replace(alter(staged, "ALTER TABLE book DROP COLUMN title"), path)


def view_for_table(path: Path) -> None:
    """Rename over the path a copy where a view stands in the book table's place."""
    staged = Path(shutil.copy(path, path.with_name("crafted.tmp")))
    altered = alter(
        staged,
        "ALTER TABLE book RENAME TO book_data",
        "CREATE VIEW book AS SELECT * FROM book_data",
    )
    os.replace(altered, path)


REPLACEMENTS: dict[str, tuple[Callable[[Path], None], type[SQLiteError]]] = {
    "deleted": (Path.unlink, DataSetNotFoundError),
    "garbage": (garbage, NotADatabaseError),
    "a column missing": (without_title, SchemaMismatchError),
    "a view in the table's place": (view_for_table, UntrustedArtifactError),
}


@pytest.mark.parametrize(("replace", "error"), list(REPLACEMENTS.values()), ids=list(REPLACEMENTS))
def test_health_and_reads_follow_the_file_replaced_under_them(
    health_graph: Any,
    shelf: Path,
    replace: Callable[[Path], None],
    error: type[SQLiteError],
    caplog: pytest.LogCaptureFixture,
    capture_logs: Callable[[], None],
) -> None:
    """
    A file replaced under a running service fails the next probe, the check and every read with
    its own error, logged once at WARNING; a good file renamed into place passes again (INFO).

    """
    graph = health_graph({"shelf": shelf})
    capture_logs()
    books = BookStore(graph)
    assert books.get(1).title == "Dune"
    first = probe(graph, 200)["sqlite.shelf"]["message"]

    replace(shelf)
    for _ in range(3):
        failing = probe(graph, 503)["sqlite.shelf"]["message"]
        assert failing.startswith(f"failing ({error.__name__}): data set 'shelf': ")
        # what is at the path now, by size and time
        assert failing.endswith("; no file" if error is DataSetNotFoundError else "Z")
        with pytest.raises(error):
            books.get(1)
        with pytest.raises(DataSetCheckError) as caught:
            graph.sqlite.check("shelf")
        assert [type(problem) for problem in caught.value.problems] == [error]

    build_shelf(shelf.with_name("next.tmp"), "Dune", "Emma")
    os.replace(shelf.with_name("next.tmp"), shelf)
    again = probe(graph, 200)["sqlite.shelf"]["message"]
    assert HEALTHY.fullmatch(again) and again != first
    assert books.get(2).title == "Emma"

    logged = [(record.levelname, record.getMessage()) for record in caplog.records]
    assert not any("Exception in health check" in message for _, message in logged)
    ours = [(level, message) for level, message in logged if "its check" in message]
    assert [level for level, _ in ours] == ["WARNING", "INFO"]
    # the log is for operators: the path, and the developer's account of the error
    assert str(shelf) in ours[0][1] and f"({error.__name__})" in ours[0][1]
    assert "data set 'shelf' passes its check again" in ours[1][1]


def test_a_pinned_urls_sha256_is_part_of_the_version() -> None:
    """A data set read from a pinned URL's download shows the sha256 it was pinned by."""
    version = FileVersion(device=1, inode=2, size=4096, modified_ns=0)
    shown = str(ArtifactVersion.of_file(version, "https://host/a.sqlite#sha256=" + "ab" * 32))
    assert shown == f"sha256 {'ab' * 32}, 4,096 bytes, modified 1970-01-01T00:00:00Z"


LOAD_OUR_FACTORIES = """
import sys
from importlib.metadata import entry_points
ours = [each for each in entry_points(group="microcosm.factories") if each.value.startswith(
    "microcosm_sqlite.")]
assert {each.name for each in ours} >= {"sqlite", "sqlite_health"}, ours
for each in ours:
    each.load()
print(sorted(name for name in sys.modules if name.split(".")[0] in ("microcosm_flask", "flask",
    "marshmallow")))
"""


def test_our_graph_components_load_without_microcosm_flask() -> None:
    """
    microcosm loads every registered factory with every graph: ours (`sqlite_health` included)
    import nothing of microcosm-flask, Flask or marshmallow, so they never break a graph.

    """
    result = subprocess.run(
        [sys.executable, "-c", LOAD_OUR_FACTORIES], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
