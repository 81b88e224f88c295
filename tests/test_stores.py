"""
`Store`: get, get_many, search, count, first, one, exists and iterate with filters, ordering and
pagination on a real artifact; the `_filter` / `_order_by` hooks; writes on writable data sets.

"""

from __future__ import annotations

from pathlib import Path
from types import GeneratorType
from typing import Any

import pytest
from fixtures.runtime import (
    AIRPORTS,
    CITY_COUNT,
    COUNTRY_CODES,
    Base,
    City,
    CityByNameStore,
    CityStore,
    Continent,
    CountryStore,
    PropertyCityStore,
    Route,
    RouteStore,
    SmallBatchCityStore,
    SmallBatchRouteStore,
    city_values,
    route_distance,
)
from sqlalchemy import inspect

from microcosm_sqlite import Store
from microcosm_sqlite.errors import (
    DuplicateModelError,
    ModelIntegrityError,
    ModelNotFoundError,
    MultipleModelsFoundError,
    UnknownFilterError,
)

ALL_CITY_IDS = list(range(1, CITY_COUNT + 1))


def ids(cities: Any) -> list[int]:
    return [city.id for city in cities]


def ids_in(*codes: str) -> list[int]:
    """Ids of the sample cities in these countries, in id order."""
    return [city_id for city_id in ALL_CITY_IDS if city_values(city_id)["country_code"] in codes]


@pytest.fixture
def cities(graph: Any) -> CityStore:
    return CityStore(graph)


@pytest.fixture
def writable(make_graph: Any, tmp_path: Path) -> Any:
    """A writable graph over a new file holding the sample rows."""
    path = tmp_path / "writable.sqlite"
    graph = make_graph({"runtime": str(path)}, read_only=False)
    Base.create_all(graph)
    with Base.new_context(graph) as session:
        session.add_all([City(**city_values(city_id)) for city_id in (1, 2, 3)])
        session.add_all(
            [
                *(
                    CountryStore.model_class(code=code, name=code, continent=Continent.ASIA)
                    for code in COUNTRY_CODES
                ),
            ]
        )
    return graph


# --- get ---------------------------------------------------------------------------------


def test_get_returns_the_model_with_that_primary_key(cities: CityStore) -> None:
    """get finds a model by its single-column primary key."""
    city = cities.get(42)
    assert (city.id, city.name, city.population) == (42, "city-042", 42_000)


def test_get_takes_a_tuple_for_a_composite_primary_key(graph: Any) -> None:
    """get finds a model by every column of a composite key, in key order."""
    route = RouteStore(graph).get(("JFK", "AMS"))
    assert (route.origin, route.destination, route.distance) == ("JFK", "AMS", 400)


def test_get_missing_raises_not_found_naming_the_data_set(cities: CityStore) -> None:
    """A key with no row raises ModelNotFoundError (404) naming model, key and data set."""
    with pytest.raises(ModelNotFoundError) as caught:
        cities.get(1000)
    assert caught.value.status_code == 404
    assert str(caught.value) == "City 1000 not found in data set 'runtime'"


def test_get_missing_composite_key_raises_not_found(graph: Any) -> None:
    """A composite key with no row raises ModelNotFoundError naming the key."""
    with pytest.raises(ModelNotFoundError, match=r"\('AMS', 'AMS'\)"):
        RouteStore(graph).get(("AMS", "AMS"))


def test_model_class_may_be_a_property(graph: Any) -> None:
    """A Store whose model_class is a property reads like any other."""
    store = PropertyCityStore(graph)
    assert store.get(9).name == "city-009"
    assert store.count() == CITY_COUNT


# --- get_many ----------------------------------------------------------------------------


def test_get_many_keeps_the_order_given_and_leaves_out_missing(cities: CityStore) -> None:
    """get_many returns found models in the order of the ids, skipping ids with no row."""
    assert ids(cities.get_many([30, 1000, 2, 17, -1])) == [30, 2, 17]


def test_get_many_repeats_duplicates_as_given(cities: CityStore) -> None:
    """An id given twice comes back twice, as the same instance."""
    found = cities.get_many([5, 1, 5])
    assert ids(found) == [5, 1, 5]
    assert found[0] is found[2]


def test_get_many_of_nothing_is_empty(cities: CityStore) -> None:
    """No ids, no models (and no query error)."""
    assert cities.get_many([]) == []


def test_get_many_accepts_any_iterable(cities: CityStore) -> None:
    """A generator of ids works as well as a list."""
    assert ids(cities.get_many(city_id for city_id in (3, 4))) == [3, 4]


