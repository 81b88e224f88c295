"""
Rows from Python (`build_from_rows`, and so the `sqlite_artifact` fixture) take values by the
sources' type rules: a value of the wrong Python type, bytes outside a binary column, or too
long a value is a `table[index]` problem; rows that are not an iterable of mappings are one
clear problem; problems come in row order.

"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fixtures import library
from fixtures.roundtrip import Base, Kind, read_items, stored

from microcosm_sqlite.building import build_from_rows
from microcosm_sqlite.errors import BuildError


def build(tmp_path: Path, items: Any, base: Any = Base) -> Path:
    output = tmp_path / "rows.sqlite"
    build_from_rows(base, {"items": items} if base is Base else items, output, allow_missing=True)
    return output


def refused(tmp_path: Path, items: Any, base: Any = Base) -> list[str]:
    with pytest.raises(BuildError) as error:
        build(tmp_path, items, base)
    return [str(problem) for problem in error.value.problems]


@pytest.mark.parametrize("column", ["number", "label", "tag", "ratio", "price", "amount", "flag"])
def test_bytes_outside_a_binary_column_are_a_problem(tmp_path: Path, column: str) -> None:
    """`b"12"` is no integer, text, float, decimal or boolean: SQLite would keep a BLOB."""
    [problem] = refused(tmp_path, [{"id": 1, column: b"12"}])

    assert problem.startswith(f"items[0]: column '{column}': b'12' is bytes, which only a binary")


def test_bytes_are_not_text_of_a_declared_length(tmp_path: Path) -> None:
    """Twelve bytes in a String(8) column are refused, whatever their length."""
    [problem] = refused(tmp_path, [{"id": 1, "tag": b"x" * 12}])

    assert "is bytes, which only a binary column holds" in problem


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("moment", date(2024, 1, 1)),
        ("day", datetime(2024, 1, 1, 12)),
        ("number", Decimal("12")),
        ("ratio", Decimal("1.5")),
        ("clock", datetime(2024, 1, 1, 12)),
        ("label", uuid.UUID(int=1)),
        ("ident", 12),
        ("kind", object()),
    ],
    ids=repr,
)
def test_a_value_of_the_wrong_python_type_is_a_problem(
    tmp_path: Path, column: str, value: Any
) -> None:
    """A date is no datetime, a datetime no date, a Decimal no integer: nothing is re-typed."""
    [problem] = refused(tmp_path, [{"id": 1, column: value}])

    assert problem.startswith(f"items[0]: column '{column}': ")


def test_values_of_each_columns_python_type_read_back_as_given(
    tmp_path: Path, make_graph: Any
) -> None:
    """The Python types a model reads back are the ones its rows take, unchanged."""
    row = {
        "id": 1,
        "number": 2**63 - 1,
        "ratio": 0.1,
        "label": "",
        "tag": "eight ch",
        "flag": False,
        "day": date(2024, 2, 29),
        "moment": datetime(2024, 2, 29, 23, 59, 59, 999999),
        "instant": datetime(2024, 2, 29, 23, tzinfo=UTC),
        "clock": time(23, 59),
        "zoned_clock": time(0, 1, tzinfo=UTC),
        "price": Decimal("-99999999.99"),
        "amount": Decimal("1234567890123456789012.12345678"),
        "measure": Decimal("0.000123"),
        "document": {"a": [1, 2.5, None, "x"]},
        "kind": Kind.odd_one,
        "grade": Kind.x,
        "ident": uuid.UUID(int=2**128 - 1),
        "blob": b"\x00\xff",
    }
    [item] = read_items(make_graph, build(tmp_path, [row]))

    assert {name: getattr(item, name) for name in row} == row


def test_a_float_in_a_decimal_column_is_its_shortest_text(tmp_path: Path) -> None:
    """0.1 is the Decimal 0.1, as it prints, not the double's 55 digits."""
    output = build(tmp_path, [{"id": 1, "price": 0.1, "amount": 0.1}])

    assert stored(output, "price", "amount") == [(0.1, "real", "0.10000000", "text")]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ({"authors": None}, "authors: a table's rows are an iterable of mappings, one per row,"),
        ({"authors": 5}, "authors: a table's rows are an iterable of mappings, one per row,"),
        ({"authors": "id,name"}, "authors: a table's rows are an iterable of mappings, one per"),
        ({"authors": {"id": 1, "name": "x"}}, "authors: a table's rows are an iterable of"),
        ({"authors": [[1, "x"], [2, "y"]]}, "authors[0]: a row is a mapping of column names"),
    ],
    ids=["None", "int", "str", "one row", "lists"],
)
def test_rows_that_are_not_an_iterable_of_mappings_are_one_problem(
    tmp_path: Path, rows: dict[str, Any], expected: str
) -> None:
    """None, a number, text, a lone row or rows as lists: one clear problem, no TypeError."""
    [problem] = refused(tmp_path, rows, library.Base)

    assert problem.startswith(expected)


def test_rows_given_as_a_list_are_a_clear_error(tmp_path: Path) -> None:
    """The tables are a mapping of names to rows: a list of rows says so, no TypeError."""
    with pytest.raises(BuildError, match="the rows are a list, not a mapping of each table"):
        build(tmp_path, [{"id": 1, "name": "x"}], library.Base)


def test_problems_are_listed_in_row_order(tmp_path: Path) -> None:
    """`items[2]` comes before `items[10]`, as lines do in a file."""
    problems = refused(tmp_path, [{"id": index, "number": "x"} for index in range(12)])

    assert [problem.split(":")[0] for problem in problems] == [f"items[{i}]" for i in range(12)]
