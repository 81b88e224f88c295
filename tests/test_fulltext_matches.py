"""
`Store.match` and `count_matches`: ranked full-text matches as typed models, accents ignored,
through the Store's filters and ordering, on both read paths; what users type is never a 500.

"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import GraphMaker
from fixtures.searchable import Declared, declare, sample_rows

from microcosm_sqlite.errors import (
    InvalidFilterValueError,
    SchemaMismatchError,
    SQLiteError,
    UnknownFilterError,
)
from microcosm_sqlite.fulltext import FullText


@pytest.fixture
def places(make_graph: GraphMaker, declared: Declared, places_artifact: Path) -> Any:
    """The places' store, on a read-only graph of the sample artifact."""
    return declared.PlaceStore(make_graph({"places": str(places_artifact)}))


def ids(found: list[Any]) -> list[int]:
    return [place.id for place in found]


def test_match_returns_models_ranked_by_relevance(places: Any, declared: Declared) -> None:
    """A row matching in both columns outranks rows matching in one; ties go in key order."""
    found = places.match("london")
    assert all(isinstance(place, declared.Place) for place in found)
    assert ids(found) == [1, 2, 7]
    assert places.count_matches("london") == 3


@pytest.mark.parametrize("text", ["zurich", "zürich", "ZURICH", "Zürich"])
def test_accents_and_case_are_ignored_both_ways(places: Any, text: str) -> None:
    """ "zurich" finds "Zürich" and "Zurich", and so does "Zürich"."""
    assert sorted(ids(places.match(text))) == [4, 5]


def test_words_must_all_match_in_any_column_and_order(places: Any) -> None:
    """Every word matches somewhere in the row: in the name, the city, in either order."""
    assert ids(places.match("london heathrow")) == [1]
    assert ids(places.match("heathrow london")) == [1]
    assert ids(places.match("gatwick crawley")) == [2]
    assert ids(places.match("saint exupery")) == [6]


def test_the_last_word_is_a_prefix_unless_told_otherwise(places: Any) -> None:
    """Autocomplete: "heath" finds Heathrow and Heathfield; `prefix=False` wants whole words."""
    assert sorted(ids(places.match("heath"))) == [1, 3]
    assert places.match("heath", prefix=False) == []
    assert ids(places.match("lond heathrow")) == []


def test_filters_pages_and_ordering_compose(places: Any) -> None:
    """Auto filters (IN too), offset and limit apply; unranked, the Store's order alone."""
    assert ids(places.match("london", kind="airport")) == [1, 2]
    assert ids(places.match("l", country_code=["FR", "CH"])) == [6]
    assert places.count_matches("london", kind=["airport", "port"]) == 3
    assert ids(places.match("london", limit=2)) == [1, 2]
    assert ids(places.match("london", offset=1, limit=1)) == [2]
    # Zurich Hauptbahnhof, in Zürich, matches twice; unranked, key order
    assert ids(places.match("zurich")) == [5, 4]
    assert ids(places.match("zurich", ranked=False)) == [4, 5]


def test_text_is_words_so_no_character_is_an_operator(places: Any) -> None:
    """Operators and quotes in what users type are words like any other: no error."""
    for text in ['"', "AND", "OR london", "NOT", "NEAR(", "*", "^london", "(", "name:", "{a b}:"]:
        assert isinstance(places.match(text), list)
    assert ids(places.match('"port" of')) == [7]
    assert ids(places.match("london\x00")) == [1, 2, 7]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_text_with_no_word_matches_nothing(places: Any, text: str) -> None:
    """Nothing to look for finds nothing, without a query; keywords are still checked."""
    assert places.match(text) == []
    assert places.count_matches(text) == 0
    with pytest.raises(UnknownFilterError):
        places.match(text, colour="red")


def test_query_syntax_on_request(places: Any) -> None:
    """`syntax=True` takes FTS5's queries: OR, NOT, phrases, columns, prefixes."""
    assert sorted(ids(places.match("gatwick OR zurich", syntax=True))) == [2, 4, 5]
    assert ids(places.match("london NOT gatwick", syntax=True)) == [1, 7]
    assert ids(places.match('"port of london"', syntax=True)) == [7]
    assert ids(places.match("city: heathfield", syntax=True)) == [3]
    assert places.count_matches("heath*", syntax=True) == 2


