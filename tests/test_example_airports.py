"""
The shipped `airports` data set, read through its Stores the way an application would.

Every test reads the committed artifact, resolved by name through the `microcosm.sqlite` entry
point with no configuration: the patterns the example stores show, and the facts they return.

"""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from types import GeneratorType
from typing import Any

import pytest
from click.testing import CliRunner
from microcosm.api import create_object_graph, load_from_dict
from microcosm_sqlite_airports.models import (
    Airport,
    AirportStore,
    Country,
    CountryCount,
    CountryStore,
)

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.cli import cli
from microcosm_sqlite.errors import (
    InvalidFilterValueError,
    ModelNotFoundError,
    ReadOnlyDataSetError,
    UnknownFilterError,
)

SOURCES = Path(__file__).resolve().parent.parent / "datasets" / "airports" / "sources"
ARTIFACT = Path(str(files("microcosm_sqlite_airports") / "airports.sqlite"))


def source_rows(table: str) -> list[dict[str, str]]:
    with (SOURCES / f"{table}.csv").open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


@pytest.fixture(scope="module", params=["fast", "orm"])
def graph(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The example through its entry point, read on the fast path and through the ORM alone."""
    config = load_from_dict(sqlite=dict(fast_path=request.param == "fast"))
    graph = create_object_graph("airports-test", testing=True, loader=config)
    yield graph
    dispose_sqlite_connections(graph)


@pytest.fixture
def airports(graph: Any) -> AirportStore:
    return AirportStore(graph)


@pytest.fixture
def countries(graph: Any) -> CountryStore:
    return CountryStore(graph)


def test_resolves_by_name_through_the_entry_point_with_no_config(graph: Any) -> None:
    """With no sqlite config, the name resolves to the artifact shipped in the package."""
    assert graph.sqlite.origin("airports") == (
        "entry point microcosm.sqlite:airports = microcosm_sqlite_airports.models:airports_path"
    )
    assert Path(graph.sqlite["airports"]).resolve() == ARTIFACT.resolve()


def test_the_shipped_artifact_is_what_its_sources_build(tmp_path: Path) -> None:
    """`microcosm-sqlite build` on datasets/airports gives the committed artifact, byte for byte."""
    rebuilt = tmp_path / "airports.sqlite"
    arguments = ["build", "--quiet", "microcosm_sqlite_airports.models", str(SOURCES)]
    result = CliRunner().invoke(cli, [*arguments, "-o", str(rebuilt)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert rebuilt.read_bytes() == ARTIFACT.read_bytes(), "stale artifact: run `make datasets`"


def test_lookup_by_natural_key(airports: AirportStore) -> None:
    """`by_iata` finds an airport by its IATA code, in either case."""
    cdg = airports.by_iata("CDG")
    assert cdg.icao == "LFPG"
    assert cdg.name == "Charles de Gaulle International Airport"
    assert cdg.city == "Paris"
    assert cdg.country_code == "FR"
    assert cdg.time_zone == "Europe/Paris"
    assert (cdg.latitude, cdg.longitude, cdg.elevation_ft) == (49.0128, 2.55, 392.0)
    assert airports.by_iata("jfk").icao == "KJFK"


def test_lookup_of_a_missing_natural_key_is_not_found(airports: AirportStore) -> None:
    """An IATA code no airport has is a 404, not None."""
    with pytest.raises(ModelNotFoundError) as raised:
        airports.by_iata("QQQ")
    assert raised.value.status_code == 404


def test_lookup_by_primary_key(airports: AirportStore, countries: CountryStore) -> None:
    """`get` takes the ICAO code for airports and the alpha-2 code for countries."""
    jfk = airports.get("KJFK")
    assert (jfk.iata, jfk.name) == ("JFK", "John F Kennedy International Airport")
    france = countries.get("FR")
    assert (france.alpha_3, france.numeric, france.name) == ("FRA", "250", "France")
    assert france.official_name == "French Republic"
    assert countries.by_alpha_3("deu").alpha_2 == "DE"
    assert countries.get("AD").numeric == "020"


def test_relationship_airport_to_country(airports: AirportStore, countries: CountryStore) -> None:
    """An airport's `country` is its Country row, loaded with it."""
    narita = airports.by_iata("NRT")
    assert isinstance(narita.country, Country)
    assert (narita.country.alpha_2, narita.country.name) == ("JP", "Japan")
    assert narita.country == countries.get("JP")
    assert {airport.country.name for airport in airports.search(iata=["GRU", "GIG"])} == {"Brazil"}


def test_kosovo_is_a_documented_exception(airports: AirportStore, countries: CountryStore) -> None:
    """XK, not in ISO 3166-1, is present and marked as not ISO-assigned."""
    kosovo = countries.get("XK")
    assert (kosovo.name, kosovo.alpha_3, kosovo.numeric) == ("Kosovo", "XKX", None)
    assert kosovo.iso_assigned is False
    assert countries.count(iso_assigned=False) == 1
    assert airports.by_iata("PRN").country == kosovo


def test_search_with_filters_and_ordering(airports: AirportStore) -> None:
    """Filters combine, and `order_by="-elevation_ft"` puts the highest first."""
    highest = airports.search(order_by="-elevation_ft", limit=3)
    assert [airport.icao for airport in highest] == ["SPNH", "SPFA", "ZUDC"]
    assert highest[0].name == "Laguna Choclococha Airport"
    assert highest[0].elevation_ft == 14965.0

    french = airports.search(country_code="FR", has_iata=True, order_by="-elevation_ft")
    assert french
    assert all(airport.country_code == "FR" and airport.iata for airport in french)
    elevations = [airport.elevation_ft for airport in french]
    assert elevations == sorted(elevations, reverse=True)

    high = airports.search(min_elevation_ft=13000, order_by="elevation_ft")
    assert high and all(airport.elevation_ft >= 13000 for airport in high)
    assert [airport.elevation_ft for airport in high] == sorted(a.elevation_ft for a in high)

    heathrows = airports.search(name_contains="heathrow")
    assert [(airport.icao, airport.country_code) for airport in heathrows] == [
        ("EGLL", "GB"),
        ("TE17", "US"),
    ]
    with_iata = airports.search(name_contains="Heathrow", has_iata=True)
    assert [airport.iata for airport in with_iata] == ["LHR"]


def test_default_order_is_by_icao(airports: AirportStore) -> None:
    """Without `order_by`, results come in primary key order."""
    icelandic = [airport.icao for airport in airports.search(country_code="IS")]
    assert icelandic == sorted(icelandic)


def test_in_filters(airports: AirportStore) -> None:
    """A list value means IN, for codes and countries alike."""
    found = airports.search(iata=["NRT", "CDG", "JFK"])
    assert [airport.icao for airport in found] == ["KJFK", "LFPG", "RJAA"]
    nordic = ["DK", "NO", "SE"]
    assert airports.count(country_code=nordic) == sum(
        airports.count(country_code=code) for code in nordic
    )
    assert {airport.country_code for airport in airports.search(country_code=nordic)} == set(nordic)


def test_pagination(airports: AirportStore) -> None:
    """Pages of five, read one after another, add up to the whole result with no overlap."""
    filters: dict[str, Any] = dict(country_code="FR", has_iata=True, order_by="name")
    everything = airports.search(**filters)
    total = airports.count(**filters)
    assert len(everything) == total > 100
    pages = [airports.search(offset=offset, limit=5, **filters) for offset in range(0, total, 5)]
    assert all(len(page) == 5 for page in pages[:-1])
    assert [airport for page in pages for airport in page] == everything


def test_iterate_streams_every_row(airports: AirportStore) -> None:
    """`iterate` is a generator that yields every airport, as many as the sources have."""
    streamed = airports.iterate()
    assert isinstance(streamed, GeneratorType)
    icaos = [airport.icao for airport in streamed]
    assert len(icaos) == len(source_rows("airports")) == airports.count() >= 20_000
    assert icaos == sorted(icaos)
    assert sum(1 for _ in airports.iterate(country_code="IS")) == airports.count(country_code="IS")


def test_counts_per_country(airports: AirportStore, countries: CountryStore) -> None:
    """`count_by_country` groups airports by country, most first, and honours filters."""
    top = airports.count_by_country(limit=3)
    assert top[0] == CountryCount("US", "United States", airports.count(country_code="US"))
    assert [count.country_code for count in top] == ["US", "BR", "AU"]
    every = airports.count_by_country()
    assert sum(count.airports for count in every) == airports.count()
    assert len(every) <= countries.count() == len(source_rows("countries"))
    iceland = airports.count_by_country(country_code="IS", has_iata=True)
    with_iata = airports.count(country_code="IS", has_iata=True)
    assert iceland == [CountryCount("IS", "Iceland", with_iata)]


def test_bad_keywords_and_orderings_are_errors(airports: AirportStore) -> None:
    """A misspelt filter or an unknown ordering fails instead of matching everything."""
    with pytest.raises(UnknownFilterError, match="countrycode"):
        airports.search(countrycode="FR")
    with pytest.raises(ValueError, match="cannot order airports by 'altitude'"):
        airports.search(order_by="altitude")


def test_the_shipped_artifact_is_read_only(airports: AirportStore) -> None:
    """Writes through a store fail on the shipped data set and change nothing."""
    with pytest.raises(ReadOnlyDataSetError):
        airports.create(
            Airport(
                icao="ZZZZ",
                name="Nowhere",
                country_code="FR",
                latitude=0.0,
                longitude=0.0,
                elevation_ft=0.0,
                time_zone="UTC",
            )
        )
    with pytest.raises(ModelNotFoundError):
        airports.get("ZZZZ")


def test_demo_prints_real_answers(tmp_path: Path) -> None:
    """`python -m microcosm_sqlite_airports.demo` runs in a fresh folder and shows real data."""
    result = subprocess.run(
        [sys.executable, "-m", "microcosm_sqlite_airports.demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout
    assert "resolved from entry point microcosm.sqlite:airports" in output
    assert "CDG: Charles de Gaulle International Airport, Paris" in output
    assert "ICAO LFPG, France (FR/FRA), Europe/Paris" in output
    assert "79 airports, 33 of them with an IATA code" in output
    assert "1. ---  SPNH  Laguna Choclococha Airport (Choclococha, Peru)  14,965 ft" in output
    assert "US  United States" in output
    assert f"{len(source_rows('airports')):,} airports in" in output
    assert "match('blonduos'): 1, the first:" in output
    assert "BLO  BIBL  Hjaltabakki Airport (Blönduós, Iceland)" in output
    assert "FTS5 syntax, 'heathrow OR gatwick': LGW, LHR" in output


def test_match_finds_names_and_cities_with_accents_ignored(airports: AirportStore) -> None:
    """`match` finds airports by name or city, accents ignored either way, as typed models."""
    assert [airport.iata for airport in airports.match("blonduos")] == ["BLO"]
    assert [airport.icao for airport in airports.match("Blönduós")] == ["BIBL"]
    assert all(isinstance(airport, Airport) for airport in airports.match("paris"))
    # Zürich's airports by their city, whose name the sources spell without the accent
    assert {"ZRH"} <= {airport.iata for airport in airports.match("zürich")}


def test_match_ranks_names_above_cities_and_composes_with_filters(airports: AirportStore) -> None:
    """A match in the name outranks one in the city; filters and limits apply as in search."""
    found = airports.match("lond", country_code="GB", has_iata=True)
    assert {airport.iata for airport in found} >= {"LHR", "LGW", "LTN", "LCY", "STN"}
    assert all(airport.country_code == "GB" and airport.iata for airport in found)
    assert airports.count_matches("lond", country_code="GB", has_iata=True) == len(found)
    assert airports.match("lond", country_code="GB", has_iata=True, limit=2) == found[:2]
    assert airports.match("lond", country_code="GB", has_iata=True, offset=2) == found[2:]
    # not ranked: the Store's own order (here by name)
    by_name = airports.match("lond", country_code="GB", ranked=False, order_by="name")
    assert [airport.name for airport in by_name] == sorted(airport.name for airport in by_name)


def test_match_takes_prefixes_and_query_syntax(airports: AirportStore) -> None:
    """The last word is a prefix unless told otherwise; `syntax=True` takes FTS5's operators."""
    assert airports.count_matches("heathro") == 2
    assert airports.count_matches("heathro", prefix=False) == 0
    either = airports.match("heathrow OR gatwick", syntax=True, has_iata=True)
    assert sorted(airport.iata or "" for airport in either) == ["LGW", "LHR"]


def test_a_query_syntax_error_is_the_callers_400(airports: AirportStore) -> None:
    """FTS5 syntax that does not parse is an InvalidFilterValueError, never a server error."""
    with pytest.raises(InvalidFilterValueError) as caught:
        airports.match("heathrow AND", syntax=True)
    assert caught.value.status_code == 400
    assert "AirportStore" in str(caught.value)


def test_the_committed_artifact_passes_its_checks() -> None:
    """`verify --models` runs the declared checks: none fails, the one warning is reported."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "microcosm_sqlite.cli",
            "verify",
            str(ARTIFACT),
            "--models",
            "microcosm_sqlite_airports.models",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "check every country has an airport: 16 rows fail" in result.stderr
