"""
`diff` compares the whole schema as SQLite records it, each table's and index's CREATE statement
in parts, and reads each artifact's schema once, however many tables it has.

"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import CheckConstraint, Column, Integer, String, Table

from microcosm_sqlite import DataSet
from microcosm_sqlite.artifact.opening import open_artifact
from microcosm_sqlite.building import build_from_rows
from microcosm_sqlite.tools._changes import TableCounts
from microcosm_sqlite.tools._comparison import Comparison
from microcosm_sqlite.tools.diff import diff_artifacts
from microcosm_sqlite.tools.inspect import describe, inspect_artifact

TABLE = "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v TEXT)"
INDEX = "CREATE INDEX ix ON t (v)"

# one schema change each, made by hand: (old statements, new statements, the line diff shows)
CHANGES: dict[str, tuple[list[str], list[str], str]] = {
    "a column's collation": (
        [TABLE],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL COLLATE NOCASE, v TEXT)"],
        "schema: table t: column k changed: TEXT NOT NULL -> TEXT NOT NULL COLLATE NOCASE",
    ),
    "a column's CHECK": (
        [TABLE],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL CHECK (k <> ''), v TEXT)"],
        "schema: table t: column k changed: TEXT NOT NULL -> TEXT NOT NULL CHECK (k <> '')",
    ),
    "a table CHECK": (
        [TABLE],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v TEXT, CHECK (v > k))"],
        "schema: table t: constraint added: CHECK (v > k)",
    ),
    "a UNIQUE constraint": (
        [TABLE],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v TEXT, UNIQUE (k, v))"],
        "schema: table t: constraint added: UNIQUE (k, v)",
    ),
    "a partial index's WHERE": (
        [TABLE, INDEX],
        [TABLE, "CREATE INDEX ix ON t (v) WHERE v IS NOT NULL"],
        "schema: table t: index ix changed: (v) -> (v) WHERE v IS NOT NULL",
    ),
    "an index column's order": (
        [TABLE, INDEX],
        [TABLE, "CREATE INDEX ix ON t (v DESC)"],
        "schema: table t: index ix changed: (v) -> (v DESC)",
    ),
    "an index's collation": (
        [TABLE, INDEX],
        [TABLE, "CREATE INDEX ix ON t (v COLLATE NOCASE)"],
        "schema: table t: index ix changed: (v) -> (v COLLATE NOCASE)",
    ),
    "an index made unique": (
        [TABLE, INDEX],
        [TABLE, "CREATE UNIQUE INDEX ix ON t (v)"],
        "schema: table t: index ix changed: (v) -> unique (v)",
    ),
    "STRICT": (
        [TABLE],
        [f"{TABLE} STRICT"],
        "schema: table t: options changed: none -> STRICT",
    ),
    "WITHOUT ROWID": (
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT) WITHOUT ROWID"],
        "schema: table t: options changed: none -> WITHOUT ROWID",
    ),
    "AUTOINCREMENT": (
        [TABLE],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, k TEXT NOT NULL, v TEXT)"],
        "schema: table t: column id changed: INTEGER PRIMARY KEY"
        " -> INTEGER PRIMARY KEY AUTOINCREMENT",
    ),
    "a generated column": (
        [TABLE],
        [
            "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v TEXT,"
            " g INTEGER GENERATED ALWAYS AS (id * 2) VIRTUAL)"
        ],
        "schema: table t: column g added: INTEGER GENERATED ALWAYS AS (id * 2) VIRTUAL",
    ),
    "a generated column's expression": (
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, g INTEGER AS (id * 2) STORED)"],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, g INTEGER AS (id * 3) STORED)"],
        "schema: table t: column g changed: INTEGER AS (id * 2) STORED"
        " -> INTEGER AS (id * 3) STORED",
    ),
    "the columns' order": (
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT)"],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, b TEXT, a TEXT)"],
        "schema: table t: column order changed: id, a, b -> id, b, a",
    ),
    "spaces inside a default's literal": (
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT DEFAULT 'a b')"],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT DEFAULT 'a  b')"],
        "schema: table t: column v changed: TEXT DEFAULT 'a b' -> TEXT DEFAULT 'a  b'",
    ),
    "a table's name quoted": (
        ["CREATE TABLE t (id INTEGER PRIMARY KEY)"],
        ['CREATE TABLE "t" (id INTEGER PRIMARY KEY)'],
        "schema: table t: statement changed: CREATE TABLE t (id INTEGER PRIMARY KEY)"
        ' -> CREATE TABLE "t" (id INTEGER PRIMARY KEY)',
    ),
}


def crafted(path: Path, *statements: str, rows: int = 0) -> Path:
    """A file made with raw sqlite3: the statements, then `rows` rows in `t`'s `id`."""
    connection = sqlite3.connect(path)
    for statement in statements:
        connection.execute(statement)
    if rows:
        connection.executemany("INSERT INTO t (id) VALUES (?)", [(n,) for n in range(1, rows + 1)])
    connection.commit()
    connection.close()
    return path


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_schema_change_is_found(tmp_path: Path, change: str) -> None:
    """Whatever part of a statement changed, diff names it in one line, and the files differ."""
    before, after, line = CHANGES[change]
    old = crafted(tmp_path / "old.sqlite", *before)
    new = crafted(tmp_path / "new.sqlite", *after)
    stream = io.StringIO()

    differs = diff_artifacts(old, new, stream)

    assert differs
    assert line in stream.getvalue().splitlines()


