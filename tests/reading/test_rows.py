"""
The fast read path: instances loaded straight from rows behave exactly like ORM-loaded ones.

"""

from __future__ import annotations

import copy
import gc
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fixtures.runtime import (
    Base,
    City,
    CityStore,
    Country,
    CountryStore,
    Route,
    RouteStore,
    sample_rows,
)
from sqlalchemy import ForeignKey, String, inspect, select
from sqlalchemy.orm import (
    DeclarativeBase,
    InstanceState,
    Mapped,
    Session,
    mapped_column,
    relationship,
)
from sqlalchemy.orm.base import DEFAULT_STATE_ATTR
from sqlalchemy.orm.exc import DetachedInstanceError

from microcosm_sqlite import DataSet, Store
from microcosm_sqlite.errors import ModelNotFoundError, ReadOnlyDataSetError
from microcosm_sqlite.reading import FastReader, OrmReader
from microcosm_sqlite.reading.rows import RowReader
from microcosm_sqlite.reading.sessions import SESSION_MARK_KEY

EagerBase: Any = DataSet.create("eager")


class Owner(EagerBase):
    __tablename__ = "owner"

    id: Mapped[int] = mapped_column(primary_key=True)


class Pet(EagerBase):
    __tablename__ = "pet"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"))
    owner: Mapped[Owner] = relationship(lazy="joined")


def column_values(instance: Any) -> dict[str, Any]:
    attributes = inspect(type(instance)).column_attrs
    return {attribute.key: getattr(instance, attribute.key) for attribute in attributes}


def orm_loaded(graph: Any, model: type[Any]) -> dict[Any, dict[str, Any]]:
    """Every row of a model as the ORM itself loads it, by primary key."""
    with Session(Base.engine_for(graph).engine) as session:
        return {
            inspect(instance).identity: column_values(instance)
            for instance in session.scalars(select(model))
        }


def count_statements(graph: Any) -> list[str]:
    """Every statement this thread's fast-path connection runs from now on."""
    statements: list[str] = []
    Base.engine_for(graph).thread_reads().connection.set_trace_callback(statements.append)
    return statements


def test_plain_models_of_read_only_data_sets_take_the_fast_path(
    graph: Any, fast_read_path: None
) -> None:
    """Plain mappers read through the row loader; the ORM path is kept for everything else."""
    assert isinstance(CityStore(graph)._reader, FastReader)
    assert isinstance(RouteStore(graph)._reader, FastReader)
    assert not RowReader.supports(Pet)
    assert RowReader.supports(Owner)


def test_models_of_other_bases_take_the_orm_path() -> None:
    """Only data set models can defer their ORM state; others are loaded by the ORM."""

    class OtherBase(DeclarativeBase):
        pass

    class Other(OtherBase):
        __tablename__ = "other"
        __dataset__ = "runtime"

        id: Mapped[int] = mapped_column(primary_key=True)

    assert not RowReader.supports(Other)


def test_writable_data_sets_take_the_orm_path(make_graph: Any, tmp_path: Path) -> None:
    """Data that can change is neither cached nor loaded around the ORM."""
    graph = make_graph({"runtime": str(tmp_path / "w.sqlite")}, read_only=False)
    Base.create_all(graph)
    assert isinstance(CityStore(graph)._reader, OrmReader)


def test_get_loads_the_same_values_as_the_orm(graph: Any) -> None:
    """Every column of every row, enums, booleans and composite keys included, matches the ORM."""
    for model, store in ((Country, CountryStore(graph)), (City, CityStore(graph))):
        for identity, values in orm_loaded(graph, model).items():
            assert column_values(store.get(identity[0])) == values
    for identity, values in orm_loaded(graph, Route).items():
        assert column_values(RouteStore(graph).get(identity)) == values


def test_search_and_iterate_load_the_same_values_as_the_orm(graph: Any) -> None:
    """Rows loaded in bulk match the ORM's, in the same order."""
    expected = orm_loaded(graph, City)
    searched = CityStore(graph).search(country_code=["FR", "JP"])
    assert searched
    for city in searched:
        assert column_values(city) == expected[(city.id,)]
    iterated = [column_values(city) for city in CityStore(graph).iterate()]
    assert iterated == [expected[key] for key in sorted(expected)]


