"""
The `airports` data set: countries and their airports, the models and Stores that read them.

An application that installs this package resolves the data set by name, with no config: the
`microcosm.sqlite` entry point `airports` points at `airports_path`, the artifact shipped inside
this package. Its sources are `sources/*.csv` beside the package, rebuilt with `make datasets`.

    graph = create_object_graph("app")
    AirportStore(graph).by_iata("CDG").country.name   # 'France'
    AirportStore(graph).match("zurich", limit=3)      # Zürich's airports, most relevant first

Every build runs the data checks the models declare (`__checks__`), and writes the full-text
index of airport names and cities (`__fulltext__`) that `match` searches.

"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, NamedTuple

from sqlalchemy import ForeignKey, Select, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from microcosm_sqlite.checks import ExistsIn, InRange, Matches, NoRows, NotNull, RowCount
from microcosm_sqlite.dataset import DataSetBase
from microcosm_sqlite.fulltext import FullText
from microcosm_sqlite.models import IdentityMixin
from microcosm_sqlite.stores import Store
from microcosm_sqlite.types import Truthy

DATASET = "airports"
ARTIFACT = "airports.sqlite"


class Base(DataSetBase, DeclarativeBase, dataset=DATASET):
    """The airports data set: every model below lives in its artifact."""


def airports_path(graph: Any) -> Traversable:
    """The artifact shipped in this package: the `microcosm.sqlite` entry point's target."""
    return files("microcosm_sqlite_airports") / ARTIFACT


class Country(IdentityMixin, Base):
    """A country or territory of ISO 3166-1, plus Kosovo (see `iso_assigned`)."""

    __tablename__ = "countries"
    __checks__ = (
        RowCount(min=240, max=260),
        Matches("alpha_2", r"[A-Z]{2}"),
        Matches("alpha_3", r"[A-Z]{3}"),
        Matches("numeric", r"[0-9]{3}"),
        NotNull("numeric", where="iso_assigned"),
        # a handful (Monaco, the Vatican, Pitcairn...) have none: reported, not refused
        ExistsIn(
            "alpha_2",
            "airports.country_code",
            severity="warn",
            name="every country has an airport",
        ),
    )

    alpha_2: Mapped[str] = mapped_column(String(2), primary_key=True)
    alpha_3: Mapped[str] = mapped_column(String(3), unique=True)
    # three digits kept as text ("020" for Andorra); None where ISO assigns no number
    numeric: Mapped[str | None] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String, index=True)
    official_name: Mapped[str | None] = mapped_column(String)
    common_name: Mapped[str | None] = mapped_column(String)
    # false for user-assigned codes ISO 3166-1 does not define, such as XK for Kosovo
    iso_assigned: Mapped[bool] = mapped_column(Truthy)


class Airport(IdentityMixin, Base):
    """An airport or landing strip with an ICAO (or FAA/TC) four-character code."""

    __tablename__ = "airports"
    __checks__ = (
        RowCount(min=25_000),
        # airportsdata gives airports with no ICAO code "_" and their IATA code
        Matches("icao", r"[A-Z0-9]{4}|_[A-Z]{3}"),
        Matches("iata", r"[A-Z]{3}"),
        InRange("latitude", -90, 90),
        InRange("longitude", -180, 180),
        # from the Dead Sea's shore to the highest airfields of the Andes and the Himalaya
        InRange("elevation_ft", -1_500, 16_000),
        Matches("time_zone", r"[A-Za-z_]+(/[A-Za-z0-9_+-]+)+", name="IANA time zone names"),
        NoRows(
            "SELECT icao, iata FROM airports WHERE substr(icao, 1, 1) = '_'"
            " AND (iata IS NULL OR substr(icao, 2) != iata)",
            "a placeholder ICAO code is _ and the airport's IATA code",
        ),
    )
    # "heath" finds Heathrow, "zurich" Zürich; a match in the name ranks above one in the city
    __fulltext__ = FullText("name", "city", prefix=(2, 3), weights={"name": 2.0})

    icao: Mapped[str] = mapped_column(String(4), primary_key=True)
    # the natural key travellers know; None for most small fields
    iata: Mapped[str | None] = mapped_column(String(3), unique=True, index=True)
    name: Mapped[str] = mapped_column(String)
    city: Mapped[str | None] = mapped_column(String)
    subdivision: Mapped[str | None] = mapped_column(String)
    country_code: Mapped[str] = mapped_column(
        String(2), ForeignKey("countries.alpha_2"), index=True
    )
    latitude: Mapped[float]
    longitude: Mapped[float]
    # height above mean sea level of the landing area's highest point, in feet
    elevation_ft: Mapped[float] = mapped_column(index=True)
    # IANA time zone name, such as "Europe/Paris"
    time_zone: Mapped[str] = mapped_column(String)
    # the FAA location identifier, for airports in the United States
    faa_lid: Mapped[str | None] = mapped_column(String)

    # loaded in the same query as the airport: a many-to-one into a 250-row table
    country: Mapped[Country] = relationship(lazy="joined", innerjoin=True)