def test_the_same_statements_written_apart_are_the_same(tmp_path: Path) -> None:
    """Whitespace and comments between tokens are no schema: the files are the same."""
    old = crafted(tmp_path / "old.sqlite", TABLE, INDEX)
    new = crafted(
        tmp_path / "new.sqlite",
        "CREATE TABLE t (\n  id INTEGER PRIMARY KEY, -- the key\n  k TEXT  NOT NULL,\n  v TEXT\n)",
        "CREATE INDEX ix ON t /* by value */ (v)",
    )

    assert diff_artifacts(old, new, io.StringIO()) is False


Collated: Any = DataSet.create("collated")
Table(
    "codes",
    Collated.metadata,
    Column("code", String(collation="NOCASE"), primary_key=True),
    Column("rank", Integer),
    CheckConstraint("rank > 0"),
)
Plain: Any = DataSet.create("collated")
Table("codes", Plain.metadata, Column("code", String, primary_key=True), Column("rank", Integer))


def test_a_collation_and_a_check_between_built_artifacts(tmp_path: Path) -> None:
    """Two builds whose models differ only in a key's collation and a CHECK: diff says both."""
    rows = {"codes": [{"code": "a", "rank": 1}]}
    old, new = tmp_path / "plain.sqlite", tmp_path / "collated.sqlite"
    build_from_rows(Plain, rows, old)
    build_from_rows(Collated, rows, new)
    stream = io.StringIO()

    differs = diff_artifacts(old, new, stream)

    lines = stream.getvalue().splitlines()
    assert differs
    assert "schema: table codes: column code changed: VARCHAR NOT NULL" in lines[0]
    assert lines[0].endswith('-> VARCHAR COLLATE "NOCASE" NOT NULL')
    assert "schema: table codes: constraint added: CHECK (rank > 0)" in lines


def test_generated_columns_show_in_rows_and_in_inspect(tmp_path: Path) -> None:
    """A generated column's values are compared as the table's other columns are, and inspect
    lists the column, marked generated."""
    table = "CREATE TABLE t (id INTEGER PRIMARY KEY, g INTEGER AS (id * {}) STORED)"
    old = crafted(tmp_path / "old.sqlite", table.format(2), rows=2)
    new = crafted(tmp_path / "new.sqlite", table.format(3), rows=2)
    stream = io.StringIO()

    diff_artifacts(old, new, stream)

    assert stream.getvalue().splitlines()[1:] == [
        "~ t (id=1): g 2 -> 3",
        "~ t (id=2): g 4 -> 6",
        "t: 0 added, 0 removed, 2 changed, 0 unchanged",
    ]
    assert "  g INTEGER GENERATED STORED" in describe(inspect_artifact(old)).splitlines()


def schema_reads(tmp_path: Path, tables: int) -> int:
    """How many statements read the schema table while two files of `tables` tables diff."""
    statements = [f"CREATE TABLE t{number} (id INTEGER PRIMARY KEY)" for number in range(tables)]
    paths = [crafted(tmp_path / f"{side}{tables}.sqlite", *statements) for side in "ab"]
    seen: list[str] = []
    with open_artifact(paths[0]) as old, open_artifact(paths[1]) as new:
        for connection in (old, new):
            connection.set_trace_callback(seen.append)
        comparison = Comparison(old, new, str(paths[0]), str(paths[1]))
        names = comparison.tables()
        comparison.schema_changes(names)
        for name in names:
            list(comparison.row_changes(name, TableCounts(name, comparison.key_of(name))))
    return sum("sqlite_schema" in statement for statement in seen)


def test_each_artifacts_schema_is_read_once_whatever_its_tables(tmp_path: Path) -> None:
    """Diffing 40 tables reads the schema table as often as diffing 10 does: time grows with the
    tables, not with their square (10,000 tables take seconds; bench/diff.py measures it)."""
    assert schema_reads(tmp_path, 40) == schema_reads(tmp_path, 10)