def has_state(instance: Any) -> bool:
    """Whether the instance's ORM state has been built (without building it)."""
    return DEFAULT_STATE_ATTR in vars(instance)


def test_fast_instances_are_one_untracked_dict_until_the_orm_asks(
    graph: Any, fast_read_path: None
) -> None:
    """
    Rows read fast carry no ORM state: their `__dict__` holds only values, so the garbage
    collector need not walk it, and reading columns or comparing keeps it that way.

    """
    cities = CityStore(graph).search(country_code="FR")
    countries = CountryStore(graph).search()
    assert not any(has_state(instance) for instance in [*cities, *countries])
    # a city holds only numbers and text (a country holds an enum member, itself tracked)
    assert not any(gc.is_tracked(vars(city)) for city in cities)
    assert [city.name for city in cities] == [f"city-{id:03d}" for id in range(2, 61, 6)]
    assert countries[0] == countries[0] and len(set(countries)) == 6  # IdentityMixin
    assert repr(countries[2]) == "Country('FR')"
    assert not any(has_state(instance) for instance in [*cities, *countries])


def test_get_many_with_composite_keys_builds_no_state(graph: Any, fast_read_path: None) -> None:
    """Composite keys are matched by their values, so the instances stay cheap."""
    routes = RouteStore(graph).get_many([("CDG", "AMS"), ("AMS", "FRA")])
    assert [(route.origin, route.destination) for route in routes] == [
        ("CDG", "AMS"),
        ("AMS", "FRA"),
    ]
    assert not any(has_state(route) for route in routes)


def test_the_orm_state_is_built_on_first_use(graph: Any) -> None:
    """inspect() builds the state a loaded instance would have: persistent, in the session."""
    city = CityStore(graph).search(name="city-004")[0]
    state: InstanceState[City] = inspect(city)
    assert has_state(city) and SESSION_MARK_KEY not in vars(city)
    assert state.persistent and state.identity == (4,)
    assert state.session is Base.engine_for(graph).session()
    assert state.session.identity_map.get(state.key) is city
    assert inspect(city) is state


def test_objects_made_by_hand_are_untouched_by_fast_loading(graph: Any) -> None:
    """Once a model is read fast, new instances of it are still plain transient objects."""
    CityStore(graph).get(1)
    city = City(id=999, name="new", country_code="FR", population=1)
    assert inspect(city).transient
    assert city.name == "new" and city.country is None


def test_changing_a_fast_instance_is_tracked_and_never_written(graph: Any) -> None:
    """Setting an attribute builds the state and records the change; nothing can write it."""
    store = CityStore(graph)
    city = store.get(7)
    city.population = 1  # type: ignore[assignment]  # a classic Column attribute
    state: InstanceState[City] = inspect(city)
    assert state.modified
    assert state.attrs.population.history.deleted == [7000]
    assert state.session is not None
    with pytest.raises(ReadOnlyDataSetError):
        state.session.flush()


@pytest.mark.parametrize("read", ["get", "get_many", "search"])
def test_a_changed_instance_fails_the_next_read(graph: Any, read: str) -> None:
    """Fast reads refuse a pending change as every Store call does, and the change is undone."""
    store = CityStore(graph)
    city = store.get(7)
    city.population = 1  # type: ignore[assignment]  # a classic Column attribute
    calls: dict[str, Callable[[], object]] = {
        "get": lambda: store.get(8),
        "get_many": lambda: store.get_many([8]),
        "search": lambda: store.search(name="city-008"),
    }
    with pytest.raises(ReadOnlyDataSetError):
        calls[read]()
    assert calls[read]()


def build_states(barrier: threading.Barrier, cities: list[City], out: list[Any]) -> None:
    """In a thread: wait for the other, then build every city's state; errors go in `out`."""
    barrier.wait(timeout=10)
    try:
        out.extend(inspect(city) for city in cities)
    except BaseException as error:
        out.append(error)


def test_two_threads_building_one_state_get_the_same_one(graph: Any) -> None:
    """An instance shared by threads gets its ORM state once, whoever asks first."""
    session = Base.engine_for(graph).session()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, to meet the race
    try:
        for _ in range(100):
            session.expunge_all()  # so the search below makes instances with no state yet
            cities = CityStore(graph).search()
            barrier = threading.Barrier(2)
            states: list[list[Any]] = [[], []]
            threads = [
                threading.Thread(target=build_states, args=(barrier, cities, out)) for out in states
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=10)
            assert len(states[0]) == len(states[1]) == 60
            assert all(a is b for a, b in zip(*states, strict=True))
    finally:
        sys.setswitchinterval(interval)


