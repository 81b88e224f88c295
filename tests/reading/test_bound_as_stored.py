"""
Filter values and keys are bound with their column's type, as the build stored them: a value
equal to a stored one finds its row whatever Python type it comes as (a text decimal given as
an int, a str or a Decimal of other places, an aware datetime or time in another zone, bytes
as a bytearray), through every Store call, on both read paths.

"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fixtures.roundtrip import ItemStore, build_items
from sqlalchemy import DateTime, LargeBinary, Numeric, Time
from sqlalchemy.orm import Mapped, mapped_column

from microcosm_sqlite import DataSet, Store
from microcosm_sqlite.building import build_from_rows
from microcosm_sqlite.errors import InvalidFilterValueError

LONG = "12345678901234567890.12"
PLUS_FIVE = timezone(timedelta(hours=5))
PLUS_ONE = timezone(timedelta(hours=1))

KeyedBase: Any = DataSet.create("keyed")


class Money(KeyedBase):
    __tablename__ = "money"

    amount: Mapped[Decimal] = mapped_column(Numeric(30, 8), primary_key=True)


class Moment(KeyedBase):
    __tablename__ = "moment"

    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)


class Clock(KeyedBase):
    __tablename__ = "clock"

    at: Mapped[time] = mapped_column(Time(timezone=True), primary_key=True)


class Blob(KeyedBase):
    __tablename__ = "blob"

    data: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)


KEYED_ROWS = {
    "money": [{"amount": LONG}, {"amount": "7"}],
    "moment": [{"at": "2024-01-01T05:00:00+05:00"}],
    "clock": [{"at": "12:00:00+01:00"}],
    "blob": [{"data": "dead00"}],
}


@pytest.fixture
def keyed(tmp_path: Path, make_graph: Any) -> Any:
    """A graph reading the `keyed` data set: one table for each key type that needs binding."""
    artifact = tmp_path / "keyed.sqlite"
    build_from_rows(KeyedBase, KEYED_ROWS, artifact)
    return make_graph({"keyed": str(artifact)})


@pytest.fixture
def items(tmp_path: Path, make_graph: Any) -> ItemStore:
    """A store of one `roundtrip` item holding a text decimal, an instant, a time and bytes."""
    artifact = build_items(
        tmp_path,
        f"id,amount,instant,zoned_clock,blob\n1,{LONG},2024-01-01T05:00:00+05:00,"
        "12:00:00+01:00,dead00\n2,7,2024-01-02T00:00:00Z,13:00:00Z,00\n",
    )
    return ItemStore(make_graph({"roundtrip": str(artifact)}))


def store_of(graph: Any, model: type[Any]) -> Store[Any]:
    store_class: type[Store[Any]] = type(f"{model.__name__}Store", (Store,), {"model_class": model})
    return store_class(graph)


EQUAL_FILTERS = [
    ("amount", LONG),
    ("amount", Decimal(LONG)),
    ("amount", Decimal(LONG + "000")),
    ("amount", [LONG, "1"]),
    ("instant", datetime(2024, 1, 1, tzinfo=UTC)),
    ("instant", datetime(2024, 1, 1, 5, tzinfo=PLUS_FIVE)),
    ("instant", [datetime(2024, 1, 1, 5, tzinfo=PLUS_FIVE)]),
    ("zoned_clock", time(11, tzinfo=UTC)),
    ("zoned_clock", time(12, tzinfo=PLUS_ONE)),
    ("blob", b"\xde\xad\x00"),
    ("blob", bytearray(b"\xde\xad\x00")),
]


@pytest.mark.parametrize(("name", "value"), EQUAL_FILTERS)
def test_a_filter_equal_to_a_stored_value_finds_its_row(
    items: ItemStore, name: str, value: Any, read_path: str
) -> None:
    """search, count, exists, first, one and iterate all find the row a filter value equals."""
    filters = {name: value}

    assert [item.id for item in items.search(**filters)] == [1]
    assert items.count(**filters) == 1
    assert items.exists(**filters)
    assert getattr(items.first(**filters), "id", None) == 1
    assert items.one(**filters).id == 1
    assert [item.id for item in items.iterate(**filters)] == [1]


@pytest.mark.parametrize("value", [7, "7", 7.0, "7.00", Decimal("7.000000000")])
def test_a_text_decimal_filter_given_as_a_number_or_text_finds_its_row(
    items: ItemStore, value: Any, read_path: str
) -> None:
    """`Numeric(30, 8)` stores `7.00000000`: 7, "7" and 7.0 bind as that text, not as themselves."""
    assert [item.id for item in items.search(amount=value)] == [2]
    assert [item.id for item in items.search(amount=[value, Decimal(LONG)])] == [1, 2]


@pytest.mark.parametrize(
    ("model", "key"),
    [
        (Money, Decimal(LONG)),
        (Money, LONG),
        (Money, 7),
        (Money, "7"),
        (Money, 7.0),
        (Money, Decimal("7.000")),
        (Moment, datetime(2024, 1, 1, tzinfo=UTC)),
        (Moment, datetime(2024, 1, 1, 5, tzinfo=PLUS_FIVE)),
        (Clock, time(11, tzinfo=UTC)),
        (Clock, time(12, tzinfo=PLUS_ONE)),
        (Blob, b"\xde\xad\x00"),
    ],
)
def test_a_key_equal_to_a_stored_one_finds_its_row(
    keyed: Any, model: type[Any], key: Any, read_path: str
) -> None:
    """get and get_many find the row of a key given as any value its column stores the same."""
    store = store_of(keyed, model)

    found = store.get(key)

    assert store.get_many([key]) == [found]
    assert store.get_many(["404", key] if model is Money else [key]) == [found]


def test_get_many_returns_a_row_for_every_key_given_for_it(keyed: Any, read_path: str) -> None:
    """7, "7" and Decimal("7.00") are one key of a decimal column: each gets the row."""
    store = store_of(keyed, Money)

    found = store.get_many([7, "7", Decimal("7.00"), LONG])

    assert [money.amount for money in found] == [Decimal("7.00000000")] * 3 + [Decimal(LONG)]


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("instant", datetime(2024, 1, 1), "has no UTC offset"),
        ("zoned_clock", time(12), "has no UTC offset"),
        ("amount", "1.123456789", "9 digits after the point"),
    ],
)
def test_a_filter_value_its_column_cannot_store_is_refused_by_name(
    items: ItemStore, name: str, value: Any, reason: str
) -> None:
    """Values are checked as the artifact's types bind them: the refusal names that filter alone."""
    with pytest.raises(InvalidFilterValueError) as refused:
        items.search(price=None, blob=b"\x00", **{name: value})

    assert refused.value.filters == {name: value}
    assert reason in refused.value.reason
