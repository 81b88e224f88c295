"""
2.x's call styles on Stores: session sources (`GetOrCreateSession`, `get_session`, given at
construction or set later), `store.session`, `_filter` overrides written for 2.x's ORM `Query`,
pagination keywords on `count` and `one`, and `delete` inside a 2.x context.

"""

from __future__ import annotations

import warnings
from multiprocessing.pool import ThreadPool
from pathlib import Path
from typing import Any

import pytest
from fixtures.runtime import CITY_COUNT, Base, City, CityStore
from sqlalchemy import select

from microcosm_sqlite.errors import ModelNotFoundError, MultipleModelsFoundError


class ExceptCityStore(CityStore):
    """A 2.x-style override: `except_` on what it got, then the parent's filters on the result."""

    def _filter(self, query: Any, exclude_country: str | None = None, **kwargs: Any) -> Any:
        if exclude_country is not None:
            query = query.except_(select(City).where(City.country_code == exclude_country))
        return super()._filter(query, **kwargs)


class EntitiesCityStore(CityStore):
    """A 2.x-style override calling a method only Query has."""

    def _filter(self, query: Any, **kwargs: Any) -> Any:
        return super()._filter(query.with_entities(City), **kwargs)


def warned_here(caught: pytest.WarningsRecorder) -> None:
    """Every warning caught names this file: the line that made the old call."""
    assert caught.list
    assert {Path(warning.filename) for warning in caught.list} == {Path(__file__)}


@pytest.fixture
def writable(make_graph: Any, artifact: Path) -> Any:
    """A writable graph over a copy of the sample artifact."""
    copy = artifact.with_name("writable.sqlite")
    copy.write_bytes(artifact.read_bytes())
    return make_graph({"runtime": str(copy)}, read_only=False)


# --- session sources -----------------------------------------------------------------------------


def test_store_takes_get_or_create_session(graph: Any) -> None:
    """Store(GetOrCreateSession(graph)), positional or as get_session=, reads from the graph."""
    from microcosm_sqlite.stores import GetOrCreateSession

    with pytest.warns(DeprecationWarning, match=r"Store\(graph\)") as caught:
        getter = GetOrCreateSession(graph)
    warned_here(caught)
    with pytest.warns(DeprecationWarning, match=r"Store\(graph\)") as caught:
        positional = CityStore(getter)
    warned_here(caught)
    with pytest.warns(DeprecationWarning, match=r"Store\(graph\)"):
        keyword = CityStore(get_session=getter)
    assert positional.graph is graph and keyword.graph is graph
    assert positional.get(1).id == keyword.get(1).id == 1
    with pytest.warns(DeprecationWarning, match="store.session") as caught:
        session = positional.session
    warned_here(caught)
    assert session.get(City, 1) is not None


def test_get_session_set_after_construction_reads_from_threads(graph: Any) -> None:
    """`store.get_session = GetOrCreateSession(graph)` on a Store(): each thread reads its own."""
    from microcosm_sqlite.stores import GetOrCreateSession

    store = CityStore()
    with pytest.warns(DeprecationWarning):
        getter = GetOrCreateSession(graph)
    with pytest.warns(DeprecationWarning, match="GetOrCreateSession") as caught:
        store.get_session = getter  # type: ignore[attr-defined]
    warned_here(caught)
    with ThreadPool(4) as pool:
        found = pool.map(lambda index: store.search(limit=8)[index].id, range(8))
    assert found == list(range(1, 9))
    with pytest.warns(DeprecationWarning, match="store.get_session") as caught:
        source = store.get_session  # type: ignore[attr-defined]
    warned_here(caught)
    assert source(store).get(City, 2) is not None


def test_get_session_function_set_after_construction_reads_the_open_context(graph: Any) -> None:
    """`store.get_session = get_session` makes the store read the open context's session."""
    from microcosm_sqlite.stores import get_session

    store = CityStore(graph)
    with pytest.warns(DeprecationWarning, match="new_context"):
        store.get_session = get_session  # type: ignore[attr-defined]
    assert store.graph is None
    with Base.new_context(graph) as session:
        assert store.get(3) in session
        with pytest.warns(DeprecationWarning, match=r"get_session\(store\)") as caught:
            assert get_session(store) is session
        warned_here(caught)


def test_other_session_sources_are_refused() -> None:
    """Any other get_session callable is a TypeError pointing to the upgrade guide."""
    with pytest.raises(TypeError, match=r"UPGRADING\.md"):
        CityStore(get_session=lambda store: None)
    with pytest.raises(TypeError, match=r"UPGRADING\.md"):
        CityStore().get_session = lambda store: None  # type: ignore[attr-defined]


# --- _filter overrides written for 2.x's Query ---------------------------------------------------