def test_get_many_with_more_ids_than_a_batch(graph: Any) -> None:
    """More ids than batch_size are fetched in several queries, order kept."""
    wanted = [*reversed(ALL_CITY_IDS), 999, 1]
    assert ids(SmallBatchCityStore(graph).get_many(wanted)) == [*reversed(ALL_CITY_IDS), 1]


@pytest.mark.parametrize("store_class", [RouteStore, SmallBatchRouteStore])
def test_get_many_with_composite_keys(graph: Any, store_class: type[RouteStore]) -> None:
    """Composite keys come back in the order given, missing ones left out, across batches."""
    wanted = [("JFK", "AMS"), ("AMS", "AMS"), ("CDG", "FRA"), ["HND", "JFK"], ("AMS", "CDG")]
    found = store_class(graph).get_many(wanted)
    assert [(route.origin, route.destination) for route in found] == [
        ("JFK", "AMS"),
        ("CDG", "FRA"),
        ("HND", "JFK"),
        ("AMS", "CDG"),
    ]


# --- search and filters ------------------------------------------------------------------


def test_search_with_no_filters_returns_everything_in_primary_key_order(graph: Any) -> None:
    """The default order is the primary key, for single and composite keys."""
    assert ids(CityStore(graph).search()) == ALL_CITY_IDS
    routes = RouteStore(graph).search()
    assert [(route.origin, route.destination) for route in routes] == sorted(
        (origin, to) for origin in AIRPORTS for to in AIRPORTS if origin != to
    )


def test_search_filters_by_equality(cities: CityStore) -> None:
    """An auto filter field given a value keeps the rows equal to it."""
    assert ids(cities.search(country_code="JP")) == ids_in("JP")
    assert ids(cities.search(name="city-033")) == [33]


@pytest.mark.parametrize("collection", [list, tuple, set, frozenset])
def test_search_filters_by_membership_for_collections(cities: CityStore, collection: Any) -> None:
    """A list, tuple, set or frozenset value means IN."""
    assert ids(cities.search(country_code=collection(["FR", "US"]))) == ids_in("FR", "US")


def test_search_with_an_empty_collection_matches_nothing(cities: CityStore) -> None:
    """IN an empty collection matches no row (it never means "no filter")."""
    assert cities.search(country_code=[]) == []
    assert cities.count(country_code=()) == 0


def test_search_treats_none_as_no_filter(cities: CityStore) -> None:
    """A None value leaves that filter out."""
    assert ids(cities.search(country_code=None)) == ALL_CITY_IDS
    assert ids(cities.search(country_code=None, name="city-002")) == [2]


def test_search_combines_filters_with_and(cities: CityStore) -> None:
    """Several filters must all hold."""
    assert ids(cities.search(country_code=["FR", "DE"], name=["city-001", "city-003"])) == [1]


def test_search_filters_typed_columns_by_their_python_values(graph: Any) -> None:
    """Enum and Truthy columns filter by members and booleans."""
    store = CountryStore(graph)
    assert [country.code for country in store.search(continent=Continent.ASIA)] == ["JP", "NP"]
    assert [
        country.code for country in store.search(continent=[Continent.ASIA, Continent.AMERICA])
    ] == ["JP", "NP", "US"]
    assert [country.code for country in store.search(landlocked=False)] == ["DE", "FR", "JP", "US"]


def test_filter_override_takes_a_named_keyword(cities: CityStore) -> None:
    """A keyword named by a `_filter` override filters, alongside the auto filters."""
    assert ids(cities.search(min_population=55_000)) == [55, 56, 57, 58, 59, 60]
    assert ids(cities.search(min_population=55_000, country_code="US")) == [59]
    assert "min_population" in cities.accepted_filters


@pytest.mark.parametrize(
    "call",
    [
        lambda store: store.search(nope=1),
        lambda store: store.count(nope=1),
        lambda store: store.exists(nope=1),
        lambda store: store.first(nope=1),
        lambda store: store.one(nope=1),
        lambda store: store.iterate(nope=1),
        lambda store: store.search(country_code="FR", nope=None),
    ],
    ids=["search", "count", "exists", "first", "one", "iterate", "with-known-and-none"],
)
def test_unknown_keyword_is_an_error_naming_it(cities: CityStore, call: Any) -> None:
    """A keyword nothing accepts raises UnknownFilterError (400) at the call, naming it."""
    with pytest.raises(UnknownFilterError) as caught:
        call(cities)
    assert caught.value.keywords == ("nope",)
    assert caught.value.status_code == 400
    assert "nope" in str(caught.value)
    assert "country_code, descending" not in str(caught.value)
    assert "country_code, min_population, name" in str(caught.value)


