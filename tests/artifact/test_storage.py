"""
The artifact dialect's stored forms (`microcosm_sqlite.artifact.storage`): every engine of a
graph reads and writes through them, writable data sets included, and decimals take one
canonical form per value, whatever its spelling.

"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fixtures.roundtrip import Base, Item, ItemStore, build_items

from microcosm_sqlite.artifact.dialect import ArtifactDialect
from microcosm_sqlite.artifact.storage import stored_decimal


@pytest.mark.parametrize("read_only", [True, False])
def test_every_engine_of_a_graph_speaks_the_artifact_dialect(
    tmp_path: Path, make_graph: Any, read_only: bool
) -> None:
    """Read-only and writable engines alike, so both read paths process values one way."""
    artifact = build_items(tmp_path, "id\n1\n")
    graph = make_graph({"roundtrip": str(artifact)}, read_only=read_only)

    assert isinstance(Base.engine_for(graph).engine.dialect, ArtifactDialect)


def test_a_writable_data_set_stores_and_declares_as_a_build_does(
    tmp_path: Path, make_graph: Any
) -> None:
    """`create_all` declares long decimals with TEXT affinity, and `create` stores exactly."""
    graph = make_graph({"roundtrip": str(tmp_path / "writable.sqlite")}, read_only=False)
    Base.create_all(graph)
    ItemStore(graph).create(
        Item(
            id=1, amount=Decimal("12345678901234567890.5"), instant=datetime(2024, 1, 1, tzinfo=UTC)
        )
    )

    connection = sqlite3.connect(tmp_path / "writable.sqlite")
    try:
        declared = {row[1]: row[2] for row in connection.execute("PRAGMA table_info(items)")}
        values = connection.execute("SELECT amount, instant FROM items").fetchall()
    finally:
        connection.close()
    assert declared["amount"] == "NUMERIC TEXT(30, 8)"
    assert values == [("12345678901234567890.50000000", "2024-01-01 00:00:00.000000+00:00")]
    assert ItemStore(graph).get(1).amount == Decimal("12345678901234567890.5")


@pytest.mark.parametrize(
    ("given", "as_text", "stored"),
    [
        ("1.50", True, "1.50000000"),
        ("1.5E+1", True, "15.00000000"),
        ("-0.000", True, "0.00000000"),
        ("-12.30000000000", True, "-12.30000000"),
        (Decimal("1.50"), False, 1.5),
        (Decimal("15.00"), False, 15),
        (Decimal("-0.00"), False, 0),
        (0.1, False, 0.1),
        (7, False, 7),
    ],
)
def test_a_decimal_has_one_stored_form_whatever_its_spelling(
    given: Any, as_text: bool, stored: Any
) -> None:
    """Trailing zeros, exponents and the sign of zero say nothing of a value: one form each."""
    result = stored_decimal(given, 30 if as_text else 10, 8 if as_text else 2, as_text)

    assert result == stored and type(result) is type(stored)


@pytest.mark.parametrize("given", [True, "NaN", Decimal("Infinity"), float("nan"), [1]])
def test_what_is_no_finite_number_is_refused(given: Any) -> None:
    """Booleans, NaN, infinity and other values are no decimal."""
    with pytest.raises(ValueError):
        stored_decimal(given, 10, 2, False)
