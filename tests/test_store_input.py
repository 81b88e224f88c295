"""
Keys and filter values a Store cannot use: clear errors from `microcosm_sqlite.errors`, never raw
Python or SQLAlchemy errors, and never SQL in a message a service may hand to its client.

"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fixtures.runtime import CityStore, Continent, CountryStore, RouteStore
from sqlalchemy.orm import Mapped, mapped_column

from microcosm_sqlite import DataSet, Store
from microcosm_sqlite.errors import (
    InvalidFilterValueError,
    InvalidIdentifierError,
    ModelNotFoundError,
)
from microcosm_sqlite.types import EnumType

BEYOND_INT64 = [2**63, -(2**63) - 1, "99999999999999999999", 10**30]


@pytest.mark.parametrize("key", BEYOND_INT64, ids=repr)
def test_a_key_beyond_64_bits_is_not_found(graph: Any, key: Any) -> None:
    """No row can have an integer key SQLite cannot hold: get says not found (404)."""
    with pytest.raises(ModelNotFoundError) as caught:
        CityStore(graph).get(key)
    assert caught.value.status_code == 404


def test_get_many_leaves_out_keys_beyond_64_bits(graph: Any) -> None:
    """Keys beyond 64 bits are left out like any missing key; the others are still found."""
    found = CityStore(graph).get_many([3, 2**63, "99999999999999999999", 1, -(2**64)])
    assert [city.id for city in found] == [3, 1]


@pytest.mark.parametrize(
    ("store", "key", "reason"),
    [
        (RouteStore, ("CDG", "AMS", "FRA"), "primary key of 2 column"),
        (RouteStore, ("CDG",), "primary key of 2 column"),
        (CityStore, (1, 2), "primary key of 1 column"),
        (CityStore, {"id": 1}, "unhashable"),
        (CityStore, [[1]], "unhashable"),
        (RouteStore, ({"a": 1}, "AMS"), "unhashable"),
        (CityStore, object(), "not supported"),
    ],
    ids=["too-long", "too-short", "tuple-for-one", "dict", "nested-list", "dict-inside", "object"],
)
def test_a_malformed_key_is_a_400_naming_the_store(
    graph: Any, store: Any, key: Any, reason: str
) -> None:
    """A key of the wrong shape or type is the caller's mistake: InvalidIdentifierError, 400."""
    with pytest.raises(InvalidIdentifierError, match=reason) as caught:
        store(graph).get(key)
    assert caught.value.status_code == 400
    assert store.__name__ in str(caught.value)
    assert isinstance(caught.value, ValueError)  # what 2.x callers caught for a bad tuple


@pytest.mark.parametrize("keys", [[1, {"id": 2}], [1, [2, 3]]], ids=["dict", "list"])
def test_get_many_refuses_a_malformed_key(graph: Any, keys: list[Any]) -> None:
    """get_many refuses an unusable key with the same error as get."""
    with pytest.raises(InvalidIdentifierError, match="CityStore"):
        CityStore(graph).get_many(keys)


def test_get_many_refuses_a_composite_key_of_the_wrong_size(graph: Any) -> None:
    """A tuple of the wrong size among composite keys is named in the error."""
    with pytest.raises(InvalidIdentifierError, match=r"\('CDG',\)"):
        RouteStore(graph).get_many([("CDG", "AMS"), ("CDG",)])


@pytest.mark.parametrize(
    ("store", "filters", "reason"),
    [
        (CountryStore, {"continent": "spot"}, "'spot' is not a Continent"),
        (CountryStore, {"continent": ["EUROPE", "spot"]}, "'spot' is not a Continent"),
        (CityStore, {"name": {"a": 1}}, "a dict cannot be compared"),
        (CityStore, {"country_code": 2**63}, "beyond SQLite's 64-bit integers"),
        (CityStore, {"min_population": 2**63}, "too large"),
        (CityStore, {"min_population": -(2**70)}, "too large"),
    ],
    ids=["enum", "enum-in-list", "dict", "int-auto", "int-custom", "negative-custom"],
)
@pytest.mark.parametrize("call", ["search", "count", "exists", "first", "one", "iterate"])
def test_a_bad_filter_value_is_a_400_without_sql(
    graph: Any, store: Any, filters: dict[str, Any], reason: str, call: str
) -> None:
    """Every read refuses the value with the store, keyword and value named, and no SQL."""
    method = getattr(store(graph), call)
    with pytest.raises(InvalidFilterValueError) as caught:
        result = method(**filters)
        if call == "iterate":
            list(result)
    error = caught.value
    assert error.status_code == 400
    assert reason in str(error)
    [(keyword, value)] = filters.items()
    assert f"{store.__name__}: cannot filter by {keyword}={value!r}" in str(error)
    assert "SELECT" not in str(error) and "[SQL" not in str(error)


def test_good_filter_values_still_match(graph: Any) -> None:
    """The checks refuse nothing usable: enum members, their names and lists of them match."""
    countries = CountryStore(graph)
    wanted = ("EUROPE", "ASIA")
    by_member = {country.code for country in countries.search(continent=list(wanted))}
    assert by_member
    assert by_member == {
        country.code for country in countries.search() if country.continent.name in wanted
    }
    assert CityStore(graph).count(min_population=2**62) == 0


