"""
Store subclasses written for microcosm-sqlite 2.x: overrides that chain to `super()`, compound
selects, `first`/`one` given a page, and writes that fail inside a context.

"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fixtures.runtime import Base, City, CityStore, Continent, Country
from sqlalchemy import Select, select

from microcosm_sqlite.errors import (
    DuplicateModelError,
    ModelNotFoundError,
    MultipleModelsFoundError,
    UnknownFilterError,
)


class WithoutFirstCity(CityStore):
    """Adds a keyword and hands the rest to its parent, which knows `min_population`."""

    def _filter(
        self, query: Select[Any], exclude_first: bool | None = None, **kwargs: Any
    ) -> Select[Any]:
        query = super()._filter(query, **kwargs)
        if exclude_first:
            query = query.except_(select(City).where(City.id == 1))  # type: ignore[assignment]
        return query


class Biggest(WithoutFirstCity):
    """A grandchild that orders, and names a keyword of its own there."""

    def _order_by(
        self, query: Select[Any], biggest_first: bool | None = None, **kwargs: Any
    ) -> Select[Any]:
        if biggest_first:
            return query.order_by(City.population.desc(), City.id)
        return super()._order_by(query, **kwargs)


def test_keywords_of_every_override_in_the_hierarchy_are_accepted(graph: Any) -> None:
    """A child's `_filter(**kwargs)` passing to super() still accepts its parents' keywords."""
    store = Biggest(graph)
    assert set(store.accepted_filters) == {
        "biggest_first",
        "country_code",
        "exclude_first",
        "min_population",
        "name",
    }
    big = store.search(min_population=1, exclude_first=True, biggest_first=True, limit=3)
    populations = [city.population for city in big]
    assert populations == sorted(populations, reverse=True)
    assert all(city.id != 1 for city in big)
    with pytest.raises(UnknownFilterError, match="smallest_first"):
        store.search(smallest_first=True)


@pytest.mark.parametrize("call", ["search", "count", "first", "iterate"])
def test_a_filter_may_return_a_compound_select(graph: Any, call: str) -> None:
    """`query.except_(...)` from `_filter` reads models, as 2.x's query did, on any data set."""
    store = WithoutFirstCity(graph)
    everything = [city.id for city in CityStore(graph).search(min_population=1)]
    assert everything[0] == 1
    result = getattr(store, call)(exclude_first=True, min_population=1)
    if call == "count":
        assert result == len(everything) - 1
    elif call == "first":
        assert isinstance(result, City) and result.id == everything[1]
    else:
        cities = list(result)
        assert all(isinstance(city, City) for city in cities)
        assert [city.id for city in cities] == everything[1:]


def test_a_compound_select_reads_models_from_a_writable_data_set(
    make_graph: Any, artifact: Path
) -> None:
    """The writable path returns models too, never the first column's plain values."""
    graph = make_graph({"runtime": str(artifact)}, read_only=False)
    cities = WithoutFirstCity(graph).search(exclude_first=True, limit=2)
    assert [type(city) for city in cities] == [City, City]
    assert [city.id for city in cities] == [2, 3]


def test_first_takes_a_page_as_2x_did(graph: Any) -> None:
    """`first(offset=..., limit=...)` works; a limit other than 0 cannot change its answer."""
    store = CityStore(graph)
    assert store.first(limit=5) is store.first()
    assert store.first(limit=0) is None
    third = store.first(offset=2)
    assert third is not None and third.id == 3


def test_one_looks_within_its_page_as_2x_did(graph: Any) -> None:
    """`one(offset=..., limit=...)` asks for the only match among that page of matches."""
    store = CityStore(graph)
    france = [city.id for city in store.search(country_code="FR")]
    assert store.one(limit=10, name="city-007").id == 7
    assert store.one(limit=1, country_code="FR").id == france[0]
    assert store.one(offset=len(france) - 1, country_code="FR").id == france[-1]
    with pytest.raises(MultipleModelsFoundError):
        store.one(offset=1, country_code="FR")
    for page in ({"limit": 0}, {"offset": 1}):
        with pytest.raises(ModelNotFoundError):
            store.one(name="city-007", **page)


def test_a_failed_write_in_a_context_leaves_it_usable(make_graph: Any, tmp_path: Path) -> None:
    """After a refused create inside new_context, the next call works and the block commits."""
    graph = make_graph({"runtime": str(tmp_path / "w.sqlite")}, read_only=False)
    Base.create_all(graph)
    store = CityStore()
    with Base.new_context(graph) as session:
        session.add(Country(code="FR", name="France", continent=Continent.EUROPE))
        session.flush()
        store.create(City(id=1, name="one", country_code="FR", population=1))
    with Base.new_context(graph):
        with pytest.raises(DuplicateModelError):
            store.create(City(id=1, name="again", country_code="FR", population=1))
        store.create(City(id=2, name="two", country_code="FR", population=2))
        assert store.count() == 2
    assert [city.name for city in CityStore(graph).search()] == ["one", "two"]
