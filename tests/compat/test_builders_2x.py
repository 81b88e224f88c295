"""
2.x's CSV builder: its extras (`csv(Base).bulk()`, `.default()`, its keywords, `CSVBuilder`),
numbers read as 2.x read them, and `Truthy("")`, each with a warning; 3.x's calls stay quiet
and its offline build strict.

"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest
from fixtures.runtime import (
    CITY_COUNT,
    Base,
    City,
    CityStore,
    Continent,
    Country,
    CountryStore,
)

from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.errors import BuildError, ReadOnlyDataSetError


def csv_text(text: str) -> io.StringIO:
    return io.StringIO(dedent(text).strip() + "\n")


@pytest.fixture
def writable(make_graph: Any, tmp_path: Path) -> Any:
    """A writable graph whose `runtime` data set has its tables and no rows, as 2.x tests began."""
    graph = make_graph({"runtime": str(tmp_path / "writable.sqlite")}, read_only=False)
    Base.create_all(graph)
    return graph


def test_builder_default_fills_columns_the_source_leaves_out(writable: Any) -> None:
    """`.default(**values)` sets a column for every row; the file's own values win."""
    countries = csv_text("""
        code,name,landlocked
        CH,Switzerland,true
        FR,France,false
    """)
    with pytest.warns(DeprecationWarning, match="default="):
        load = writable.sqlite_builder.csv(Country).default(continent="EUROPE", name="?")
    assert load.build(countries) == {"country": 2}
    rows = {country.code: country for country in CountryStore(writable).search()}
    assert rows["CH"].continent is rows["FR"].continent is Continent.EUROPE
    assert (rows["CH"].name, rows["CH"].landlocked) == ("Switzerland", True)
    assert (rows["FR"].name, rows["FR"].landlocked) == ("France", False)


def test_builder_bulk_loads_pairs_of_a_data_set_in_one_go(writable: Any) -> None:
    """`csv(Base).bulk().build([(Model, fileobj), ...])`: a model may come twice, in any order."""
    with pytest.warns(DeprecationWarning, match=r"csv\(Base\)"):
        load = writable.sqlite_builder.csv(Base)
    with pytest.warns(DeprecationWarning, match="bulk"):
        load = load.bulk()
    counts = load.build(
        [
            (Country, csv_text("code,name,continent\nFR,France,EUROPE")),
            # Japan comes later: foreign keys are checked once every row is in, as 2.x deferred them
            (
                City,
                csv_text("id,name,country_code,population,unknown\n1,Paris,FR,2,x\n2,Osaka,JP,3,y"),
            ),
            (Country, csv_text("code,name,continent\nJP,Japan,ASIA")),
        ]
    )
    assert counts == {"country": 2, "city": 2}
    assert [city.country.name for city in CityStore(writable).search()] == ["France", "Japan"]


def test_builder_bulk_keeps_nothing_when_a_row_fails(writable: Any) -> None:
    """A 2.x load is 3.x's single transaction: a dangling foreign key leaves no row behind."""
    with pytest.warns(DeprecationWarning):
        load = writable.sqlite_builder.csv(Base).bulk()
    with pytest.raises(BuildError):
        load.build(
            [
                (Country, csv_text("code,name,continent\nFR,France,EUROPE")),
                (City, csv_text("id,name,country_code,population\n1,Paris,XX,2")),
            ]
        )
    assert CountryStore(writable).count() == 0


def test_builder_delete_before_load_replaces_the_rows(writable: Any) -> None:
    """`delete_before_load=True` empties the tables first, even with rows referring to them."""
    writable.sqlite_builder.csv(Country, City).build(
        csv_text("code,name,continent\nFR,France,EUROPE\nDE,Germany,EUROPE"),
        csv_text("id,name,country_code,population\n1,Paris,FR,2"),
    )
    with pytest.warns(DeprecationWarning) as caught:
        load = writable.sqlite_builder.csv(Base, delete_before_load=True).bulk()
    assert "csv(..., delete_before_load=)" in str(caught[0].message)
    load.build(
        [
            (City, csv_text("id,name,country_code,population\n7,Tokyo,JP,9")),
            (Country, csv_text("code,name,continent\nJP,Japan,ASIA")),
        ]
    )
    assert [country.code for country in CountryStore(writable).search()] == ["JP"]
    assert [city.name for city in CityStore(writable).search()] == ["Tokyo"]


def test_builder_commit_on_insert_is_accepted(writable: Any) -> None:
    """`commit_on_insert=True` warns and loads; the load stays one transaction."""
    with pytest.warns(DeprecationWarning, match="commit_on_insert"):
        load = writable.sqlite_builder.csv(Country, commit_on_insert=True)
    assert load.build(csv_text("code,name,continent\nFR,France,EUROPE")) == {"country": 1}
    with pytest.raises(TypeError, match="unexpected keyword"):
        writable.sqlite_builder.csv(Country, commit_on_each_row=True)


def test_csv_builder_module_loads_into_the_graph(writable: Any) -> None:
    """`microcosm_sqlite.builders.csv.CSVBuilder(graph, Model)` loads as `sqlite_builder` does."""
    from microcosm_sqlite.builders.csv import CSVBuilder

    with pytest.warns(DeprecationWarning, match="graph.sqlite_builder.csv"):
        builder = CSVBuilder(writable, Country)
    builder.build(csv_text("code,name,continent\nFR,France,EUROPE"))
    with pytest.warns(DeprecationWarning, match="graph.sqlite_builder"):
        from microcosm_sqlite.builders import SQLiteBuilder
    assert isinstance(writable.sqlite_builder, SQLiteBuilder)
    assert CountryStore(writable).get("FR").name == "France"