def test_unknown_keyword_on_a_store_without_filters(graph: Any) -> None:
    """A store with no filters says so when given one."""

    class BareRouteStore(Store[Route]):
        model_class = Route

    with pytest.raises(UnknownFilterError, match="accepts: no filters"):
        BareRouteStore(graph).search(distance=1)


def test_a_misspelled_filter_never_matches_everything(cities: CityStore) -> None:
    """A typo in a filter name raises rather than returning every row."""
    with pytest.raises(UnknownFilterError, match="country"):
        cities.search(country="FR")


# --- ordering and pagination -------------------------------------------------------------


def test_order_by_override_orders_and_takes_a_keyword(graph: Any) -> None:
    """An `_order_by` override sets the order, and its named keyword is accepted everywhere."""
    store = CityByNameStore(graph)
    assert store.search(limit=3)[0].name == "city-001"
    assert [city.name for city in store.search(descending=True, limit=2)] == [
        "city-060",
        "city-059",
    ]
    last_swiss = store.first(descending=True, country_code="CH")
    assert last_swiss is not None and last_swiss.name == "city-060"
    assert store.count(descending=True) == CITY_COUNT
    assert ids(store.iterate(descending=True))[:2] == [60, 59]


@pytest.mark.parametrize("page_size", [1, 7, 60, 100])
def test_pages_cover_everything_without_overlap(cities: CityStore, page_size: int) -> None:
    """Consecutive offset/limit pages join up to the whole result, in order."""
    pages = [
        cities.search(offset=offset, limit=page_size)
        for offset in range(0, CITY_COUNT + page_size, page_size)
    ]
    assert all(len(page) <= page_size for page in pages)
    assert [city_id for page in pages for city_id in ids(page)] == ALL_CITY_IDS


def test_pagination_applies_after_filters(cities: CityStore) -> None:
    """offset and limit page through the filtered, ordered matches."""
    assert ids(cities.search(country_code="FR", offset=2, limit=3)) == ids_in("FR")[2:5]


def test_offset_alone_and_limit_alone(cities: CityStore) -> None:
    """offset without limit skips; limit without offset truncates; past the end is empty."""
    assert ids(cities.search(offset=55)) == [56, 57, 58, 59, 60]
    assert ids(cities.search(limit=2)) == [1, 2]
    assert cities.search(offset=CITY_COUNT) == []


# --- count, first, one, exists -----------------------------------------------------------


def test_count_counts_matches(cities: CityStore) -> None:
    """count gives the number of matches, all rows with no filters."""
    assert cities.count() == CITY_COUNT
    assert cities.count(country_code=["FR", "DE"]) == 20
    assert cities.count(name="nowhere") == 0


def test_first_returns_the_first_match_or_none(cities: CityStore) -> None:
    """first gives the first match in order, or None when nothing matches."""
    nepalese = cities.first(country_code="NP")
    assert nepalese is not None and nepalese.id == ids_in("NP")[0]
    assert cities.first(name="nowhere") is None


def test_one_returns_the_only_match(cities: CityStore) -> None:
    """one gives the single match."""
    assert cities.one(name="city-044").id == 44


def test_one_with_no_match_is_not_found(cities: CityStore) -> None:
    """one with no match raises ModelNotFoundError naming the data set and filters."""
    with pytest.raises(ModelNotFoundError, match=r"no City in data set .runtime.*nowhere"):
        cities.one(name="nowhere")


def test_one_with_several_matches_is_an_error(cities: CityStore) -> None:
    """one with two or more matches raises MultipleModelsFoundError (409)."""
    with pytest.raises(MultipleModelsFoundError, match="more than one City") as caught:
        cities.one(country_code="FR")
    assert caught.value.status_code == 409


def test_exists_says_whether_anything_matches(cities: CityStore) -> None:
    """exists is true when a row matches and false otherwise."""
    assert cities.exists() is True
    assert cities.exists(name="city-007") is True
    assert cities.exists(name="nowhere") is False


# --- iterate -----------------------------------------------------------------------------


def test_iterate_yields_every_match_in_order(cities: CityStore) -> None:
    """iterate is a generator over every match, in search order."""
    iterator = cities.iterate(country_code="JP")
    assert isinstance(iterator, GeneratorType)
    assert ids(iterator) == ids_in("JP")
    assert ids(cities.iterate()) == ALL_CITY_IDS


