"""
The pytest plugin (`microcosm_sqlite.testing`): installed through the `pytest11` entry point,
its fixtures build an artifact for a test and a graph that reads it.

Each test runs a user's test suite in its own pytest process (`pytester`), with no conftest,
so the fixtures can only come from the installed entry point.

"""

from __future__ import annotations

import os
from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

MODELS = """
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microcosm_sqlite import DataSet, Store

Base = DataSet.create("reference")


class Country(Base):
    __tablename__ = "country"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str]


class City(Base):
    __tablename__ = "city"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    population: Mapped[int]
    country_code: Mapped[str] = mapped_column(ForeignKey("country.code"), index=True)
    country: Mapped[Country] = relationship()


class CityStore(Store[City]):
    model_class = City
    auto_filter_fields = [City.name, City.country_code]
"""

ROWS = """
ROWS = {
    "country": [{"code": "FR", "name": "France"}, {"code": "JP", "name": "Japan"}],
    "city": [
        {"id": 1, "name": "Paris", "population": 2102650, "country_code": "FR"},
        {"id": 3, "name": "Tokyo", "population": 14047594, "country_code": "JP"},
    ],
}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A user's project: the quickstart's models and some rows, and no conftest."""
    pytester.makepyfile(reference_models=MODELS, reference_rows=ROWS)
    # as strict as ours, but for microcosm-flask's stack (see setup.cfg's filterwarnings)
    pytester.makeini(
        "[pytest]\nfilterwarnings =\n    error\n"
        + "".join(
            f"    ignore::DeprecationWarning:{module}.*\n"
            for module in ("microcosm_flask", "marshmallow", "openapi")
        )
    )
    pytester.syspathinsert()
    return pytester


def run(project: pytest.Pytester) -> pytest.RunResult:
    """The project's suite in a new process, strict about warnings as ours is."""
    return project.runpytest_subprocess("-p", "no:cacheprovider")


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    """Installing the library registers `microcosm_sqlite.testing` with pytest."""
    plugins = {entry.name: entry.value for entry in entry_points(group="pytest11")}

    assert plugins.get("microcosm_sqlite") == "microcosm_sqlite.testing"


def test_a_service_test_reads_rows_in_three_lines(project: pytest.Pytester) -> None:
    """`sqlite_graph(Base, rows)` gives a graph whose Stores read those rows from an artifact."""
    project.makepyfile(
        test_service="""
        from reference_models import Base, CityStore
        from reference_rows import ROWS


        def test_cities(sqlite_graph):
            graph = sqlite_graph(Base, ROWS)
            assert CityStore(graph).get(3).country.name == "Japan"
            assert [city.name for city in CityStore(graph).search(country_code="FR")] == ["Paris"]
    """
    )

    run(project).assert_outcomes(passed=1)


def test_the_artifact_is_read_only_and_built_from_a_source_directory(
    project: pytest.Pytester,
) -> None:
    """`sqlite_artifact(Base, source_dir=...)` builds a read-only file the graph cannot write."""
    sources = project.mkdir("sources")
    (sources / "country.csv").write_text("code,name\nFR,France\n")
    (sources / "city.csv").write_text("id,name,population,country_code\n1,Paris,2102650,FR\n")
    project.makepyfile(
        test_sources=f"""
        import os

        import pytest
        from reference_models import Base, City, CityStore
        from microcosm_sqlite.errors import ReadOnlyDataSetError


        def test_from_sources(sqlite_artifact, sqlite_graph):
            path = sqlite_artifact(Base, source_dir={str(sources)!r})
            assert not os.access(path, os.W_OK) or os.geteuid() == 0
            graph = sqlite_graph(Base, artifact=path)
            assert graph.sqlite["reference"] == str(path)
            assert CityStore(graph).get(1).name == "Paris"
            with pytest.raises(ReadOnlyDataSetError):
                CityStore(graph).create(City(id=2, name="Lyon", population=1, country_code="FR"))
    """
    )

    run(project).assert_outcomes(passed=1)


def test_bad_rows_fail_the_test_with_the_builds_problems(project: pytest.Pytester) -> None:
    """Test data that would not build fails the test, each problem named by table and index."""
    project.makepyfile(
        test_bad="""
        from reference_models import Base


        def test_bad(sqlite_graph):
            sqlite_graph(Base, {"country": [{"code": "FRA", "name": "France"}], "city": []})
    """
    )

    result = run(project)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*BuildError*1 problem in the rows*"])
    assert "country[0]: column 'code': 'FRA' is longer than 2 characters" in result.stdout.str()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to list open files")
def test_graph_connections_are_closed_after_the_test(project: pytest.Pytester) -> None:
    """When the test ends the artifact's file is closed, though its graph is still referenced."""
    project.makepyfile(
        test_closing="""
        import os

        from reference_models import Base, CityStore
        from reference_rows import ROWS

        KEPT = []


        def open_files():
            found = set()
            for descriptor in os.listdir("/proc/self/fd"):
                try:
                    found.add(os.path.realpath(f"/proc/self/fd/{descriptor}"))
                except OSError:
                    pass
            return found


        def test_read(sqlite_graph):
            graph = sqlite_graph(Base, ROWS)
            assert CityStore(graph).count() == 2
            KEPT.append((graph, os.path.realpath(graph.sqlite["reference"])))
            assert KEPT[0][1] in open_files()


        def test_closed_afterwards():
            assert KEPT[0][1] not in open_files()
    """
    )

    run(project).assert_outcomes(passed=2)