def test_builder_3x_calls_do_not_warn(writable: Any) -> None:
    """The call both versions share, `csv(Model).build(fileobj)`, is 3.x's and stays quiet."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        counts = writable.sqlite_builder.csv(Country).build(
            csv_text("code,name,continent\nFR,France,EUROPE")
        )
    assert counts == {"country": 1}


def test_builder_2x_options_refuse_a_read_only_data_set(graph: Any) -> None:
    """Emptying tables is a write: refused on a read-only data set, pointing to UPGRADING.md."""
    with pytest.warns(DeprecationWarning):
        load = graph.sqlite_builder.csv(City, delete_before_load=True)
    with pytest.raises(ReadOnlyDataSetError, match=r"UPGRADING\.md"):
        load.build(csv_text("id,name,country_code,population\n1,Paris,FR,2"))
    assert CityStore(graph).count() == CITY_COUNT


# --- numbers as 2.x read them --------------------------------------------------------------------

PADDED = dedent("""
    id,name,country_code,population
     1,Paris,FR, 2100000
     2,Lyon,FR,+500000
""").strip()
PADDED_ROWS = [(1, "Paris", 2100000), (2, "Lyon", 500000)]


def cities(graph: Any) -> list[tuple[object, ...]]:
    return [(city.id, city.name, city.population) for city in CityStore(graph).search()]


def with_france(graph: Any) -> None:
    graph.sqlite_builder.csv(Country).build(csv_text("code,name,continent\nFR,France,EUROPE"))


def test_padded_numbers_load_through_the_plain_call_with_a_warning(writable: Any) -> None:
    """`csv(Model).build(fileobj)` with `" 1"`: 3.x refuses it; it loads as in 2.x, warning."""
    with_france(writable)
    with pytest.warns(DeprecationWarning, match="int\\(\\) reads them") as caught:
        counts = writable.sqlite_builder.csv(City).build(io.StringIO(PADDED))
    assert caught[0].filename == __file__
    assert counts == {"city": 2}
    assert cities(writable) == PADDED_ROWS


def test_padded_numbers_load_from_a_path_and_a_byte_stream(writable: Any, tmp_path: Path) -> None:
    """A source given as a path, or as bytes, is read again from its start."""
    with_france(writable)
    path = tmp_path / "city.csv"
    path.write_text(PADDED, encoding="utf-8")
    with pytest.warns(DeprecationWarning):
        writable.sqlite_builder.csv(City).build(path)
    Base.recreate_all(writable)
    with_france(writable)
    with pytest.warns(DeprecationWarning):
        writable.sqlite_builder.csv(City).build(io.BytesIO(PADDED.encode()))
    assert cities(writable) == PADDED_ROWS


class OneWay(io.StringIO):
    """A stream that cannot go back to its start."""

    def seekable(self) -> bool:
        return False


def test_a_stream_that_cannot_be_read_again_keeps_3x_s_refusal(writable: Any) -> None:
    """Without a second reading, the error is 3.x's, located, and nothing loads."""
    with_france(writable)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(BuildError) as caught:
            writable.sqlite_builder.csv(City).build(OneWay(PADDED))
    assert "' 1' is not an integer" in str(caught.value.problems[0])
    assert cities(writable) == []


def test_other_problems_keep_3x_s_refusal_without_a_warning(writable: Any) -> None:
    """A source 3.x refuses for another reason fails as 3.x says, with no 2.x warning."""
    with_france(writable)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(BuildError) as caught:
            writable.sqlite_builder.csv(City).build(
                csv_text("id,name,country_code,population\n1,Paris,FR,many")
            )
    assert "'many' is not an integer" in str(caught.value.problems[0])


def test_2x_extras_read_numbers_as_2x_did(writable: Any) -> None:
    """Through `.default()` and `.bulk()`, numbers are read by Python's int() as 2.x read them."""
    with pytest.warns(DeprecationWarning):
        writable.sqlite_builder.csv(Country).default(continent="EUROPE").build(
            csv_text("code,name\nFR,France")
        )
    with pytest.warns(DeprecationWarning):
        writable.sqlite_builder.csv(Base).bulk().build([(City, io.StringIO(PADDED))])
    assert cities(writable) == PADDED_ROWS


def test_the_offline_build_stays_strict(tmp_path: Path) -> None:
    """`build_artifact` (and `microcosm-sqlite build`) refuse padded numbers, naming the line."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "country.csv").write_text("code,name,continent\nFR,France,EUROPE\n")
    (sources / "city.csv").write_text(PADDED + "\n")
    (sources / "route.csv").write_text("origin,destination,distance\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(BuildError) as caught:
            build_artifact(Base, sources, tmp_path / "out.sqlite")
    assert "city.csv:2" in str(caught.value.problems[0])
    assert not (tmp_path / "out.sqlite").exists()


# --- Truthy --------------------------------------------------------------------------------------


def test_truthy_takes_an_empty_string_as_false_with_a_warning(writable: Any) -> None:
    """An empty string in a Truthy column is False, as 2.x's strtobool wrapper made it."""
    with Base.new_context(writable) as session:
        session.add(Country(code="XX", name="X", continent=Continent.ASIA, landlocked=""))
        with pytest.warns(DeprecationWarning, match="empty string in a Truthy column") as caught:
            session.flush()
    assert caught[0].filename == __file__
    assert CountryStore(writable).get("XX").landlocked is False
