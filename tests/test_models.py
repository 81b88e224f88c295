"""
`IdentityMixin`: instances compare and hash by primary key, whichever session loaded them.

"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fixtures.runtime import Base, Continent, Country, CountryStore


def test_instances_from_two_graphs_with_one_key_are_equal(make_graph: Any, artifact: Path) -> None:
    """Two loads of one row, from two graphs, are different objects but equal, with one hash."""
    first = CountryStore(make_graph({"runtime": str(artifact)})).get("FR")
    second = CountryStore(make_graph({"runtime": str(artifact)})).get("FR")
    assert first is not second
    assert first == second
    assert hash(first) == hash(second)
    assert len({first, second}) == 1


def test_instances_with_different_keys_differ(graph: Any) -> None:
    """Different primary keys are unequal."""
    store = CountryStore(graph)
    assert store.get("FR") != store.get("DE")
    assert len(set(store.search())) == 6


def test_a_loaded_instance_equals_a_new_one_with_its_key(graph: Any) -> None:
    """Equality is by key alone: a transient instance with the same key is equal."""
    transient = Country(code="FR", name="Other", continent=Continent.ASIA)
    assert CountryStore(graph).get("FR") == transient
    assert {CountryStore(graph).get("FR"): 1}[transient] == 1


def test_other_types_are_never_equal(graph: Any) -> None:
    """An instance never equals a value of another type, even its key."""
    country = CountryStore(graph).get("FR")
    assert country != "FR"
    assert country != ("FR",)
    assert country is not None


def test_repr_shows_the_key(graph: Any) -> None:
    """repr names the class and primary key."""
    assert repr(CountryStore(graph).get("JP")) == "Country('JP')"


def test_equality_survives_the_session_closing(graph: Any) -> None:
    """Equality and hashing still work after the instance's session is gone."""
    session = Base.new_session(graph)
    country = session.get(Country, "US")
    session.close()
    assert country == CountryStore(graph).get("US")