# cities 1..60 cycle through CH, DE, FR, JP, NP, US: DE's are those with id % 6 == 1
NOT_DE_FROM_55 = [56, 57, 58, 59, 60]


def test_filter_after_except_reads_as_2x_did(graph: Any) -> None:
    """`except_()`, then `filter()` on its result: search, count, exists, first, one, iterate."""
    store = ExceptCityStore(graph)
    query: dict[str, Any] = dict(exclude_country="DE", min_population=55000)
    with pytest.warns(DeprecationWarning, match=r"Query\.where\(\)") as caught:
        assert [city.id for city in store.search(**query)] == NOT_DE_FROM_55
    warned_here(caught)
    with pytest.warns(DeprecationWarning):
        assert [city.id for city in store.search(offset=1, limit=2, **query)] == [57, 58]
        assert store.count(**query) == len(NOT_DE_FROM_55)
        assert store.exists(**query)
        assert not store.exists(exclude_country="DE", name="city-055")
        first = store.first(**query)
        assert first is not None and first.id == 56
        assert store.one(name="city-057", **query).id == 57
        assert [city.id for city in store.iterate(**query)] == NOT_DE_FROM_55
        assert store.count(exclude_country="DE") == CITY_COUNT - CITY_COUNT // 6
        assert store.search(name="city-056", **query)[0].country.code == "FR"


def test_3x_filters_of_such_a_store_stay_quiet(graph: Any) -> None:
    """Without the 2.x branch, the override reads through the 3.x statement, no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ExceptCityStore(graph).count(min_population=55000) == 6


def test_query_only_methods_are_answered(graph: Any) -> None:
    """Another Query-only method (`with_entities`) on the statement reads as 2.x did."""
    with pytest.warns(DeprecationWarning, match="with_entities"):
        assert [city.id for city in EntitiesCityStore(graph).search(limit=2)] == [1, 2]


def test_delete_after_except(writable: Any) -> None:
    """A delete through such an override deletes exactly the rows 2.x's Query matched."""
    with pytest.warns(DeprecationWarning):
        deleted = ExceptCityStore(writable).delete(exclude_country="DE", min_population=55000)
    assert deleted == len(NOT_DE_FROM_55)
    assert [city.id for city in CityStore(writable).search(min_population=55000)] == [55]


def test_an_override_s_own_attribute_error_is_not_hidden(graph: Any) -> None:
    """An AttributeError that is not a Query method is the override's, raised as it is."""

    class BrokenStore(CityStore):
        def _filter(self, query: Any, **kwargs: Any) -> Any:
            return query.no_such_method()

    with pytest.raises(AttributeError, match="no_such_method"):
        BrokenStore(graph).count()


# --- pagination keywords and 2.x's delete -----------------------------------------------------


def test_count_ignores_pagination_keywords_as_2x_did(graph: Any) -> None:
    """`count(offset=..., limit=...)` counts every match, with a warning."""
    store = CityStore(graph)
    with pytest.warns(DeprecationWarning, match=r"count\(offset=\.\.\., limit=\.\.\.\)") as caught:
        assert store.count(offset=1, limit=1, country_code="FR") == CITY_COUNT // 6
    warned_here(caught)


def test_one_takes_the_page_it_is_given(graph: Any) -> None:
    """`one(offset, limit)` is the only match of that page, as search gives it; no warning."""
    store = CityStore(graph)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert store.one(limit=1).id == 1
        assert store.one(offset=1, limit=1).id == 2
        assert store.one(country_code="FR", offset=9).id == 56
        with pytest.raises(MultipleModelsFoundError):
            store.one(country_code="FR", offset=8)
        with pytest.raises(ModelNotFoundError):
            store.one(country_code="FR", offset=10)


def test_delete_matching_nothing_in_a_2x_context_raises(writable: Any) -> None:
    """Inside `new_context(graph).open()`, a delete of nothing raises ModelNotFoundError."""
    with pytest.warns(DeprecationWarning):
        context = Base.new_context(writable).open()
    try:
        assert CityStore().delete(name="city-001") == 1
        with (
            pytest.warns(DeprecationWarning, match="returns how many") as caught,
            pytest.raises(ModelNotFoundError, match="city-001"),
        ):
            CityStore().delete(name="city-001")
        warned_here(caught)
        # the first delete stands: the refusal rolled nothing back
        assert CityStore().count() == CITY_COUNT - 1
    finally:
        context.close()


def test_delete_matching_nothing_elsewhere_returns_zero(writable: Any) -> None:
    """3.x's delete of nothing, in a 3.x block or through the graph, is 0 without a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with Base.new_context(writable):
            assert CityStore().delete(name="nowhere") == 0
        assert CityStore(writable).delete(name="nowhere") == 0