# --- text UTF-8 cannot encode (issue 23) -------------------------------------------------

LONE_SURROGATE = "F\udc80"


@pytest.mark.parametrize(
    "read",
    [
        lambda graph: CountryStore(graph).get(LONE_SURROGATE),
        lambda graph: CityStore(graph).get(LONE_SURROGATE),
        lambda graph: RouteStore(graph).get(("CDG", LONE_SURROGATE)),
        lambda graph: CountryStore(graph).get_many(["FR", LONE_SURROGATE]),
        lambda graph: RouteStore(graph).get_many([("CDG", "AMS"), (LONE_SURROGATE, "AMS")]),
    ],
    ids=["get", "get-int-key", "get-composite", "get_many", "get_many-composite"],
)
def test_a_key_utf8_cannot_encode_is_a_400_naming_no_file(
    graph: Any, artifact: Any, read: Any
) -> None:
    """A lone surrogate in a key is the caller's mistake, on both read paths: a 400."""
    with pytest.raises(InvalidIdentifierError) as caught:
        read(graph)
    assert_names_no_file(caught.value, artifact)


@pytest.mark.parametrize("call", ["search", "count", "exists", "first", "one", "iterate"])
@pytest.mark.parametrize("keyword", ["name", "min_population"], ids=["auto", "custom"])
def test_a_filter_value_utf8_cannot_encode_is_a_400_naming_no_file(
    graph: Any, artifact: Any, call: str, keyword: str
) -> None:
    """Whether an auto filter or a custom `_filter` compares it, the value is refused: a 400."""
    with pytest.raises(InvalidFilterValueError) as caught:
        result = getattr(CityStore(graph), call)(**{keyword: LONE_SURROGATE})
        if call == "iterate":
            list(result)
    assert f"cannot filter by {keyword}={LONE_SURROGATE!r}" in str(caught.value)
    assert_names_no_file(caught.value, artifact)


def assert_names_no_file(error: Any, artifact: Any) -> None:
    """A 400 about the input: it names the store and the value, never the file behind it."""
    assert error.status_code == 400
    assert "Store" in str(error)
    assert str(artifact) not in str(error) and artifact.name not in str(error)
    assert not hasattr(error, "path")


# --- pages (issue 25) --------------------------------------------------------------------

BAD_PAGES = [
    {"limit": -1},
    {"offset": -1},
    {"limit": True},
    {"offset": False},
    {"limit": "x"},
    {"limit": "3"},
    {"limit": 1.5},
    {"limit": 2**63},
    {"offset": 2**63},
]


@pytest.mark.parametrize("page", BAD_PAGES, ids=repr)
@pytest.mark.parametrize("call", ["search", "first", "one"])
def test_a_page_that_is_not_a_64_bit_whole_number_is_a_400_naming_it(
    graph: Any, page: dict[str, Any], call: str
) -> None:
    """offset and limit take 0 to 2**63 - 1 and nothing else: never everything, never a crash."""
    with pytest.raises(InvalidFilterValueError) as caught:
        getattr(CityStore(graph), call)(**page)
    [(name, value)] = page.items()
    assert caught.value.status_code == 400
    assert caught.value.filters == page
    assert f"CityStore: cannot filter by {name}={value!r}: {name} must be" in str(caught.value)


def test_pages_up_to_the_largest_64_bit_integer_are_taken(graph: Any) -> None:
    """The whole range SQLite takes works, from an empty page to one as large as it gets."""
    store = CityStore(graph)
    assert len(store.search(limit=2**63 - 1)) == len(store.search())
    assert store.search(offset=2**63 - 1) == []
    assert store.search(limit=0) == []
    assert store.first(offset=0, limit=2**63 - 1) is store.first()


# --- keys a key column's type refuses ------------------------------------------------------

ContinentBase: Any = DataSet.create("continents")


class ContinentRow(ContinentBase):
    __tablename__ = "continent"

    continent: Mapped[Continent] = mapped_column(EnumType(Continent), primary_key=True)
    label: Mapped[str]


class ContinentStore(Store[ContinentRow]):
    model_class = ContinentRow


def test_a_key_its_column_type_refuses_is_a_400(make_graph: Any, tmp_path: Path) -> None:
    """An enum key given a name no member has is refused by its type: a 400, on both paths."""
    path = tmp_path / "continents.sqlite"
    writer = make_graph({"continents": str(path)}, read_only=False)
    ContinentBase.create_all(writer)
    with ContinentBase.new_context(writer) as session:
        session.add(ContinentRow(continent=Continent.ASIA, label="big"))
    ContinentBase.dispose(writer)
    store = ContinentStore(make_graph({"continents": str(path)}))
    assert store.get("ASIA").label == store.get(Continent.ASIA).label == "big"
    with pytest.raises(InvalidIdentifierError, match="'spot' is not a Continent") as caught:
        store.get("spot")
    assert caught.value.status_code == 400
    with pytest.raises(InvalidIdentifierError, match="'spot' is not a Continent"):
        store.get_many(["ASIA", "spot"])
