"""2.x names keep working in 3.x, each with a DeprecationWarning naming its replacement."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from textwrap import dedent
from typing import Any
from uuid import UUID

import pytest
from fixtures.runtime import (
    CITY_COUNT,
    Base,
    City,
    CityStore,
    Continent,
    Country,
    CountryStore,
    city_values,
)

from microcosm_sqlite.errors import (
    BuildError,
    DataSetNotConfiguredError,
    DataSetNotFoundError,
    ReadOnlyDataSetError,
    SQLiteError,
    UnknownFilterError,
)


def test_new_object_id_gives_a_uuid_with_a_warning() -> None:
    """identifiers.new_object_id still gives a random UUID, and points to uuid4."""
    from microcosm_sqlite.identifiers import new_object_id

    with pytest.warns(DeprecationWarning, match="uuid4"):
        first = new_object_id()
    with pytest.warns(DeprecationWarning):
        second = new_object_id()
    assert isinstance(first, UUID) and first != second


def test_naming_convention_is_importable_with_a_warning() -> None:
    """constants.naming_convention keeps 2.x's keys, and says bases no longer apply it."""
    with pytest.warns(DeprecationWarning, match="naming_convention"):
        from microcosm_sqlite.constants import naming_convention
    assert sorted(naming_convention) == ["ck", "fk", "ix", "pk", "uq"]
    assert naming_convention["pk"] == "pk_%(table_name)s"


def test_include_stack_trace_is_false_as_in_2x() -> None:
    """microcosm-flask reads include_stack_trace on errors; it stays there, without a warning."""
    assert SQLiteError.include_stack_trace is False
    assert SQLiteError("x").include_stack_trace is False


def test_data_set_not_configured_is_a_key_error_with_a_readable_message() -> None:
    """2.x code catching KeyError for an unknown name keeps working; str() is not quoted."""
    error = DataSetNotConfiguredError("no path", dataset="x")
    assert isinstance(error, KeyError)
    assert str(error) == "data set 'x': no path"
    with pytest.raises(KeyError):
        raise error


def test_session_context_shares_its_session_with_stores(make_graph: Any, artifact: Path) -> None:
    """SessionContext opens a session that Store() calls see; changes last only if committed."""
    from microcosm_sqlite.context import SessionContext

    graph = make_graph({"runtime": str(artifact)}, read_only=False)
    with pytest.warns(DeprecationWarning, match="new_context"):
        context = SessionContext(graph, Base)
    with context:
        assert context.session is not None
        assert CityStore().get(1).id == 1
        CityStore().create(City(**city_values(999)))
        context.rollback()
        assert CityStore().count() == CityStore(graph).count()
    assert context.session is None
    with pytest.raises(SQLiteError, match="no graph"):
        CityStore().count()


def test_session_context_open_commit_close(make_graph: Any, artifact: Path) -> None:
    """The explicit open/commit/close style of 2.x keeps working."""
    from microcosm_sqlite.context import SessionContext

    graph = make_graph({"runtime": str(artifact)}, read_only=False)
    before = CityStore(graph).count()
    with pytest.warns(DeprecationWarning):
        context = SessionContext(graph, Base, expire_on_commit=True, defer_foreign_keys=True)
    context.open()
    CityStore().create(City(**city_values(999)))
    context.commit()
    context.close()
    assert CityStore(graph).count() == before + 1


def test_store_takes_get_or_create_session(graph: Any) -> None:
    """Store(GetOrCreateSession(graph)), positional or as get_session=, reads from the graph."""
    from microcosm_sqlite.stores import GetOrCreateSession

    with pytest.warns(DeprecationWarning, match="Store\\(graph\\)"):
        getter = GetOrCreateSession(graph)
    with pytest.warns(DeprecationWarning, match="Store\\(graph\\)"):
        positional = CityStore(getter)
    with pytest.warns(DeprecationWarning, match="Store\\(graph\\)"):
        keyword = CityStore(get_session=getter)
    assert positional.graph is graph and keyword.graph is graph
    assert positional.get(1).id == keyword.get(1).id == 1
    with pytest.warns(DeprecationWarning, match="Store.session"):
        session = positional.session
    assert session.get(City, 1) is not None


