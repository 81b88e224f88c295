"""
A model's primary key, worked out in one place: columns and names in key order, and identifiers
normalized to the one form every read keys by.

"""

from __future__ import annotations

from typing import Any

import pytest
from fixtures.runtime import City, Country, Route, RouteStore
from sqlalchemy.dialects import sqlite

from microcosm_sqlite._keys import PrimaryKey, names_a_row
from microcosm_sqlite.errors import InvalidIdentifierError
from microcosm_sqlite.reading.rows import RowReader


def test_a_composite_key_is_in_key_order() -> None:
    """Columns, attribute names and kinds follow the key's order, not the table's."""
    key = PrimaryKey.of(Route)
    assert [column.name for column in key.columns] == ["origin", "destination"]
    assert key.names == ("origin", "destination")
    assert key.kinds == (str, str)
    assert key.single is False
    assert PrimaryKey.of(Route) is key  # worked out once per model


def test_the_store_and_the_row_reader_agree_on_the_key() -> None:
    """Store's default order and the fast path's key positions come from the one helper."""
    store = RouteStore()
    ordered = str(store._order_by(store._filtered()))
    assert ordered.endswith("ORDER BY route.origin, route.destination")
    reader = RowReader(Route, sqlite.dialect())
    assert tuple(reader.columns[index] for index in reader.key_positions) == (
        PrimaryKey.of(Route).columns
    )


@pytest.mark.parametrize(
    ("model", "identifier", "key"),
    [
        (City, 7, 7),
        (City, "7", 7),
        (City, 7.0, 7),
        (City, "07", "07"),
        (City, (7,), 7),
        (City, [7], 7),
        (City, True, True),
        (Country, 7, "7"),
        (Route, ["CDG", "AMS"], ("CDG", "AMS")),
    ],
)
def test_identifiers_are_normalized_where_sqlite_finds_the_same_row(
    model: type[Any], identifier: Any, key: Any
) -> None:
    """Conversions happen only where SQLite would match the same row; tuples stay tuples."""
    normalized = PrimaryKey.of(model).normalize(identifier, RouteStore())
    assert normalized == key and type(normalized) is type(key)


@pytest.mark.parametrize(
    ("identifier", "reason"),
    [
        (("CDG",), "primary key of 2 column"),
        ([{"a": 1}, "AMS"], "unhashable"),
        (("CDG", ["AMS"]), "unhashable"),
    ],
)
def test_an_unusable_identifier_names_the_store(identifier: Any, reason: str) -> None:
    """A key of the wrong size, or one that cannot be hashed, is the caller's 400."""
    with pytest.raises(InvalidIdentifierError, match=reason) as caught:
        PrimaryKey.of(Route).normalize(identifier, RouteStore())
    assert caught.value.store == "RouteStore"


@pytest.mark.parametrize(
    ("key", "usable"),
    [(1, True), (None, False), (("a", None), False), (2**63, False), (-(2**63), True)],
)
def test_only_keys_sqlite_can_hold_name_a_row(key: Any, usable: bool) -> None:
    """A NULL or an integer beyond 64 bits names no row; the readers ask nothing for it."""
    assert names_a_row(key) is usable