def test_iterate_streams_across_many_batches(graph: Any) -> None:
    """With a batch much smaller than the result, every row still comes, once, in order."""
    assert ids(SmallBatchCityStore(graph).iterate()) == ALL_CITY_IDS


def test_store_calls_nested_in_a_loop_over_iterate(graph: Any) -> None:
    """Other Store calls, and lazy loads, work inside a loop over iterate."""
    seen = []
    for city in SmallBatchCityStore(graph).iterate():
        country = CountryStore(graph).get(city.country_code)
        assert city.country is country
        assert CityStore(graph).count(country_code=country.code) == 10
        assert ids(CityStore(graph).search(name=city.name)) == [city.id]
        seen.append(city.id)
    assert seen == ALL_CITY_IDS
    assert CityStore(graph).count() == CITY_COUNT


def test_iterate_nested_in_iterate(graph: Any) -> None:
    """An iterate inside a loop over another iterate streams its own rows."""
    pairs = [
        (country.code, city.id)
        for country in CountryStore(graph).iterate()
        for city in SmallBatchCityStore(graph).iterate(country_code=country.code)
    ]
    assert len(pairs) == CITY_COUNT
    assert sorted(city_id for _, city_id in pairs) == ALL_CITY_IDS


def test_two_iterates_interleaved(graph: Any) -> None:
    """Two iterates read side by side (zip) both deliver all their rows, whichever ends first."""
    short = SmallBatchCityStore(graph).iterate(country_code="FR")
    long = SmallBatchCityStore(graph).iterate()
    pairs = list(zip(short, long, strict=False))
    assert [(a.id, b.id) for a, b in pairs] == list(zip(ids_in("FR"), ALL_CITY_IDS, strict=False))
    assert ids(long) == ALL_CITY_IDS[len(pairs) :]
    assert CityStore(graph).count() == CITY_COUNT


def test_writes_commit_after_two_interleaved_iterates_end(writable: Any, make_graph: Any) -> None:
    """Once interleaved iterates have both ended, the next create commits at once."""
    short, long = CityStore(writable).iterate(name="city-001"), CityStore(writable).iterate()
    assert [(a.id, b.id) for a, b in zip(short, long, strict=False)] == [(1, 1)]
    assert ids(long) == [2, 3]
    CityStore(writable).create(City(id=8, name="after", country_code="FR", population=1))
    reader = make_graph({"runtime": writable.sqlite["runtime"]})
    assert CityStore(reader).get(8).name == "after"


def test_abandoned_iterate_leaves_the_store_usable(graph: Any) -> None:
    """Breaking out of iterate and dropping it leaves later calls working."""
    for city in SmallBatchCityStore(graph).iterate():
        if city.id == 10:
            break
    assert CityStore(graph).count() == CITY_COUNT
    assert ids(SmallBatchCityStore(graph).iterate(country_code="CH")) == ids_in("CH")


# --- writes on a writable data set -------------------------------------------------------


def test_create_adds_a_row_that_later_reads_see(writable: Any) -> None:
    """create returns the instance and the row is there for other reads and other graphs."""
    store = CityStore(writable)
    created = store.create(City(id=100, name="new", country_code="FR", population=5))
    assert created.id == 100
    assert store.get(100).name == "new"
    assert store.count() == 4


def test_create_with_a_duplicate_key_is_a_duplicate_model_error(writable: Any) -> None:
    """A primary key already present raises DuplicateModelError (409) naming the data set."""
    store = CityStore(writable)
    with pytest.raises(DuplicateModelError, match="'runtime'") as caught:
        store.create(City(id=1, name="again", country_code="FR", population=5))
    assert caught.value.status_code == 409
    assert graph_path(writable) in str(caught.value)
    assert store.get(1).name == "city-001"
    assert store.create(City(id=4, name="after", country_code="FR", population=5)).id == 4


def graph_path(graph: Any) -> str:
    path: str = graph.sqlite["runtime"]
    return path


def test_foreign_keys_hold_in_an_in_memory_writable_data_set(make_graph: Any) -> None:
    """The default writable database (in memory) enforces foreign keys like a file does."""
    graph = make_graph(read_only=False)
    Base.create_all(graph)
    assert graph.sqlite["runtime"] == ":memory:"
    with pytest.raises(ModelIntegrityError, match="FOREIGN KEY"):
        CityStore(graph).create(City(id=50, name="x", country_code="XX", population=1))
    assert CityStore(graph).count() == 0