def test_store_with_get_session_uses_the_open_context(graph: Any) -> None:
    """Store(get_session=get_session) reads through the context it is called in."""
    from microcosm_sqlite.stores import get_session

    with pytest.warns(DeprecationWarning, match="new_context"):
        store = CityStore(get_session=get_session)
    with Base.new_context(graph) as session:
        assert store.count() == CityStore(graph).count()
        with pytest.warns(DeprecationWarning, match="get_session"):
            assert get_session(store) is session
        with pytest.warns(DeprecationWarning):
            assert store.session is session


def test_store_refuses_other_session_getters() -> None:
    """Any other get_session callable is a TypeError pointing to the upgrade guide."""
    with pytest.raises(TypeError, match=r"UPGRADING\.md"):
        CityStore(get_session=lambda store: None)


def test_graph_sqlite_unpacks_into_engine_and_session_maker(graph: Any) -> None:
    """`engine, Session = graph.sqlite(name)` gives a SQLAlchemy engine and a session maker."""
    with pytest.warns(DeprecationWarning, match="new_session"):
        engine, Session = graph.sqlite("runtime")
    assert engine is graph.sqlite("runtime").engine
    with Session() as session:
        assert session.get(City, 1) is not None


def test_graph_sqlite_paths_and_datasets(graph: Any, artifact: Path) -> None:
    """`graph.sqlite.paths` and `.datasets` list configured paths and opened data sets."""
    CityStore(graph).get(1)
    with pytest.warns(DeprecationWarning, match="graph.sqlite.paths"):
        paths = graph.sqlite.paths
    assert paths["runtime"] == str(artifact)
    with pytest.warns(DeprecationWarning, match="graph.sqlite.datasets"):
        datasets = graph.sqlite.datasets
    assert datasets["runtime"] is graph.sqlite("runtime")


def test_graph_sqlite_setitem_registers_a_path_before_first_use(
    make_graph: Any, artifact: Path
) -> None:
    """`graph.sqlite[name] = path` works before the data set is used, and is refused after."""
    graph = make_graph({})
    with pytest.warns(DeprecationWarning, match="sqlite.paths"):
        graph.sqlite["runtime"] = str(artifact)
    assert CityStore(graph).get(1).id == 1
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="already in use"):
        graph.sqlite["runtime"] = str(artifact)


def test_resolve_gives_the_data_set_base() -> None:
    """`Model.resolve()` and `Base.resolve()` give the data set's base, with a warning."""
    with pytest.warns(DeprecationWarning, match="engine_for"):
        assert City.resolve() is Base
    with pytest.warns(DeprecationWarning):
        assert Base.resolve() is Base


# --- behaviour 3.x refuses on purpose: the error says what changed and where to read more ------


def test_missing_file_points_to_the_upgrade_guide(make_graph: Any, tmp_path: Path) -> None:
    """2.x created an empty file for a missing path; 3.x refuses and says so."""
    missing = tmp_path / "missing.sqlite"
    graph = make_graph({"runtime": str(missing)})
    with pytest.raises(DataSetNotFoundError, match=r"never creates.*UPGRADING\.md#config"):
        CityStore(graph).count()
    assert not missing.exists()


def test_unconfigured_name_points_to_the_upgrade_guide(make_graph: Any) -> None:
    """2.x fell back to :memory: for a name with no path; 3.x refuses and says so."""
    graph = make_graph({})
    with pytest.raises(DataSetNotConfiguredError, match=r":memory:.*UPGRADING\.md#config"):
        CityStore(graph).count()


def test_unknown_filter_keyword_points_to_the_upgrade_guide(graph: Any) -> None:
    """2.x ignored an unknown keyword and matched everything; 3.x refuses and says so."""
    with pytest.raises(UnknownFilterError, match=r"2\.x ignored.*UPGRADING\.md#stores"):
        CityStore(graph).search(nmae="city-001")


def test_write_to_read_only_data_set_points_to_the_upgrade_guide(graph: Any) -> None:
    """2.x wrote by default; 3.x data sets are read-only unless the config says otherwise."""
    with pytest.raises(ReadOnlyDataSetError, match=r"read_only=False.*UPGRADING\.md#config"):
        CityStore(graph).create(City(**city_values(999)))


