"""
Models, stores and sample rows for the runtime tests: two data sets, both model styles.

`runtime` holds countries (Mapped style), cities (classic Column style, with a relationship
both ways) and routes (a composite primary key); `notes` is a second, independent data set.

"""
from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, Select, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microcosm_sqlite import DataSet, Store
from microcosm_sqlite.models import IdentityMixin
from microcosm_sqlite.types import EnumType, Truthy

Base = DataSet.create("runtime")
NotesBase = DataSet.create("notes")


class Continent(enum.Enum):
    EUROPE = "Europe"
    ASIA = "Asia"
    AMERICA = "America"


class Country(IdentityMixin, Base):
    __tablename__ = "country"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str]
    continent: Mapped[Continent] = mapped_column(EnumType(Continent))
    landlocked: Mapped[bool] = mapped_column(Truthy, default=False)
    cities: Mapped[list[City]] = relationship(back_populates="country", order_by="City.id")


class City(Base):
    __tablename__ = "city"

    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)
    country_code = Column(String(2), ForeignKey("country.code"), nullable=False)
    population = Column(Integer, nullable=False)
    country = relationship(Country, back_populates="cities")


class Route(Base):
    __tablename__ = "route"

    origin: Mapped[str] = mapped_column(String(3), primary_key=True)
    destination: Mapped[str] = mapped_column(String(3), primary_key=True)
    distance: Mapped[int]


class Note(NotesBase):
    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str]


class CountryStore(Store[Country]):
    model_class = Country
    auto_filter_fields = (Country.continent, Country.landlocked, Country.name)


class CityStore(Store[City]):
    model_class = City
    auto_filter_fields = (City.name, City.country_code)

    def _filter(
        self, query: Select[Any], *, min_population: int | None = None, **kwargs: Any
    ) -> Select[Any]:
        if min_population is not None:
            query = query.where(City.population >= min_population)
        return super()._filter(query, **kwargs)


class CityByNameStore(CityStore):
    def _order_by(self, query: Select[Any], *, descending: bool = False, **kwargs: Any) -> Any:
        return query.order_by(City.name.desc() if descending else City.name)


class SmallBatchCityStore(CityStore):
    batch_size = 7


class PropertyCityStore(Store[City]):
    @property
    def model_class(self) -> type[City]:  # type: ignore[override]
        return City


class RouteStore(Store[Route]):
    model_class = Route
    auto_filter_fields = (Route.origin,)


class SmallBatchRouteStore(RouteStore):
    batch_size = 2


class NoteStore(Store[Note]):
    model_class = Note


COUNTRIES = [
    ("CH", "Switzerland", Continent.EUROPE, True),
    ("DE", "Germany", Continent.EUROPE, False),
    ("FR", "France", Continent.EUROPE, False),
    ("JP", "Japan", Continent.ASIA, False),
    ("NP", "Nepal", Continent.ASIA, True),
    ("US", "United States", Continent.AMERICA, False),
]
COUNTRY_CODES = [code for code, *_ in COUNTRIES]
CITY_COUNT = 60
AIRPORTS = ["AMS", "CDG", "FRA", "HND", "JFK"]


def city_values(city_id: int) -> dict[str, Any]:
    """The sample city with this id: names and populations are unique, countries cycle."""
    return dict(
        id=city_id,
        name=f"city-{city_id:03d}",
        country_code=COUNTRY_CODES[city_id % len(COUNTRY_CODES)],
        population=city_id * 1000,
    )


def route_distance(origin: str, destination: str) -> int:
    return AIRPORTS.index(origin) * 100 + AIRPORTS.index(destination)


def sample_rows(label: str = "") -> list[Any]:
    """Fresh instances of every sample row; `label` marks country names to tell files apart."""
    return [
        *(
            Country(code=code, name=f"{name}{label}", continent=continent, landlocked=landlocked)
            for code, name, continent, landlocked in COUNTRIES
        ),
        *(City(**city_values(city_id)) for city_id in range(1, CITY_COUNT + 1)),
        *(
            Route(origin=origin, destination=to, distance=route_distance(origin, to))
            for origin in AIRPORTS
            for to in AIRPORTS
            if origin != to
        ),
    ]
