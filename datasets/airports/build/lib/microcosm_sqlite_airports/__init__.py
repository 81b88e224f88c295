"""
The `airports` data set, shipped as a package of its own: the world's countries (ISO 3166-1,
from pycountry) and about 28,000 airports with ICAO codes (from airportsdata).

Installing the package registers the data set through the `microcosm.sqlite` entry point, so a
service reads it with no configuration:

    from microcosm_sqlite_airports import AirportStore
    AirportStore(create_object_graph("app")).by_iata("CDG").country.name   # 'France'

"""

from microcosm_sqlite_airports.models import (
    DATASET,
    Airport,
    AirportStore,
    Base,
    Country,
    CountryStore,
    airports_path,
)

__all__ = [
    "DATASET",
    "Airport",
    "AirportStore",
    "Base",
    "Country",
    "CountryStore",
    "airports_path",
]
