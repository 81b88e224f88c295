"""
Dates, times and time zones: a column without time zone refuses a value with a UTC offset, a
column with one (`timezone=True`) stores values in UTC and reads them back aware, on both read
paths, and Store filters find the same instant whatever offset they are given in.

"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fixtures.roundtrip import ItemStore, build_items, read_items, refusals, stored

from microcosm_sqlite.errors import InvalidFilterValueError

PLUS_5 = timezone(timedelta(hours=5))
WITHOUT_ZONE = "has a UTC offset, but the column has no time zone: the offset would be lost"
WITHOUT_OFFSET = "has no UTC offset, but the column has a time zone (timezone=True)"
OFFSETS_CSV = """id,moment,clock
1,2024-01-01T00:00:00+05:00,
2,2024-01-01T00:00:00Z,
3,,12:00:00+01:00
"""
OFFSETS_JSONL = [
    {"id": 1, "moment": "2024-01-01T00:00:00+05:00"},
    {"id": 2, "moment": "2024-01-01T00:00:00Z"},
    {"id": 3, "clock": "12:00:00+01:00"},
]


@pytest.mark.parametrize(
    ("content", "first_line"), [(OFFSETS_CSV, 2), (OFFSETS_JSONL, 1)], ids=["csv", "jsonl"]
)
def test_an_offset_in_a_column_without_time_zone_is_refused_saying_why(
    tmp_path: Path, content: Any, first_line: int
) -> None:
    """`+05:00` and `Z` in a naive DateTime, `+01:00` in a naive Time: located problems."""
    found = refusals(tmp_path, content)

    assert [(line, column) for line, column, _ in found] == [
        (first_line, "moment"),
        (first_line + 1, "moment"),
        (first_line + 2, "clock"),
    ]
    assert all(WITHOUT_ZONE in reason for _, _, reason in found)


def test_aware_values_are_stored_in_utc_and_read_back_aware(
    tmp_path: Path, make_graph: Any
) -> None:
    """Offsets and `Z` become UTC in one text form; reads give aware datetimes and times."""
    artifact = build_items(
        tmp_path,
        "id,instant,zoned_clock\n"
        "1,2024-01-01T00:00:00+05:00,12:00:00+01:00\n"
        "2,2024-01-01T00:00:00.5Z,00:30:00+01:00\n"
        "3,2024-06-30 23:59:59-02:30,23:00:00-02:00\n",
    )

    assert stored(artifact, "instant", "zoned_clock") == [
        ("2023-12-31 19:00:00.000000+00:00", "text", "11:00:00.000000+00:00", "text"),
        ("2024-01-01 00:00:00.500000+00:00", "text", "23:30:00.000000+00:00", "text"),
        ("2024-07-01 02:29:59.000000+00:00", "text", "01:00:00.000000+00:00", "text"),
    ]
    items = read_items(make_graph, artifact)
    assert [item.instant for item in items] == [
        datetime(2023, 12, 31, 19, tzinfo=UTC),
        datetime(2024, 1, 1, 0, 0, 0, 500000, tzinfo=UTC),
        datetime(2024, 7, 1, 2, 29, 59, tzinfo=UTC),
    ]
    assert all(item.instant and item.instant.utcoffset() == timedelta(0) for item in items)
    assert [item.zoned_clock for item in items] == [
        time(11, tzinfo=UTC),
        time(23, 30, tzinfo=UTC),
        time(1, tzinfo=UTC),
    ]
    assert all(item.zoned_clock and item.zoned_clock.tzinfo == UTC for item in items)


def test_naive_values_keep_their_stored_form(tmp_path: Path, make_graph: Any) -> None:
    """Columns without time zone store SQLAlchemy's text and read back naive, as before."""
    artifact = build_items(
        tmp_path, "id,moment,clock,day\n1,2024-02-29T23:59:59.25,07:05,2024-02-29\n"
    )

    assert stored(artifact, "moment", "clock", "day") == [
        ("2024-02-29 23:59:59.250000", "text", "07:05:00.000000", "text", "2024-02-29", "text")
    ]
    [item] = read_items(make_graph, artifact)
    assert (item.moment, item.clock, item.day) == (
        datetime(2024, 2, 29, 23, 59, 59, 250000),
        time(7, 5),
        date(2024, 2, 29),
    )


@pytest.mark.parametrize(
    ("column", "given"),
    [("instant", "2024-01-01T00:00:00"), ("instant", "2024-01-01"), ("zoned_clock", "12:00")],
)
def test_a_value_without_offset_in_a_column_with_time_zone_is_refused(
    tmp_path: Path, column: str, given: str
) -> None:
    """An aware column cannot guess the offset of a naive value: a located problem."""
    [(line, found, reason)] = refusals(tmp_path, f"id,{column}\n1,{given}\n")

    assert (line, found) == (2, column)
    assert WITHOUT_OFFSET in reason


@pytest.mark.parametrize(
    "given", ["2024-01-01T00:00:00.1234567", "2024-01-01T00:00:00.000000001+00:00"]
)
def test_fractional_seconds_beyond_microseconds_are_refused(tmp_path: Path, given: str) -> None:
    """Python would cut a seventh digit off: the build refuses it rather than lose it."""
    column = "instant" if given.endswith("+00:00") else "moment"
    [(line, found, reason)] = refusals(tmp_path, f"id,{column}\n1,{given}\n")

    assert (line, found) == (2, column)
    assert "fractional seconds beyond microseconds" in reason


def test_zeros_beyond_microseconds_change_nothing_and_are_kept(tmp_path: Path) -> None:
    """Digits that are zeros lose nothing, so they are accepted."""
    artifact = build_items(tmp_path, "id,moment\n1,2024-01-01T00:00:00.1234560\n")

    assert stored(artifact, "moment") == [("2024-01-01 00:00:00.123456", "text")]


def test_filters_find_the_same_instant_in_any_offset(tmp_path: Path, make_graph: Any) -> None:
    """A filter value binds as the stored form: UTC text, whatever offset it comes in."""
    artifact = build_items(
        tmp_path,
        "id,instant,zoned_clock\n1,2024-01-01T00:00:00+05:00,12:00:00+01:00\n"
        "2,2024-01-01T00:00:00Z,\n",
    )
    store = ItemStore(make_graph({"roundtrip": str(artifact)}))

    assert [item.id for item in store.search(instant=datetime(2024, 1, 1, tzinfo=PLUS_5))] == [1]
    assert [item.id for item in store.search(instant=datetime(2023, 12, 31, 19, tzinfo=UTC))] == [1]
    assert store.count(instant=[datetime(2024, 1, 1, 5, tzinfo=PLUS_5)]) == 1
    assert store.count(zoned_clock=time(11, tzinfo=UTC)) == 1


def test_a_naive_filter_on_an_aware_column_is_an_invalid_filter_value(
    tmp_path: Path, make_graph: Any
) -> None:
    """No instant is meant by a naive datetime there: a 400, not an empty answer."""
    artifact = build_items(tmp_path, "id,instant\n1,2024-01-01T00:00:00Z\n")
    store = ItemStore(make_graph({"roundtrip": str(artifact)}))

    with pytest.raises(InvalidFilterValueError):
        store.search(instant=datetime(2024, 1, 1))
    with pytest.raises(InvalidFilterValueError):
        store.search(moment=datetime(2024, 1, 1, tzinfo=UTC))
