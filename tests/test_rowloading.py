"""
The fast read path: instances loaded straight from rows behave exactly like ORM-loaded ones.

"""
from __future__ import annotations

import gc
import threading
from pathlib import Path
from typing import Any

import pytest
from runtime_models import (
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
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from microcosm_sqlite import DataSet, Store
from microcosm_sqlite.errors import ModelNotFoundError
from microcosm_sqlite.rowloading import RowLoader

EagerBase = DataSet.create("eager")


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


def test_plain_models_of_read_only_data_sets_take_the_fast_path(graph: Any) -> None:
    """Plain mappers read through the row loader; the ORM path is kept for everything else."""
    assert CityStore(graph)._row_loader is not None
    assert RouteStore(graph)._row_loader is not None
    assert not RowLoader.supports(Pet)
    assert RowLoader.supports(Owner)


def test_writable_data_sets_take_the_orm_path(make_graph: Any, tmp_path: Path) -> None:
    """Data that can change is neither cached nor loaded around the ORM."""
    graph = make_graph({"runtime": str(tmp_path / "w.sqlite")}, read_only=False)
    Base.create_all(graph)
    assert CityStore(graph)._row_loader is None


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


def test_fast_instances_are_persistent_clean_and_in_the_identity_map(graph: Any) -> None:
    """A fast-loaded instance is the session's own: get() of the session finds the same object."""
    city = CityStore(graph).get(3)
    state = inspect(city)
    assert state.persistent
    assert state.session is not None
    assert not state.session.dirty
    assert state.session.get(City, 3) is city
    assert CityStore(graph).search(name=city.name) == [city]


def test_relationships_load_lazily_from_fast_instances(graph: Any) -> None:
    """Related objects load on access, both ways, after the call returned."""
    city = CityStore(graph).get(1)
    assert city.country.code == city.country_code
    assert city in city.country.cities


def test_repeated_gets_come_from_the_cache_without_sql(graph: Any) -> None:
    """The data cannot change, so a key read once is answered again without a query."""
    store = CityStore(graph)
    first = store.get(5)
    statements = count_statements(graph)
    assert store.get(5) is first
    assert statements == []
    store.get(6)
    assert len(statements) == 1


def test_the_instance_cache_is_bounded(make_graph: Any, artifact: Path) -> None:
    """`instance_cache_size` caps how many instances a thread keeps per model."""
    graph = make_graph({"runtime": str(artifact)}, instance_cache_size=2)
    store = CityStore(graph)
    for city_id in (1, 2, 3, 4):
        store.get(city_id)
    cache = Base.engine_for(graph).thread_reads().cache(City)
    assert list(cache) == [3, 4]


def test_a_missing_key_is_not_found_on_the_fast_path(graph: Any) -> None:
    """A key with no row raises ModelNotFoundError, and is not cached as anything."""
    store = CityStore(graph)
    assert store._row_loader is not None
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
    results: list[str] = []
    thread = threading.Thread(target=lambda: results.append(CityStore(graph).get(1).name))
    thread.start()
    thread.join(timeout=10)
    gc.collect()
    assert results == ["city-001"]
    assert pool.checkedout() == 0


def test_sample_rows_cover_every_model() -> None:
    """The comparisons above see rows of every runtime model."""
    assert {type(row) for row in sample_rows()} == {Country, City, Route}
