"""
Regenerate this data set's CSV sources from the installed `airportsdata` and `pycountry` packages.

    pip install -e 'datasets/airports[prepare]'
    python datasets/airports/prepare.py        # rewrites sources/countries.csv and airports.csv

The output is deterministic (rows sorted by primary key, floats written with `repr`, `\\n` line
endings), so running it twice with the same package versions changes nothing, and a package
upgrade shows up as a readable diff. Then `make datasets` rebuilds the artifact.

Data gaps are handled here, explicitly, rather than in the models:

- airportsdata uses "XK" for Kosovo, which ISO 3166-1 has not assigned (it is a user-assigned
  code, used by the European Commission and others), so pycountry has no entry for it. Kosovo is
  added from `EXTRA_COUNTRIES` below with `iso_assigned` false, alpha-3 "XKX" (the
  user-assigned code the European Commission uses) and no numeric code.
- Any other airport country missing from both pycountry and `EXTRA_COUNTRIES` stops the script,
  so an upgrade never drops airports silently.
- Surrounding whitespace is stripped from every text field (two airport names in airportsdata
  20260905 end with a space).
- Empty strings (airports with no IATA code, city, subdivision or FAA identifier; countries
  with no official or common name) are written as empty fields, which the build reads as NULL.

"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from importlib.metadata import version
from pathlib import Path

import airportsdata
import pycountry

HERE = Path(__file__).resolve().parent

COUNTRY_COLUMNS = (
    "alpha_2",
    "alpha_3",
    "numeric",
    "name",
    "official_name",
    "common_name",
    "iso_assigned",
)
AIRPORT_COLUMNS = (
    "icao",
    "iata",
    "name",
    "city",
    "subdivision",
    "country_code",
    "latitude",
    "longitude",
    "elevation_ft",
    "time_zone",
    "faa_lid",
)

# Countries airportsdata uses that ISO 3166-1 (and so pycountry) does not assign.
EXTRA_COUNTRIES: dict[str, dict[str, str]] = {
    "XK": {
        "alpha_2": "XK",
        "alpha_3": "XKX",
        "numeric": "",
        "name": "Kosovo",
        "official_name": "Republic of Kosovo",
        "common_name": "",
        "iso_assigned": "false",
    },
}


def text(value: object) -> str:
    """A source field: stripped text, empty for missing values (the build reads empty as NULL)."""
    return "" if value is None else str(value).strip()


def number(value: object) -> str:
    """A float written with `repr`, so the build reads back exactly the same value."""
    return repr(float(value))  # type: ignore[arg-type]


def country_rows() -> list[dict[str, str]]:
    rows = {
        country.alpha_2: {
            "alpha_2": country.alpha_2,
            "alpha_3": country.alpha_3,
            "numeric": country.numeric,
            "name": text(country.name),
            "official_name": text(getattr(country, "official_name", None)),
            "common_name": text(getattr(country, "common_name", None)),
            "iso_assigned": "true",
        }
        for country in pycountry.countries
    }
    for code, extra in EXTRA_COUNTRIES.items():
        if code in rows:
            raise SystemExit(f"{code} is now in pycountry: remove it from EXTRA_COUNTRIES")
        rows[code] = extra
    return [rows[code] for code in sorted(rows)]


def airport_rows(countries: Iterable[str]) -> list[dict[str, str]]:
    known = set(countries)
    airports = airportsdata.load("ICAO")
    unknown = sorted({airport["country"] for airport in airports.values()} - known)
    if unknown:
        raise SystemExit(
            f"airports in countries neither pycountry nor EXTRA_COUNTRIES knows: {unknown}"
        )
    return [
        {
            "icao": text(airport["icao"]),
            "iata": text(airport["iata"]),
            "name": text(airport["name"]),
            "city": text(airport["city"]),
            "subdivision": text(airport["subd"]),
            "country_code": text(airport["country"]),
            "latitude": number(airport["lat"]),
            "longitude": number(airport["lon"]),
            "elevation_ft": number(airport["elevation"]),
            "time_zone": text(airport["tz"]),
            "faa_lid": text(airport["lid"]),
        }
        for _, airport in sorted(airports.items())
    ]


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, str]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as output:
        writer = csv.DictWriter(output, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def main(target: Path = HERE / "sources") -> None:
    countries = country_rows()
    airports = airport_rows(row["alpha_2"] for row in countries)
    written = {
        "countries.csv": write_csv(target / "countries.csv", COUNTRY_COLUMNS, countries),
        "airports.csv": write_csv(target / "airports.csv", AIRPORT_COLUMNS, airports),
    }
    sources = f"airportsdata {version('airportsdata')}, pycountry {version('pycountry')}"
    for name, count in written.items():
        print(f"{target / name}: {count} rows (from {sources})", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "sources")