def test_base_session_is_the_open_context_session(make_graph: Any, artifact: Path) -> None:
    """`Base.session` gives the session of the open context (None outside one), with a warning."""
    from microcosm_sqlite.context import SessionContext

    graph = make_graph({"runtime": str(artifact)}, read_only=False)
    with pytest.warns(DeprecationWarning, match="new_context"):
        assert Base.session is None
    with Base.new_context(graph) as session, pytest.warns(DeprecationWarning):
        assert Base.session is session
        assert City.session is session
    with pytest.warns(DeprecationWarning):
        context = SessionContext(graph, Base)
    with context, pytest.warns(DeprecationWarning):
        assert Base.session is context.session
        assert Base.session.get(City, 1) is not None


def test_base_local_is_a_per_thread_namespace() -> None:
    """`Base.local` is 2.x's per-thread namespace for the data set, shared by its models."""
    with pytest.warns(DeprecationWarning, match="Store\\(graph\\)"):
        local = Base.local
    local.session = "mine"
    seen: list[bool] = []

    def look() -> None:
        with pytest.warns(DeprecationWarning):
            seen.append(hasattr(City.local, "session"))

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    with pytest.warns(DeprecationWarning):
        assert City.local.session == "mine"
    assert seen == [False]


def test_models_may_name_columns_session_and_local() -> None:
    """The shims give way to a model's own columns of those names, without a warning."""
    from sqlalchemy import Column, Integer, String

    from microcosm_sqlite import DataSet

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        base = DataSet.create("compat_columns")

        class Meeting(base):  # type: ignore[valid-type, misc]
            __tablename__ = "meeting"
            id = Column(Integer, primary_key=True)
            session = Column(String)
            local = Column(String)

        meeting = Meeting(session="morning", local="room 1")
    assert (meeting.session, meeting.local) == ("morning", "room 1")
    assert list(Meeting.__table__.columns.keys()) == ["id", "session", "local"]


# --- 2.x's CSV builder --------------------------------------------------------------------------


def csv_text(text: str) -> io.StringIO:
    return io.StringIO(dedent(text).strip() + "\n")


@pytest.fixture
def writable(make_graph: Any, tmp_path: Path) -> Any:
    """A writable graph whose `runtime` data set has its tables and no rows, as 2.x tests began."""
    graph = make_graph({"runtime": str(tmp_path / "writable.sqlite")}, read_only=False)
    Base.create_all(graph)
    return graph


def test_builder_default_fills_columns_the_source_leaves_out(writable: Any) -> None:
    """`.default(**values)` sets a column for every row; the file's own values win."""
    countries = csv_text("""
        code,name,landlocked
        CH,Switzerland,true
        FR,France,false
    """)
    with pytest.warns(DeprecationWarning, match="default="):
        load = writable.sqlite_builder.csv(Country).default(continent="EUROPE", name="?")
    assert load.build(countries) == {"country": 2}
    rows = {country.code: country for country in CountryStore(writable).search()}
    assert rows["CH"].continent is rows["FR"].continent is Continent.EUROPE
    assert (rows["CH"].name, rows["CH"].landlocked) == ("Switzerland", True)
    assert (rows["FR"].name, rows["FR"].landlocked) == ("France", False)


def test_builder_bulk_loads_pairs_of_a_data_set_in_one_go(writable: Any) -> None:
    """`csv(Base).bulk().build([(Model, fileobj), ...])`: a model may come twice, in any order."""
    with pytest.warns(DeprecationWarning, match=r"csv\(Base\)"):
        load = writable.sqlite_builder.csv(Base)
    with pytest.warns(DeprecationWarning, match="bulk"):
        load = load.bulk()
    counts = load.build(
        [
            (Country, csv_text("code,name,continent\nFR,France,EUROPE")),
            # Japan comes later: foreign keys are checked once every row is in, as 2.x deferred them
            (
                City,
                csv_text("id,name,country_code,population,unknown\n1,Paris,FR,2,x\n2,Osaka,JP,3,y"),
            ),
            (Country, csv_text("code,name,continent\nJP,Japan,ASIA")),
        ]
    )
    assert counts == {"country": 2, "city": 2}
    assert [city.country.name for city in CityStore(writable).search()] == ["France", "Japan"]


def test_builder_bulk_keeps_nothing_when_a_row_fails(writable: Any) -> None:
    """A 2.x load is 3.x's single transaction: a dangling foreign key leaves no row behind."""
    with pytest.warns(DeprecationWarning):
        load = writable.sqlite_builder.csv(Base).bulk()
    with pytest.raises(BuildError):
        load.build(
            [
                (Country, csv_text("code,name,continent\nFR,France,EUROPE")),
                (City, csv_text("id,name,country_code,population\n1,Paris,XX,2")),
            ]
        )
    assert CountryStore(writable).count() == 0


