"""
A stored value its column's type cannot read back (a damaged or hand-edited file) fails the read
with an `SQLiteError` naming the data set, never a raw ValueError from deep in a type.

"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fixtures.runtime import CountryStore

from microcosm_sqlite.errors import UnreadableValueError


@pytest.fixture
def damaged(artifact: Path) -> Path:
    """The sample artifact with Japan's continent overwritten by a name no member has."""
    with sqlite3.connect(artifact) as connection:
        connection.execute("UPDATE country SET continent = 'A\x07IA' WHERE code = 'JP'")
    connection.close()
    return artifact


@pytest.mark.parametrize(
    "read",
    [
        lambda store: store.get("JP"),
        lambda store: store.get_many(["FR", "JP"]),
        lambda store: store.search(),
        lambda store: store.first(name="Japan"),
        lambda store: list(store.iterate()),
    ],
    ids=["get", "get_many", "search", "first", "iterate"],
)
def test_an_unreadable_value_is_an_sqlite_error_naming_the_data_set(
    make_graph: Any, damaged: Path, read: Any, read_path: str
) -> None:
    """Every read that meets the value raises UnreadableValueError with the data set and path."""
    store = CountryStore(make_graph({"runtime": str(damaged)}))
    with pytest.raises(UnreadableValueError) as caught:
        read(store)
    message = str(caught.value)
    assert "data set 'runtime'" in message and str(damaged) in message
    assert "A\\x07IA" in message
    if read_path == "fast":  # the fast path knows which column it was reading
        assert "Country.continent holds 'A\\x07IA'" in message


def test_rows_around_the_damage_still_read(make_graph: Any, damaged: Path) -> None:
    """Only the damaged row fails: the others answer as before."""
    store = CountryStore(make_graph({"runtime": str(damaged)}))
    assert store.get("FR").name == "France"
    assert store.count() == 6