class CountryCount(NamedTuple):
    """How many airports (that matched) one country has."""

    country_code: str
    country_name: str
    airports: int


class CountryStore(Store[Country]):
    """Countries by ISO code: `get("FR")`, `by_alpha_3("FRA")`, `search(name=...)`."""

    model_class = Country
    auto_filter_fields = (
        Country.alpha_3,
        Country.numeric,
        Country.name,
        Country.iso_assigned,
    )

    def by_alpha_3(self, code: str) -> Country:
        """The country with this ISO alpha-3 code, or `ModelNotFoundError`."""
        return self.one(alpha_3=code.upper())


class AirportStore(Store[Airport]):
    """
    Airports by ICAO code (`get`), by IATA code (`by_iata`), or searched.

    Filters: equality (or IN, given a list) on `iata`, `country_code`, `city`, `subdivision`
    and `time_zone`; `min_elevation_ft`, `has_iata` and `name_contains`. Ordering:
    `order_by="elevation_ft"`, or `"-elevation_ft"` for highest first (any column in
    `SORTABLE`), always ending with the ICAO code so pages never overlap.

    """

    model_class = Airport
    auto_filter_fields = (
        Airport.iata,
        Airport.country_code,
        Airport.city,
        Airport.subdivision,
        Airport.time_zone,
    )
    SORTABLE = (
        "icao",
        "iata",
        "name",
        "city",
        "country_code",
        "latitude",
        "longitude",
        "elevation_ft",
    )

    def by_iata(self, code: str) -> Airport:
        """The airport with this IATA code, or `ModelNotFoundError`."""
        return self.one(iata=code.upper())

    def count_by_country(self, limit: int | None = None, **filters: Any) -> list[CountryCount]:
        """Matching airports per country, most first (ties by country code)."""
        matches = self._filtered(**filters).subquery()
        airports = func.count(matches.c.icao)
        statement = (
            select(Country.alpha_2, Country.name, airports)
            .join(matches, matches.c.country_code == Country.alpha_2)
            .group_by(Country.alpha_2, Country.name)
            .order_by(airports.desc(), Country.alpha_2)
            .limit(limit)
        )
        with self._session() as session:
            return [CountryCount(*row) for row in session.execute(statement)]

    def _filter(
        self,
        query: Select[Any],
        *,
        min_elevation_ft: float | None = None,
        has_iata: bool | None = None,
        name_contains: str | None = None,
        **kwargs: Any,
    ) -> Select[Any]:
        query = super()._filter(query, **kwargs)
        if min_elevation_ft is not None:
            query = query.where(Airport.elevation_ft >= min_elevation_ft)
        if has_iata is not None:
            query = query.where(Airport.iata.is_not(None) if has_iata else Airport.iata.is_(None))
        if name_contains is not None:
            query = query.where(Airport.name.contains(name_contains, autoescape=True))
        return query

    def _order_by(
        self, query: Select[Any], *, order_by: str | None = None, **kwargs: Any
    ) -> Select[Any]:
        if order_by is None:
            return super()._order_by(query, **kwargs)
        name = order_by.removeprefix("-")
        if name not in self.SORTABLE:
            raise ValueError(
                f"cannot order airports by {order_by!r}; choose from {', '.join(self.SORTABLE)}"
                " (prefix '-' for descending)"
            )
        column = getattr(Airport, name)
        return query.order_by(column.desc() if order_by.startswith("-") else column, Airport.icao)