@pytest.mark.parametrize(
    "text", ["london AND", '"unterminated', "NEAR(london", "nowhere: london", "(london", "a\x00b"]
)
def test_a_query_syntax_error_is_the_callers_400(places: Any, text: str) -> None:
    """A query FTS5 cannot parse is an InvalidFilterValueError naming the store, not a 500."""
    for call in (places.match, places.count_matches):
        with pytest.raises(InvalidFilterValueError) as caught:
            call(text, syntax=True)
        assert caught.value.status_code == 400
        assert str(caught.value).startswith("PlaceStore: cannot filter by match=")


@pytest.mark.parametrize("text", [None, 42, b"london", "\ud800"])
def test_text_that_is_no_text_is_the_callers_400(places: Any, text: Any) -> None:
    """Not a string, or a string UTF-8 cannot hold: a 400 before any SQL runs."""
    with pytest.raises(InvalidFilterValueError):
        places.match(text)


def test_pages_are_checked_as_search_checks_them(places: Any) -> None:
    """A negative limit is the same 400 as in `search`."""
    with pytest.raises(InvalidFilterValueError, match="limit"):
        places.match("london", limit=-1)


def test_a_model_with_no_searchable_columns_says_so(make_graph: GraphMaker, tmp_path: Path) -> None:
    """`match` on a Store whose model declares no `FullText` names what is missing."""
    plain = declare(fulltext=None)
    store = plain.PlaceStore(make_graph({"places": str(plain.build(tmp_path / "plain.sqlite"))}))
    with pytest.raises(SQLiteError, match="declares no searchable columns"):
        store.match("london")


@pytest.mark.parametrize(
    ("built_with", "message"),
    [
        (None, "no full-text index places_fts (the models declare one: rebuild it)"),
        (FullText("name"), "full-text index places_fts is not the one the models declare"),
    ],
    ids=["none", "another"],
)
def test_an_artifact_without_the_declared_index_is_a_schema_mismatch(
    make_graph: GraphMaker, tmp_path: Path, built_with: FullText | None, message: str
) -> None:
    """An artifact built before the declaration (or with another) fails with what to do."""
    output = declare(fulltext=built_with).build(tmp_path / "older.sqlite")
    store = declare().PlaceStore(make_graph({"places": str(output)}))
    with pytest.raises(SchemaMismatchError) as caught:
        store.match("london")
    assert message in str(caught.value)


def test_match_inside_a_context_as_in_2x(
    make_graph: GraphMaker, declared: Declared, places_artifact: Path
) -> None:
    """`Store()` with no graph matches inside an open `new_context`, as other reads do."""
    graph = make_graph({"places": str(places_artifact)})
    with declared.Base.new_context(graph):
        assert ids(declared.PlaceStore().match("gatwick")) == [2]


def test_pages_ranked_by_the_index_alone_are_pages_of_every_match(
    make_graph: GraphMaker, declared: Declared, tmp_path: Path
) -> None:
    """Unfiltered pages (ranked by the index, then read) are slices of the whole ranking."""
    rows = sample_rows()
    names = ["Station", "Station Road", "Old Station", "Station", "Station Square Station"]
    rows["places"] += [
        {**rows["places"][0], "id": 100 - number, "name": names[number % 5], "city": "Bath"}
        for number in range(40)
    ]
    store = declared.PlaceStore(
        make_graph({"places": str(declared.build(tmp_path / "p.sqlite", rows))})
    )
    every = ids(store.match("station"))
    assert len(every) == store.count_matches("station") == 41
    for offset, limit in [(0, 5), (3, 7), (10, 20), (39, 5), (41, 3)]:
        page = ids(store.match("station", offset=offset, limit=limit))
        assert page == every[offset : offset + limit]
        filtered = ids(store.match("station", offset=offset, limit=limit, kind="airport"))
        assert filtered == [id for id in every if id != 3][offset : offset + limit]


@pytest.mark.parametrize(("weights", "first"), [({"name": 2.0}, 1), ({"city": 10.0}, 2)])
def test_weights_rank_one_column_above_another(
    make_graph: GraphMaker, tmp_path: Path, weights: dict[str, float], first: int
) -> None:
    """A word in the heavier column ranks first; the weights are the reader's, not the file's."""
    rows = sample_rows()
    place = rows["places"][0]
    rows["places"] = [
        {**place, "id": 1, "name": "Bern Airport", "city": "Belp"},
        {**place, "id": 2, "name": "Wankdorf", "city": "Bern"},
    ]
    output = declare().build(tmp_path / "bern.sqlite", rows)
    store = declare(fulltext=FullText("name", "city", prefix=(2,), weights=weights))
    found = ids(store.PlaceStore(make_graph({"places": str(output)})).match("bern"))
    assert found[0] == first
    assert sorted(found) == [1, 2]
