"""
`DataSet.create`: per-data-set bases, their class methods, sessions and contexts.

"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fixtures.runtime import (
    AIRPORTS,
    CITY_COUNT,
    Base,
    City,
    CityStore,
    Continent,
    Country,
    CountryStore,
    Note,
    NotesBase,
    NoteStore,
    Route,
    RouteStore,
)
from sqlalchemy import inspect, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from microcosm_sqlite import DataSet, DataSetBase, Store
from microcosm_sqlite._sqla_internals import STATE_ATTR
from microcosm_sqlite.dataset import data_set_bases
from microcosm_sqlite.errors import ReadOnlyDataSetError, SQLiteError
from microcosm_sqlite.reading.sessions import DeferredState


def table_names(graph: Any, base: Any = Base) -> set[str]:
    return set(inspect(base.engine_for(graph).engine).get_table_names())


def test_create_gives_a_declarative_base_named_for_the_data_set() -> None:
    """Each base carries its data set's name and its own metadata."""
    base = DataSet.create("some_set")
    assert base.__dataset__ == "some_set"
    assert base.metadata is not Base.metadata
    assert base.__name__ == "SomeSetBase"


@pytest.mark.parametrize("name", ["", None, 3])
def test_create_refuses_a_name_that_is_not_a_non_empty_string(name: Any) -> None:
    """A data set needs a real name to find its path."""
    with pytest.raises(ValueError, match="non-empty name"):
        DataSet.create(name)


def test_base_holds_no_engine_or_session(graph: Any) -> None:
    """
    Reading leaves no engine or session on the base or model classes: state lives on the graph.
    (A fast read may give the base its state descriptor, which holds nothing.)

    """
    before = {key for base in (Base, Country, City) for key in vars(base)}
    CityStore(graph).get(1).country.name  # noqa: B018
    after = {key for base in (Base, Country, City) for key in vars(base)}
    assert after - before <= {STATE_ATTR}
    descriptor = vars(Base).get(STATE_ATTR)
    assert descriptor is None or (isinstance(descriptor, DeferredState) and not vars(descriptor))


def test_mapped_and_classic_models_both_read_back(graph: Any) -> None:
    """A Mapped/mapped_column model and a classic Column model read back their values."""
    country = CountryStore(graph).get("NP")
    city = CityStore(graph).get(7)
    assert (country.name, country.continent, country.landlocked) == ("Nepal", Continent.ASIA, True)
    assert (city.name, city.country_code, city.population) == ("city-007", "DE", 7000)


def test_lazy_relationships_load_after_the_store_call_returned(graph: Any) -> None:
    """Both directions of a relationship load lazily on instances a Store call returned."""
    city = CityStore(graph).get(7)
    assert "country" not in city.__dict__
    assert city.country.name == "Germany"
    country = CountryStore(graph).get("JP")
    assert [each.id for each in country.cities] == list(range(3, CITY_COUNT + 1, 6))
    searched = CityStore(graph).search(country_code="US", limit=2)
    assert [each.country.code for each in searched] == ["US", "US"]


def test_create_all_and_drop_all_on_a_writable_data_set(make_graph: Any, tmp_path: Path) -> None:
    """create_all makes every table, drop_all removes them, recreate_all empties them."""
    graph = make_graph({"runtime": str(tmp_path / "w.sqlite")}, read_only=False)
    Base.create_all(graph)
    assert table_names(graph) == {"country", "city", "route"}
    with Base.new_context(graph):
        RouteStore().create(Route(origin="AMS", destination="CDG", distance=1))
    Base.recreate_all(graph)
    assert table_names(graph) == {"country", "city", "route"}
    assert RouteStore(graph).count() == 0
    Base.drop_all(graph)
    assert table_names(graph) == set()