def test_a_fast_instance_unpickled_elsewhere_comes_back_detached(
    graph: Any, tmp_path: Path
) -> None:
    """Pickled and loaded by another process, an instance keeps its values, not its session."""
    city = CityStore(graph).get(9)
    pickled = tmp_path / "city.pickle"
    pickled.write_bytes(pickle.dumps(city))
    script = (
        "import pickle, sys\n"
        "from sqlalchemy import inspect\n"
        "from sqlalchemy.orm.exc import DetachedInstanceError\n"
        "twin = pickle.loads(open(sys.argv[1], 'rb').read())\n"
        "state = inspect(twin)\n"
        "print(twin.id, twin.name, state.detached, state.identity)\n"
        "try:\n"
        "    twin.country\n"
        "except DetachedInstanceError:\n"
        "    print('detached')\n"
    )
    tests = Path(__file__).parents[1]
    # the other process has sessions of its own, one of them perhaps with this one's number
    result = subprocess.run(
        [sys.executable, "-c", f"import fixtures.runtime\n{script}", str(pickled)],
        cwd=tests,
        env={**os.environ, "PYTHONPATH": str(tests)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split("\n")[:2] == ["9 city-009 True (9,)", "detached"]
    assert inspect(city).persistent


def test_fast_instances_are_persistent_clean_and_in_the_identity_map(graph: Any) -> None:
    """A fast-loaded instance is the session's own: get() of the session finds the same object."""
    city = CityStore(graph).get(3)
    state: InstanceState[City] = inspect(city)
    assert state.persistent
    assert state.session is not None
    assert not state.session.dirty
    assert state.session.get(City, 3) is city
    assert CityStore(graph).search(name=city.name) == [city]


def test_the_session_finds_instances_get_holds_without_building_them_first(
    graph: Any, fast_read_path: None
) -> None:
    """session.get and many-to-one lazy loads return the object get returned, not a twin."""
    country = CountryStore(graph).get("JP")
    assert not has_state(country)
    session = Base.engine_for(graph).session()
    assert session.get(Country, "JP") is country
    city = CityStore(graph).search(country_code="JP")[0]
    assert city.country is country


def test_bulk_reads_return_the_object_get_returned(graph: Any) -> None:
    """search, get_many and iterate hand back the cached object for a row get already read."""
    store = CityStore(graph)
    city = store.get(12)
    assert store.search(name="city-012") == [city]
    assert store.get_many([11, 12])[1] is city
    assert next(item for item in store.iterate() if item.id == 12) is city


def test_a_row_read_twice_is_one_object_while_in_use(make_graph: Any, artifact: Path) -> None:
    """Like the ORM's identity map: any read finds the object an earlier read returned."""
    graph = make_graph({"runtime": str(artifact)}, instance_cache_size=2)
    store = CityStore(graph)
    first = store.search(country_code="FR")
    assert store.search(country_code="FR") == first
    assert [store.get(city.id) for city in first] == first
    assert store.get_many([city.id for city in first]) == first
    # the get cache holds 2; the rest are found because they are still in use
    country = CountryStore(graph).get("FR")
    for code in ("DE", "JP", "US"):
        CountryStore(graph).get(code)
    assert first[3].country is country


def test_relationship_collections_hold_the_objects_read_before(graph: Any) -> None:
    """A one-to-many load returns the instances a search returned, not twins of them."""
    cities = CityStore(graph).search(country_code="FR")
    assert cities[0].country.cities == cities
    assert all(inspect(city).session is not None for city in cities)


def test_rows_are_forgotten_once_no_longer_in_use(graph: Any, fast_read_path: None) -> None:
    """The session keeps fast-loaded instances weakly: gone from the program, gone from it."""
    store = CityStore(graph)
    session = Base.engine_for(graph).session()
    ids = [id(city) for city in store.search()]
    gc.collect()
    assert [session.find(City, key) for key in range(1, 61)] == [None] * 60
    assert len(ids) == 60


def test_expunged_instances_are_not_handed_out_again(graph: Any) -> None:
    """An instance the session let go is never returned by later reads or lookups."""
    store = CountryStore(graph)
    session = Base.engine_for(graph).session()
    country = store.get("JP")
    session.expunge(country)
    assert store.get("JP") is not country
    assert session.get(Country, "JP") is store.get("JP")
    city = CityStore(graph).get(4)
    session.expunge_all()
    assert inspect(city).detached
    with pytest.raises(DetachedInstanceError):
        city.country  # noqa: B018
    assert inspect(CityStore(graph).get(4)).persistent


def test_copies_are_detached(graph: Any, fast_read_path: None) -> None:
    """Pickled or copied in this process too, an instance carries no claim on the session."""
    city = CityStore(graph).get(9)
    for twin in (pickle.loads(pickle.dumps(city)), copy.copy(city), copy.deepcopy(city)):
        assert (twin.id, twin.name) == (9, "city-009")
        assert inspect(twin).detached
    assert inspect(city).persistent


def test_reads_return_the_object_the_session_holds(graph: Any) -> None:
    """Once an instance has its state, search, iterate and get find it in the session."""
    store = CityStore(graph)
    city = store.search(name="city-004")[0]
    inspect(city)  # in the identity map now, though never in the get cache
    assert store.search(name="city-004")[0] is city
    assert next(item for item in store.iterate() if item.id == 4) is city
    assert store.get(4) is city


def test_relationships_load_lazily_from_fast_instances(graph: Any) -> None:
    """Related objects load on access, both ways, after the call returned."""
    city = CityStore(graph).get(1)
    assert city.country.code == city.country_code
    assert city in city.country.cities


def test_a_key_given_as_text_is_the_same_object_as_the_number(graph: Any) -> None:
    """get("5") and get(5) name one row, so they share one cached object."""
    store = CityStore(graph)
    assert store.get("5") is store.get(5)


def test_repeated_gets_come_from_the_cache_without_sql(graph: Any, fast_read_path: None) -> None:
    """The data cannot change, so a key read once is answered again without a query."""
    store = CityStore(graph)
    first = store.get(5)
    statements = count_statements(graph)
    assert store.get(5) is first
    assert statements == []
    store.get(6)
    assert len(statements) == 1


def test_the_instance_cache_is_bounded(
    make_graph: Any, artifact: Path, fast_read_path: None
) -> None:
    """`instance_cache_size` caps how many instances a thread keeps per model."""
    graph = make_graph({"runtime": str(artifact)}, instance_cache_size=2)
    store = CityStore(graph)
    for city_id in (1, 2, 3, 4):
        store.get(city_id)
    cache = Base.engine_for(graph).thread_reads().cache(City)
    assert list(cache) == [3, 4]


def test_a_missing_key_is_not_found_on_the_fast_path(graph: Any, fast_read_path: None) -> None:
    """A key with no row raises ModelNotFoundError, and is not cached as anything."""
    store = CityStore(graph)
    assert isinstance(store._reader, FastReader)
    with pytest.raises(ModelNotFoundError, match="10000"):
        store.get(10_000)
    assert 10_000 not in Base.engine_for(graph).thread_reads().cache(City)


def test_eager_relationships_keep_the_orm_path(make_graph: Any, tmp_path: Path) -> None:
    """A joined-eager relationship is loaded with its parent, as its mapper asks."""
    path = tmp_path / "eager.sqlite"
    writer = make_graph({"eager": str(path)}, read_only=False)
    EagerBase.create_all(writer)
    with EagerBase.new_context(writer) as session:
        session.add_all([Owner(id=1), Pet(id=1, name="Rex", owner_id=1)])
    EagerBase.dispose(writer)

    class PetStore(Store[Pet]):
        model_class = Pet

    pet = PetStore(make_graph({"eager": str(path)})).get(1)
    assert "owner" in pet.__dict__
    assert pet.owner.id == 1


def test_a_finished_thread_gives_its_connection_back(graph: Any) -> None:
    """Threads that read and end leave no connection checked out, and no warning."""
    pool = Base.engine_for(graph).engine.pool
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(CityStore(graph).get(1).name))
    thread.start()
    thread.join(timeout=10)
    gc.collect()
    assert results == ["city-001"]
    assert pool.checkedout() == 0


def test_sample_rows_cover_every_model() -> None:
    """The comparisons above see rows of every runtime model."""
    assert {type(row) for row in sample_rows()} == {Country, City, Route}
