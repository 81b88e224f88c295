"""
Example data sets shipped with microcosm-sqlite, built from real public data.

`airports`: the world's countries (ISO 3166-1, from pycountry) and about 28,000 airports with
ICAO codes (from airportsdata), registered through the `microcosm.sqlite` entry point.

"""
