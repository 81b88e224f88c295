"""
Column types: `EnumType` stores member names, `Truthy` reads the usual boolean spellings.

"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fixtures.runtime import Base, Continent, Country, CountryStore
from sqlalchemy import String
from sqlalchemy.exc import StatementError

from microcosm_sqlite.errors import UnreadableValueError
from microcosm_sqlite.types import EnumType, Truthy, to_bool


def raw_rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


@pytest.fixture
def writable(make_graph: Any, tmp_path: Path) -> Any:
    graph = make_graph({"runtime": str(tmp_path / "types.sqlite")}, read_only=False)
    Base.create_all(graph)
    return graph


def test_enum_type_stores_the_members_name(artifact: Path) -> None:
    """The artifact holds enum names as text, not values or ordinals."""
    assert raw_rows(artifact, "SELECT code, continent FROM country ORDER BY code") == [
        ("CH", "EUROPE"),
        ("DE", "EUROPE"),
        ("FR", "EUROPE"),
        ("JP", "ASIA"),
        ("NP", "ASIA"),
        ("US", "AMERICA"),
    ]


def test_enum_type_reads_back_members(graph: Any) -> None:
    """Stored names read back as enum members."""
    assert CountryStore(graph).get("US").continent is Continent.AMERICA


def test_enum_type_accepts_a_members_name_when_written(writable: Any) -> None:
    """A name given instead of a member is stored as that member."""
    CountryStore(writable).create(Country(code="IN", name="India", continent="ASIA"))
    assert CountryStore(writable).get("IN").continent is Continent.ASIA


@pytest.mark.parametrize("bad", ["Asia", "asia", "MARS", 1])
def test_enum_type_rejects_unknown_names_naming_the_choices(writable: Any, bad: Any) -> None:
    """A value that is no member's name fails, listing the names it could be."""
    with pytest.raises(StatementError, match=r"is not a Continent.*EUROPE, ASIA, AMERICA"):
        CountryStore(writable).create(Country(code="XX", name="Nowhere", continent=bad))


def test_enum_type_reading_an_unknown_stored_name_fails(writable: Any, make_graph: Any) -> None:
    """A stored name the enum no longer has is an error, not a silent None."""
    path = writable.sqlite["runtime"]
    CountryStore(writable).create(Country(code="FR", name="France", continent=Continent.EUROPE))
    Base.dispose(writable)
    connection = sqlite3.connect(path)
    connection.execute("UPDATE country SET continent = 'ATLANTIS'")
    connection.commit()
    connection.close()
    with pytest.raises(
        UnreadableValueError, match=r"'ATLANTIS' is not a Continent \(choose from: EUROPE"
    ):
        CountryStore(make_graph({"runtime": path})).get("FR")


def test_enum_type_sizes_its_column_for_the_longest_name() -> None:
    """The string length fits the longest member name."""
    impl = EnumType(Continent).impl_instance
    assert isinstance(impl, String) and impl.length == len("AMERICA")
    assert EnumType(Continent).python_type is Continent
    assert repr(EnumType(Continent)) == "EnumType(Continent)"


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("1", True),
        ("t", True),
        ("T", True),
        ("true", True),
        ("True", True),
        ("y", True),
        ("YES", True),
        (" on ", True),
        (1, True),
        (True, True),
        (1.0, True),
        ("0", False),
        ("f", False),
        ("false", False),
        ("FALSE", False),
        ("n", False),
        ("no", False),
        ("off", False),
        (0, False),
        (False, False),
        (0.0, False),
        (None, None),
    ],
)
def test_to_bool_reads_the_usual_spellings(spelling: Any, expected: bool | None) -> None:
    """Booleans, 0/1 and common words read as booleans; None stays None."""
    assert to_bool(spelling) is expected


@pytest.mark.parametrize("bad", ["maybe", "", "2", 2, 0.5, [], "tru"])
def test_to_bool_rejects_anything_else(bad: Any) -> None:
    """Anything else is a ValueError listing the accepted spellings."""
    with pytest.raises(ValueError, match=r"is not a boolean.*yes"):
        to_bool(bad)


@pytest.mark.parametrize(("spelling", "stored"), [("yes", 1), ("F", 0), (True, 1), ("off", 0)])
def test_truthy_column_stores_spellings_as_booleans(
    writable: Any, spelling: Any, stored: int
) -> None:
    """A Truthy column stores 1 or 0 whatever spelling it is given, and reads back a bool."""
    CountryStore(writable).create(
        Country(code="XX", name="X", continent=Continent.ASIA, landlocked=spelling)
    )
    path = Path(writable.sqlite["runtime"])
    assert raw_rows(path, "SELECT landlocked FROM country") == [(stored,)]
    assert CountryStore(writable).get("XX").landlocked is bool(stored)


def test_truthy_column_rejects_a_bad_spelling(writable: Any) -> None:
    """A Truthy column refuses words it does not know."""
    with pytest.raises(StatementError, match="'maybe' is not a boolean"):
        CountryStore(writable).create(
            Country(code="XX", name="X", continent=Continent.ASIA, landlocked="maybe")
        )


def test_truthy_is_a_boolean_type() -> None:
    """Truthy behaves as a Boolean for SQLAlchemy."""
    assert Truthy().python_type is bool