def test_builder_delete_before_load_replaces_the_rows(writable: Any) -> None:
    """`delete_before_load=True` empties the tables first, even with rows referring to them."""
    writable.sqlite_builder.csv(Country, City).build(
        csv_text("code,name,continent\nFR,France,EUROPE\nDE,Germany,EUROPE"),
        csv_text("id,name,country_code,population\n1,Paris,FR,2"),
    )
    with pytest.warns(DeprecationWarning) as caught:
        load = writable.sqlite_builder.csv(Base, delete_before_load=True).bulk()
    assert "csv(..., delete_before_load=)" in str(caught[0].message)
    load.build(
        [
            (City, csv_text("id,name,country_code,population\n7,Tokyo,JP,9")),
            (Country, csv_text("code,name,continent\nJP,Japan,ASIA")),
        ]
    )
    assert [country.code for country in CountryStore(writable).search()] == ["JP"]
    assert [city.name for city in CityStore(writable).search()] == ["Tokyo"]


def test_builder_commit_on_insert_is_accepted(writable: Any) -> None:
    """`commit_on_insert=True` warns and loads; the load stays one transaction."""
    with pytest.warns(DeprecationWarning, match="commit_on_insert"):
        load = writable.sqlite_builder.csv(Country, commit_on_insert=True)
    assert load.build(csv_text("code,name,continent\nFR,France,EUROPE")) == {"country": 1}
    with pytest.raises(TypeError, match="unexpected keyword"):
        writable.sqlite_builder.csv(Country, commit_on_each_row=True)


def test_csv_builder_module_loads_into_the_graph(writable: Any) -> None:
    """`microcosm_sqlite.builders.csv.CSVBuilder(graph, Model)` loads as `sqlite_builder` does."""
    from microcosm_sqlite.builders.csv import CSVBuilder

    with pytest.warns(DeprecationWarning, match="graph.sqlite_builder.csv"):
        builder = CSVBuilder(writable, Country)
    builder.build(csv_text("code,name,continent\nFR,France,EUROPE"))
    with pytest.warns(DeprecationWarning, match="graph.sqlite_builder"):
        from microcosm_sqlite.builders import SQLiteBuilder
    assert isinstance(writable.sqlite_builder, SQLiteBuilder)
    assert CountryStore(writable).get("FR").name == "France"


def test_builder_3x_calls_do_not_warn(writable: Any) -> None:
    """The call both versions share, `csv(Model).build(fileobj)`, is 3.x's and stays quiet."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        counts = writable.sqlite_builder.csv(Country).build(
            csv_text("code,name,continent\nFR,France,EUROPE")
        )
    assert counts == {"country": 1}


def test_builder_2x_options_refuse_a_read_only_data_set(graph: Any) -> None:
    """Emptying tables is a write: refused on a read-only data set, pointing to UPGRADING.md."""
    with pytest.warns(DeprecationWarning):
        load = graph.sqlite_builder.csv(City, delete_before_load=True)
    with pytest.raises(ReadOnlyDataSetError, match=r"UPGRADING\.md"):
        load.build(csv_text("id,name,country_code,population\n1,Paris,FR,2"))
    assert CityStore(graph).count() == CITY_COUNT


# --- 2.x's CSV dumper ---------------------------------------------------------------------------

CITY_FIELDS = ["id", "name", "country_code", "population"]


def test_dumper_writes_chosen_fields_with_2x_line_ends(graph: Any) -> None:
    """`dump(fileobj, field_names=[...])`: every row, those columns, `\\r\\n` as in 2.x."""
    out = io.StringIO()
    with pytest.warns(DeprecationWarning, match="csv.DictWriter"):
        count = graph.sqlite_dumper.csv(CityStore(graph)).dump(out, field_names=CITY_FIELDS)
    lines = out.getvalue().split("\r\n")
    assert count == CITY_COUNT and len(lines) == CITY_COUNT + 2 and lines[-1] == ""
    assert lines[:2] == ["id,name,country_code,population", "1,city-001,DE,1000"]


def test_dumper_custom_header_and_chosen_items(graph: Any) -> None:
    """`custom_header` labels the columns; `items` picks the rows, in the order given."""
    store = CityStore(graph)
    out = io.StringIO()
    with pytest.warns(DeprecationWarning, match=r"items=\.\.\., field_names=.*custom_header="):
        graph.sqlite_dumper.csv(store).dump(
            out,
            field_names=CITY_FIELDS,
            custom_header=dict(id="ID", name="Name", country_code="Country", population="Pop"),
            items=[store.get(3), store.get(2)],
        )
    assert out.getvalue() == "ID,Name,Country,Pop\r\n3,city-003,JP,3000\r\n2,city-002,FR,2000\r\n"


def test_dumper_extra_columns_raise_unless_ignored(graph: Any) -> None:
    """As 2.x's DictWriter: columns left out of `field_names` raise, unless extras_action says."""
    store = CityStore(graph)
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="population"):
        graph.sqlite_dumper.csv(store).dump(io.StringIO(), field_names=["id", "name"])
    out = io.StringIO()
    with pytest.warns(DeprecationWarning):
        graph.sqlite_dumper.csv(store).dump(
            out, field_names=["id", "name"], extras_action="ignore", items=[store.get(1)]
        )
    assert out.getvalue() == "id,name\r\n1,city-001\r\n"