@pytest.mark.parametrize("method", ["create_all", "drop_all", "recreate_all"])
def test_schema_changes_are_refused_on_a_read_only_data_set(
    make_graph: Any, artifact: Path, method: str
) -> None:
    """Schema changes on a read-only data set raise and leave the file's bytes as they were."""
    before = artifact.read_bytes()
    graph = make_graph({"runtime": str(artifact)})
    with pytest.raises(ReadOnlyDataSetError, match="read-only") as caught:
        getattr(Base, method)(graph)
    assert caught.value.dataset == "runtime"
    assert caught.value.path == str(artifact)
    assert artifact.read_bytes() == before
    assert CityStore(graph).count() == CITY_COUNT


def test_new_session_reads_with_a_session_the_caller_owns(graph: Any) -> None:
    """new_session gives a plain session over the data set, separate for each call."""
    session = Base.new_session(graph)
    other = Base.new_session(graph)
    try:
        assert session is not other
        codes = session.scalars(select(Country.code).order_by(Country.code)).all()
        assert codes == ["CH", "DE", "FR", "JP", "NP", "US"]
    finally:
        session.close()
        other.close()


def test_store_without_graph_reads_inside_new_context(graph: Any) -> None:
    """Store() with no graph reads through the session of the open new_context."""
    with Base.new_context(graph) as session:
        city = CityStore().get(5)
        assert city in session
        assert CityStore().count(country_code="US") == CITY_COUNT // 6
        assert city.country.code == "US"


def test_store_without_graph_outside_a_context_is_a_clear_error() -> None:
    """Store() with no graph and no open context names the store and the data set."""
    with pytest.raises(SQLiteError, match=r"CityStore\(\) has no graph.*'runtime'"):
        CityStore().get(1)


def test_store_without_graph_fails_again_after_the_context_closed(graph: Any) -> None:
    """Leaving new_context closes it for Store() calls."""
    with Base.new_context(graph):
        CityStore().get(1)
    with pytest.raises(SQLiteError, match="has no graph"):
        CityStore().get(1)


def test_nested_contexts_for_two_data_sets(
    make_graph: Any, build: Any, artifact: Path, data_dir: Path
) -> None:
    """Contexts for two data sets nest, and each Store() reads its own data set's file."""
    notes = build(
        data_dir / "notes.sqlite", rows=[Note(id=1, text="hello")], base=NotesBase, name="notes"
    )
    graph = make_graph({"runtime": str(artifact), "notes": str(notes)})
    with Base.new_context(graph), NotesBase.new_context(graph):
        assert NoteStore().get(1).text == "hello"
        assert CityStore().count() == CITY_COUNT
    with Base.new_context(graph), pytest.raises(SQLiteError, match="'notes'"):
        NoteStore().get(1)


def test_inner_context_for_the_same_data_set_wins_and_the_outer_one_returns(
    make_graph: Any, artifact: Path, build: Any, data_dir: Path
) -> None:
    """An inner context for the same data set takes over, and the outer one is back after it."""
    other = build(
        data_dir / "other.sqlite", rows=[Route(origin="AMS", destination="JFK", distance=1)]
    )
    outer_graph = make_graph({"runtime": str(artifact)})
    inner_graph = make_graph({"runtime": str(other)})
    with Base.new_context(outer_graph):
        with Base.new_context(inner_graph):
            assert RouteStore().count() == 1
        assert RouteStore().count() == len(AIRPORTS) * (len(AIRPORTS) - 1)


def test_new_context_commits_on_a_writable_data_set(make_graph: Any, tmp_path: Path) -> None:
    """Rows added in a writable new_context are committed when the block ends."""
    path = tmp_path / "w.sqlite"
    graph = make_graph({"runtime": str(path)}, read_only=False)
    Base.create_all(graph)
    with Base.new_context(graph) as session:
        session.add(Route(origin="AMS", destination="CDG", distance=5))
    Base.dispose(graph)
    assert RouteStore(make_graph({"runtime": str(path)})).get(("AMS", "CDG")).distance == 5


def test_new_context_rolls_back_when_the_block_raises(make_graph: Any, tmp_path: Path) -> None:
    """An error in a writable new_context leaves nothing of the block behind."""
    graph = make_graph({"runtime": str(tmp_path / "w.sqlite")}, read_only=False)
    Base.create_all(graph)
    with pytest.raises(RuntimeError), Base.new_context(graph) as session:
        session.add(Route(origin="AMS", destination="CDG", distance=5))
        session.flush()
        raise RuntimeError("stop")
    assert RouteStore(graph).count() == 0


