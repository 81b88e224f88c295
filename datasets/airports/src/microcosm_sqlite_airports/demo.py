"""
A tour of the `airports` data set: `python -m microcosm_sqlite_airports.demo`.

It runs the way an application would: a graph with no `sqlite` configuration, the data set
resolved by name through its `microcosm.sqlite` entry point, every answer read through Stores.

"""

from __future__ import annotations

from typing import Any

from microcosm.api import create_object_graph

from microcosm_sqlite_airports.models import DATASET, Airport, AirportStore, CountryStore

PAGE_SIZE = 5


def heading(title: str) -> None:
    print()
    print(title)
    print("-" * len(title))


def describe(airport: Airport) -> str:
    """One airport on one line: codes, name, place, country, elevation."""
    place = ", ".join(part for part in (airport.city, airport.country.name) if part)
    return (
        f"{airport.iata or '---'}  {airport.icao}  {airport.name} ({place})"
        f"  {airport.elevation_ft:,.0f} ft"
    )


def by_iata(airports: AirportStore) -> None:
    heading("An airport by IATA code, with its country")
    for code in ("CDG", "JFK", "NRT", "GRU"):
        airport = airports.by_iata(code)
        country = airport.country
        print(f"  {code}: {airport.name}, {airport.city}")
        print(
            f"       ICAO {airport.icao}, {country.name} ({country.alpha_2}/{country.alpha_3}),"
            f" {airport.time_zone}, {airport.latitude:.4f}, {airport.longitude:.4f}"
        )


def of_a_country(airports: AirportStore, countries: CountryStore) -> None:
    iceland = countries.by_alpha_3("ISL")
    heading(f"The airports of a country: {iceland.name}")
    total = airports.count(country_code=iceland.alpha_2)
    scheduled = airports.count(country_code=iceland.alpha_2, has_iata=True)
    print(f"  {total} airports, {scheduled} of them with an IATA code; the first by name:")
    for airport in airports.search(
        country_code=iceland.alpha_2, has_iata=True, order_by="name", limit=PAGE_SIZE
    ):
        print(f"  {describe(airport)}")


def highest(airports: AirportStore) -> None:
    heading("The highest airports")
    for rank, airport in enumerate(airports.search(order_by="-elevation_ft", limit=5), 1):
        print(f"  {rank}. {describe(airport)}")
    with_iata = airports.first(order_by="-elevation_ft", has_iata=True)
    if with_iata is not None:
        print(f"  highest with an IATA code: {describe(with_iata)}")


def per_country(airports: AirportStore) -> None:
    heading("Airports per country, top 10")
    for count in airports.count_by_country(limit=10):
        print(f"  {count.country_code}  {count.country_name:<40} {count.airports:>6,}")
    nordic = ["DK", "FI", "IS", "NO", "SE"]
    print(
        f"  with an IATA code in {', '.join(nordic)} (an IN filter):"
        f" {airports.count(country_code=nordic, has_iata=True)}"
    )


def a_page(airports: AirportStore) -> None:
    filters: dict[str, Any] = dict(country_code="FR", has_iata=True, order_by="name")
    total = airports.count(**filters)
    page, pages = 3, -(-total // PAGE_SIZE)
    heading(f"A page of results: French airports with an IATA code, by name, page {page}/{pages}")
    for airport in airports.search(offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, **filters):
        print(f"  {describe(airport)}")


def found_by_name(airports: AirportStore) -> None:
    heading("Airports found by name: full-text search, ranked, accents ignored")
    for text, filters in (
        ("heathrow", {}),
        ("blonduos", {}),
        ("sao paulo", {"has_iata": True}),
        ("saint exup", {}),
        ("lond", {"country_code": "GB", "has_iata": True}),
    ):
        shown = ", ".join(f"{key}={value!r}" for key, value in filters.items())
        total = airports.count_matches(text, **filters)
        print(f"  match({text!r}{', ' + shown if shown else ''}): {total}, the first:")
        for airport in airports.match(text, limit=3, **filters):
            print(f"    {describe(airport)}")
    either = airports.match("heathrow OR gatwick", syntax=True, has_iata=True)
    print(f"  FTS5 syntax, 'heathrow OR gatwick': {', '.join(a.iata or a.icao for a in either)}")


def streamed(airports: AirportStore) -> None:
    heading("Every airport, streamed with iterate()")
    total = 0
    countries: set[str] = set()
    northernmost = southernmost = None
    for airport in airports.iterate():
        total += 1
        countries.add(airport.country_code)
        if northernmost is None or airport.latitude > northernmost.latitude:
            northernmost = airport
        if southernmost is None or airport.latitude < southernmost.latitude:
            southernmost = airport
    print(f"  {total:,} airports in {len(countries)} countries")
    if northernmost is not None and southernmost is not None:
        print(f"  northernmost: {describe(northernmost)}, {northernmost.latitude:.2f}°")
        print(f"  southernmost: {describe(southernmost)}, {southernmost.latitude:.2f}°")


def main() -> None:
    graph: Any = create_object_graph("airports-demo")
    print(f"Data set {DATASET!r}: {graph.sqlite[DATASET]}")
    print(f"  resolved from {graph.sqlite.origin(DATASET)}, no configuration")
    airports, countries = AirportStore(graph), CountryStore(graph)
    by_iata(airports)
    of_a_country(airports, countries)
    highest(airports)
    per_country(airports)
    a_page(airports)
    found_by_name(airports)
    streamed(airports)


if __name__ == "__main__":
    main()