def test_get_many_finds_what_get_finds_for_ids_given_as_text(cities: CityStore) -> None:
    """An integer key given as "2" matches in get_many as it does in get (SQLite's affinity)."""
    assert cities.get("2").id == 2
    assert [city.id for city in cities.get_many(["2", 1, "x", "3"])] == [2, 1, 3]


@pytest.mark.parametrize("key", [1.5, b"1", None, "one"])
def test_keys_that_do_not_name_a_row_exactly_are_not_found(cities: CityStore, key: Any) -> None:
    """No lossy conversion picks a row: 1.5 is not 1, and None is not the text "None"."""
    with pytest.raises(ModelNotFoundError):
        cities.get(key)
    assert cities.get_many([key]) == []


def test_keys_are_converted_only_where_sqlite_finds_the_same_row(graph: Any) -> None:
    """7.0 and "7" name integer key 7; 7 names text key "7"; each way, one object."""
    cities = CityStore(graph)
    assert cities.get(7.0) is cities.get("7") is cities.get(7)
    assert [city.id for city in cities.get_many([7.0, "8"])] == [7, 8]


@pytest.mark.parametrize(
    ("store_class", "key", "size"),
    [
        (RouteStore, ("AMS",), 2),
        (RouteStore, ("AMS", "CDG", "FRA"), 2),
        (RouteStore, "AMS", 2),
        (CityStore, (1, 2), 1),
    ],
)
def test_a_key_of_the_wrong_size_is_a_clear_error(
    graph: Any, store_class: type[Store[Any]], key: Any, size: int
) -> None:
    """get and get_many say how many columns the key has."""
    store = store_class(graph)
    name = store.model_class.__name__
    for call in (store.get, lambda key: store.get_many([key])):
        with pytest.raises(ValueError, match=f"{name} has a primary key of {size} column"):
            call(key)


def test_a_one_column_key_may_be_given_as_a_1_tuple(cities: CityStore) -> None:
    """(7,) names city 7 in every read, as 7 does."""
    city = cities.get(7)
    assert cities.get((7,)) is city
    assert cities.get_many([(7,), [8]]) == [city, cities.get(8)]


def test_abandoning_iterate_keeps_loaded_instances_loaded(cities: CityStore) -> None:
    """Breaking out of a loop over iterate ends the read without expiring what it loaded."""
    kept = cities.get(1)
    for _ in cities.iterate():
        break
    assert not inspect(kept).expired_attributes
    assert cities.get(1) is kept


def test_create_breaking_a_foreign_key_is_an_integrity_error(writable: Any) -> None:
    """A foreign key to nothing raises ModelIntegrityError (not a duplicate)."""
    with pytest.raises(ModelIntegrityError) as caught:
        CityStore(writable).create(City(id=50, name="x", country_code="XX", population=1))
    assert not isinstance(caught.value, DuplicateModelError)
    assert CityStore(writable).count() == 3


def test_delete_removes_matches_and_says_how_many(writable: Any) -> None:
    """delete removes every match and returns their number."""
    store = CityStore(writable)
    assert store.delete(name=["city-001", "city-002", "nowhere"]) == 2
    assert ids(store.search()) == [3]
    assert store.delete() == 1
    assert store.count() == 0


def test_delete_with_an_unknown_keyword_deletes_nothing(writable: Any) -> None:
    """A misspelled delete filter raises and never deletes everything."""
    with pytest.raises(UnknownFilterError):
        CityStore(writable).delete(nmae="city-001")
    assert CityStore(writable).count() == 3


def test_writes_persist_to_the_file(writable: Any, make_graph: Any) -> None:
    """Rows created through a Store are in the file once the graph is disposed."""
    CityStore(writable).create(City(id=7, name="kept", country_code="JP", population=1))
    path = writable.sqlite["runtime"]
    Base.dispose(writable)
    assert CityStore(make_graph({"runtime": path})).get(7).name == "kept"


def test_store_with_a_route_distance_check(graph: Any) -> None:
    """Every sample route reads back with its distance (a full scan of a composite-key table)."""
    for route in RouteStore(graph).iterate():
        assert route.distance == route_distance(route.origin, route.destination)


def test_store_is_generic_over_its_model() -> None:
    """Store subclasses declare their model through Store[Model]."""
    assert CityStore.__orig_bases__ == (Store[City],)  # type: ignore[attr-defined]
    assert RouteStore.model_class is Route
