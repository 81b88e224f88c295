"""
Decimals (`Numeric`): every digit the column's precision and scale allow comes back exactly, as a
`Decimal`, on both read paths and through a dump; more digits than the column allows is a
located problem; Store filters bind as values are stored; SQL sorts and compares them as
docs/column-types.md says.

"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fixtures.roundtrip import Base, Item, ItemStore, build_items, read_items, refusals, stored
from fixtures.tools import alter
from sqlalchemy import Column, Integer, MetaData, Numeric, Table, create_engine, insert

from microcosm_sqlite.artifact.model_schema import schema_differences
from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.errors import InvalidFilterValueError, UnreadableValueError
from microcosm_sqlite.tools.dump import dump_artifact

LONG = "12345678901234567890.12"


def test_a_decimal_beyond_a_doubles_digits_comes_back_exactly(
    tmp_path: Path, make_graph: Any
) -> None:
    """`Numeric(30, 8)` holds canonical text, and reads back the very Decimal."""
    artifact = build_items(tmp_path, f"id,amount\n1,{LONG}\n2,-0.5\n3,-0.0\n4,1E+3\n")

    assert stored(artifact, "amount") == [
        ("12345678901234567890.12000000", "text"),
        ("-0.50000000", "text"),
        ("0.00000000", "text"),
        ("1000.00000000", "text"),
    ]
    amounts = [item.amount for item in read_items(make_graph, artifact)]
    assert amounts == [Decimal(LONG), Decimal("-0.5"), Decimal(0), Decimal(1000)]
    assert [str(amount) for amount in amounts] == [
        "12345678901234567890.12000000",
        "-0.50000000",
        "0E-8",
        "1000.00000000",
    ]


def test_decimals_within_a_doubles_digits_are_sqlite_numbers(
    tmp_path: Path, make_graph: Any
) -> None:
    """`Numeric(10, 2)` holds INTEGER or REAL, which reads back with the column's two places."""
    artifact = build_items(tmp_path, "id,price\n1,1.5\n2,12\n3,99999999.99\n4,-0.01\n")

    assert stored(artifact, "price") == [
        (1.5, "real"),
        (12, "integer"),
        (99999999.99, "real"),
        (-0.01, "real"),
    ]
    prices = [str(item.price) for item in read_items(make_graph, artifact)]
    assert prices == ["1.50", "12.00", "99999999.99", "-0.01"]


def test_a_decimal_without_precision_keeps_what_a_double_keeps(
    tmp_path: Path, make_graph: Any
) -> None:
    """`Mapped[Decimal]` (`Numeric()`): whole numbers within 64 bits and exact doubles."""
    artifact = build_items(
        tmp_path, "id,measure\n1,0.000000000001\n2,123456789012345.6\n3,9223372036854775807\n"
    )

    assert [item.measure for item in read_items(make_graph, artifact)] == [
        Decimal("1E-12"),
        Decimal("123456789012345.6"),
        Decimal(2**63 - 1),
    ]


@pytest.mark.parametrize(
    ("column", "given", "reason"),
    [
        ("price", "1.005", "1.005 has 3 digits after the point, where Numeric(10, 2) keeps 2"),
        ("price", "123456789", "123456789 has 9 digits before the point, where Numeric(10, 2)"),
        ("amount", "0.123456789", "0.123456789 has 9 digits after the point, where Numeric(30"),
        ("amount", "1" * 23, f"{'1' * 23} has 23 digits before the point, where Numeric(30, 8)"),
        ("measure", LONG, f"{LONG} has more digits than SQLite's REAL keeps exactly"),
        ("measure", "1e400", "1E+400 has more digits than SQLite's REAL keeps exactly"),
        ("measure", "1e-400", "1E-400 has more digits than SQLite's REAL keeps exactly"),
    ],
)
def test_more_digits_than_the_column_allows_is_a_located_problem(
    tmp_path: Path, column: str, given: str, reason: str
) -> None:
    """Nothing is rounded: the value is refused at its line and column, saying why."""
    [(line, found, said)] = refusals(tmp_path, f"id,{column}\n1,0\n2,{given}\n")

    assert (line, found) == (3, column)
    assert said.startswith(reason)


def test_json_lines_numbers_keep_their_digits_in_decimal_columns(
    tmp_path: Path, make_graph: Any
) -> None:
    """A JSON number is read from its text, never through a float, in a decimal column."""
    line = f'{{"id": 1, "amount": {LONG}, "ratio": 0.1, "document": [0.5]}}\n'
    artifact = build_items(tmp_path, line, "jsonl")

    [item] = read_items(make_graph, artifact)
    assert (item.amount, item.ratio, item.document) == (Decimal(LONG), 0.1, [0.5])
    assert type(item.ratio) is float


def test_a_json_number_a_float_would_round_is_refused(tmp_path: Path) -> None:
    """0.10000000000000001 is not 0.1, though a float would say it is."""
    found = refusals(tmp_path, '{"id": 1, "price": 0.10000000000000001}\n', "jsonl")

    [(line, column, reason)] = found
    assert (line, column) == (1, "price")
    assert reason.startswith("0.10000000000000001 has 17 digits after the point")