def test_dispose_closes_and_the_next_read_reopens(graph: Any) -> None:
    """Base.dispose closes the data set's connections; the next read opens fresh ones."""
    engine = Base.engine_for(graph)
    assert CityStore(graph).get(1).name == "city-001"
    held = engine.thread_reads().connection
    pool = engine.engine.pool
    Base.dispose(graph)
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        held.execute("SELECT 1")
    assert pool.checkedin() == 0
    assert engine.engine.pool is not pool
    assert CityStore(graph).get(2).name == "city-002"
    assert engine.thread_reads().connection is not held


def test_writable_data_set_falls_back_to_an_in_memory_database(make_graph: Any) -> None:
    """A writable graph with no path for a name works on one shared in-memory database."""
    graph = make_graph(read_only=False)
    NotesBase.create_all(graph)
    NoteStore(graph).create(Note(id=1, text="in memory"))
    assert graph.sqlite["notes"] == ":memory:"
    assert NoteStore(graph).get(1).text == "in memory"


class ShelfBase(DataSetBase, DeclarativeBase, dataset="shelf_typed"):
    """A base declared as type checkers follow it, with no DataSet.create."""


class Book(ShelfBase):
    __tablename__ = "book"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]


class BookStore(Store[Book]):
    model_class = Book


def test_a_declared_base_is_a_data_set_base_with_its_own_metadata() -> None:
    """`dataset=` names the data set; the base's metadata holds its models and no others."""
    assert ShelfBase.__dataset__ == "shelf_typed"
    assert set(ShelfBase.metadata.tables) == {"book"}
    assert issubclass(DataSet.create("other_shelf"), DataSetBase)
    assert ShelfBase in DataSetBase.__subclasses__()


def test_a_declared_base_writes_and_reads_through_a_graph(make_graph: Any, tmp_path: Path) -> None:
    """Models of a declared base work like those of a created one, on both read paths."""
    path = tmp_path / "shelf.sqlite"
    writable = make_graph({"shelf_typed": str(path)}, read_only=False)
    ShelfBase.create_all(writable)
    BookStore(writable).create(Book(id=1, title="Dune"))
    writable.sqlite("shelf_typed").dispose()
    graph = make_graph({"shelf_typed": str(path)})
    assert [book.title for book in BookStore(graph).search()] == ["Dune"]
    assert BookStore(graph).get(1) is BookStore(graph).get(1)


def test_a_base_without_its_name_is_refused() -> None:
    """DeclarativeBase with no `dataset=` would give models no file: a TypeError says how."""
    with pytest.raises(TypeError, match='dataset="name"'):

        class Nameless(DataSetBase, DeclarativeBase):
            pass


def test_a_base_without_declarative_base_is_refused() -> None:
    """Without DeclarativeBase there is no metadata to hold the models: a TypeError says how."""
    with pytest.raises(TypeError, match="needs DeclarativeBase among its bases"):

        class Loose(DataSetBase, dataset="loose"):
            pass


@pytest.mark.parametrize("name", ["", 3])
def test_a_declared_base_needs_a_non_empty_name(name: Any) -> None:
    """An empty or non-string name is refused as DataSet.create refuses it."""
    with pytest.raises(TypeError, match="non-empty name"):

        class Unnamed(DataSetBase, DeclarativeBase, dataset=name):
            pass


class Stocked(DataSetBase):
    """An application's own class between DataSetBase and the bases below."""


class LarderBase(Stocked, DeclarativeBase, dataset="larder"):
    pass


def test_every_declared_base_is_registered_by_name() -> None:
    """data_set_bases() lists every base declared, direct or through another class, in order."""
    other = DataSet.create("larder")
    assert data_set_bases("larder") == [LarderBase, other]
    assert LarderBase not in DataSetBase.__subclasses__()
    assert {Base, NotesBase, LarderBase, other} <= set(data_set_bases())
    assert data_set_bases("no_such_data_set") == []