def test_dumper_model_cls_and_csv_dumper_module(graph: Any) -> None:
    """`csv(store, model_cls=...)` and `dumpers.csv.CSVDumper(graph, store)` dump as 2.x did."""
    from microcosm_sqlite.dumpers.csv import CSVDumper

    out = io.StringIO()
    with pytest.warns(DeprecationWarning, match="model_cls"):
        dump = graph.sqlite_dumper.csv(CityStore(graph), model_cls=Country)
    with pytest.warns(DeprecationWarning):
        assert dump.dump(out, field_names=["code", "name", "continent", "landlocked"]) == 6
    assert out.getvalue().splitlines()[1] == "CH,Switzerland,Continent.EUROPE,True"
    with pytest.warns(DeprecationWarning, match="graph.sqlite_dumper.csv"):
        dumper = CSVDumper(graph, CityStore(graph))
    with pytest.warns(DeprecationWarning):
        assert dumper.dump(io.StringIO(), items=[]) == 0
    with pytest.warns(DeprecationWarning, match="graph.sqlite_dumper"):
        from microcosm_sqlite.dumpers import SQLiteDumper
    assert isinstance(graph.sqlite_dumper, SQLiteDumper)


def test_dumper_3x_call_is_quiet_and_keeps_newlines(graph: Any) -> None:
    """`dump(fileobj)`, the call both versions share, writes 3.x's source, lines ending `\\n`."""
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert graph.sqlite_dumper.csv(CityStore(graph)).dump(out) == CITY_COUNT
    assert "\r" not in out.getvalue()
    assert out.getvalue().startswith("id,name,country_code,population\n1,city-001,DE,1000\n")


# --- done when: a 2.x application runs unchanged, with only deprecation warnings -----------------


def test_an_application_written_for_2x_runs_with_deprecation_warnings_only(
    tmp_path: Path,
) -> None:
    """
    tests/compat/app_2x.py, in 2.x's README and API style (plus read_only=False where it
    writes), runs in a child process where any other warning is an error; every warning ours
    raises points at the application's line, names a replacement and the upgrade guide.

    """
    script = Path(__file__).with_name("app_2x.py")
    result = subprocess.run(
        [sys.executable, "-W", "error", "-W", "always::DeprecationWarning", script, tmp_path],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "people 4",
        "search ['Andrew', 'Draymond', 'Klay', 'Stephen']",
        "filter ['Stephen']",
        "first Andrew one Klay",
        "not found",
        "dogs [('Reza', 'Stephen'), ('Rocco', 'Klay')]",
        "resolve True True",
        "context 4",
        "thread 4",
        "session 2 sqlite app_2x.sqlite",
        "dump '1,Stephen,Curry\\r\\n'",
        "id 36",
    ]
    ours = [
        line
        for line in result.stderr.splitlines()
        if "microcosm_sqlite" in line or "app_2x.py" in line
    ]
    warned = [line for line in ours if "Warning: " in line]
    assert len(warned) >= 12
    for line in warned:
        assert "app_2x.py:" in line and "DeprecationWarning: " in line, line
        assert "is deprecated;" in line and "(see UPGRADING.md)" in line, line