@pytest.mark.parametrize("format", ["csv", "jsonl"])
def test_a_dump_writes_decimals_as_stored_and_builds_them_again(
    tmp_path: Path, format: str
) -> None:
    """Text decimals dump as their text, number decimals as numbers: never `1.2e+19`."""
    artifact = build_items(
        tmp_path, f"id,price,amount,measure\n1,0.1,{LONG},1e-12\n2,-12,-1,123456789012345.6\n"
    )
    dumped = tmp_path / "dumped"
    dump_artifact(artifact, dumped, format=format)  # type: ignore[arg-type]

    text = (dumped / f"items.{format}").read_text()
    assert f"{LONG}000000" in text
    assert "e+19" not in text
    rebuilt = tmp_path / "rebuilt.sqlite"
    build_artifact(Base, dumped, rebuilt)
    columns = ("price", "amount", "measure")
    assert stored(rebuilt, *columns) == stored(artifact, *columns)


def test_equality_filters_bind_as_values_are_stored(tmp_path: Path, make_graph: Any) -> None:
    """A Decimal binds as its column stores it, text or number, so it finds its row; on a
    column of numbers, ints, floats and numeric text compare as numbers and find it too."""
    artifact = build_items(tmp_path, f"id,price,amount\n1,1.5,{LONG}\n2,12,12\n3,0.1,0.10000001\n")
    store = ItemStore(make_graph({"roundtrip": str(artifact)}))

    def ids(**filters: Any) -> list[int]:
        return [item.id for item in store.search(**filters)]

    assert ids(amount=Decimal(LONG)) == [1]
    assert ids(amount=Decimal("12")) == [2]
    assert ids(amount=[Decimal("12.00"), Decimal("0.10000001")]) == [2, 3]
    assert ids(price=Decimal("1.50")) == [1]
    assert ids(price=1.5) == [1]
    assert ids(price=12) == [2]
    assert ids(price="0.1") == [3]
    assert ids(price=[0.1, Decimal(12)]) == [2, 3]


def test_a_filter_with_more_digits_than_the_column_keeps_is_invalid(
    tmp_path: Path, make_graph: Any
) -> None:
    """No row can hold such a value: a 400 saying why, not a match of a rounded one."""
    artifact = build_items(tmp_path, "id,price\n1,0.1\n")
    store = ItemStore(make_graph({"roundtrip": str(artifact)}))

    with pytest.raises(InvalidFilterValueError) as error:
        store.count(price=Decimal("0.105"))
    assert "3 digits after the point" in str(error.value)


def test_sql_sorts_number_decimals_as_numbers_and_text_decimals_as_text(tmp_path: Path) -> None:
    """As docs/column-types.md says: `ORDER BY` a text decimal is text order; CAST sorts it."""
    artifact = build_items(tmp_path, "id,price,amount\n1,9,9\n2,10,10\n3,-1,-1\n")
    connection = sqlite3.connect(artifact)
    try:

        def ids(order: str) -> list[int]:
            return [row[0] for row in connection.execute(f"SELECT id FROM items ORDER BY {order}")]

        assert ids("price") == [3, 1, 2]
        assert ids("amount") == [3, 2, 1]
        assert ids("CAST(amount AS REAL)") == [3, 1, 2]
    finally:
        connection.close()


def test_an_earlier_builds_decimals_still_read(tmp_path: Path, make_graph: Any) -> None:
    """Before 3.1, `Numeric(30, 8)` was declared `NUMERIC(30, 8)` and held REALs: such an
    artifact reads as it did, the double's digits at the column's scale."""
    path = tmp_path / "earlier.sqlite"
    engine = create_engine(f"sqlite:///{path}")  # SQLAlchemy's own SQLite dialect, as 3.0
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(Item.__table__), [{"id": 1, "amount": Decimal("0.5")}])
    engine.dispose()

    assert stored(path, "amount") == [(0.5, "real")]
    [item] = read_items(make_graph, path)
    assert str(item.amount) == "0.50000000"


@pytest.mark.parametrize(
    ("declared", "matches"),
    [("NUMERIC TEXT(30, 8)", True), ("NUMERIC(30, 8)", True), ("TEXT", False), ("NUMERIC", False)],
)
def test_verify_matches_decimals_declared_now_or_before(
    tmp_path: Path, declared: str, matches: bool
) -> None:
    """Builds now declare `NUMERIC TEXT(30, 8)`, earlier ones `NUMERIC(30, 8)`: both match
    a `Numeric(30, 8)` model; other declarations do not."""
    metadata = MetaData()
    table = Table(
        "t", metadata, Column("id", Integer, primary_key=True), Column("x", Numeric(30, 8))
    )
    connection = sqlite3.connect(tmp_path / "decimals.sqlite")
    try:
        connection.execute(f"CREATE TABLE t (id INTEGER NOT NULL, x {declared}, PRIMARY KEY (id))")
        differences = schema_differences(connection, [table])
    finally:
        connection.close()

    assert differences == (
        [] if matches else [f"table t: column x is {declared}, the models say NUMERIC TEXT(30, 8)"]
    )


def test_text_that_is_no_number_in_a_decimal_column_is_an_unreadable_value(
    tmp_path: Path, make_graph: Any
) -> None:
    """A damaged file's decimal fails naming the column, on both read paths."""
    artifact = build_items(tmp_path, "id,amount\n1,1\n")
    alter(artifact, "UPDATE items SET amount = 'many'")

    with pytest.raises(UnreadableValueError) as error:
        read_items(make_graph, artifact)
    assert "'many'" in str(error.value)
