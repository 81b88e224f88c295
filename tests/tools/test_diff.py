"""
`microcosm-sqlite diff OLD NEW`: schema and row changes between two artifacts, by primary key.

"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fixtures import library
from fixtures.tools import SOURCES, alter, console_script, subprocess_env
from sqlalchemy import Column, Integer, LargeBinary, String, Table

from microcosm_sqlite import DataSet
from microcosm_sqlite.building import build_artifact, build_from_rows
from microcosm_sqlite.cli import cli
from microcosm_sqlite.tools.diff import diff_artifacts

Base: Any = DataSet.create("diffed")

Table(
    "pairs",
    Base.metadata,
    Column("left", String, primary_key=True),
    Column("right", Integer, primary_key=True),
    Column("label", String),
    Column("blob", LargeBinary),
)
Table("loose", Base.metadata, Column("a", Integer), Column("b", String))

PAIRS = [
    {"left": "a", "right": 1, "label": "one", "blob": b"\x00\x01"},
    {"left": "a", "right": 2, "label": "two"},
    {"left": "b", "right": 1, "label": "three"},
]
LOOSE: list[dict[str, Any]] = [{"a": 1, "b": "x"}, {"a": 1, "b": "x"}, {"a": 2, "b": None}]


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["diff", *map(str, args)], catch_exceptions=False)


def copy(path: Path, name: str) -> Path:
    target = path.with_name(name)
    shutil.copyfile(path, target)
    return target


@pytest.fixture
def old(built: Path) -> Path:
    return built


@pytest.fixture
def new(built: Path) -> Path:
    return copy(built, "new.sqlite")


def built_rows(
    tmp_path: Path, name: str, pairs: list[dict[str, Any]], loose: list[dict[str, Any]]
) -> Path:
    output = tmp_path / name
    build_from_rows(Base, {"pairs": pairs, "loose": loose}, output)
    return output


def test_an_artifact_against_itself_exits_0(old: Path) -> None:
    """Equal content exits 0, with a line of zero counts per table."""
    result = invoke(old, old)

    assert result.exit_code == 0
    assert result.output == (
        "authors: 0 added, 0 removed, 0 changed, 4 unchanged\n"
        "books: 0 added, 0 removed, 0 changed, 4 unchanged\n"
    )


def test_the_same_rows_from_other_sources_are_equal(tmp_path: Path, old: Path) -> None:
    """Rebuilt from a source whose bytes differ (a blank line more), the artifact is the same,
    byte for byte: the manifest records the rows, not the sources' spelling."""
    (tmp_path / "sources").mkdir()
    for source in SOURCES.iterdir():
        shutil.copyfile(source, tmp_path / "sources" / source.name)
    (tmp_path / "sources" / "authors.csv").write_text((SOURCES / "authors.csv").read_text() + "\n")
    rebuilt = tmp_path / "rebuilt.sqlite"
    build_artifact(library.Base, tmp_path / "sources", rebuilt)

    assert invoke(old, rebuilt).exit_code == 0
    assert rebuilt.read_bytes() == old.read_bytes()


def test_one_changed_value_is_named_by_table_key_and_column_in_json(old: Path, new: Path) -> None:
    """After one changed value, `--json` exits 1 and names the table, the key and the column."""
    alter(new, "UPDATE books SET pages = 305 WHERE isbn = '9780441478125'")

    result = invoke("--json", old, new)

    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["equal"] is False
    assert document["schema"] == []
    assert document["tables"]["authors"] == {
        "key": ["id"],
        "rows": [],
        "added": 0,
        "removed": 0,
        "changed": 0,
        "unchanged": 4,
    }
    assert document["tables"]["books"] == {
        "key": ["isbn"],
        "rows": [
            {
                "op": "changed",
                "key": {"isbn": "9780441478125"},
                "values": {"pages": {"old": 304, "new": 305}},
            },
        ],
        "added": 0,
        "removed": 0,
        "changed": 1,
        "unchanged": 3,
    }


def test_rows_added_removed_and_changed_show_as_text(old: Path, new: Path) -> None:
    """Each change is one line (+, -, ~), a changed row shows only what changed, then counts."""
    alter(
        new,
        "UPDATE authors SET name = 'U. K. Le Guin', country = NULL WHERE id = 1",
        "DELETE FROM authors WHERE id = 4",
        "INSERT INTO authors VALUES (7, 'New', '2000-01-01', 0, 'FR')",
    )

    result = invoke(old, new)

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        '~ authors (id=1): name "Ursula K. Le Guin" -> "U. K. Le Guin"; country "US" -> NULL',
        '- authors (id=4): name="Anonymous", born=NULL, active=1, country=NULL',
        '+ authors (id=7): name="New", born="2000-01-01", active=0, country="FR"',
        "authors: 1 added, 1 removed, 1 changed, 2 unchanged",
        "books: 0 added, 0 removed, 0 changed, 4 unchanged",
    ]


def test_schema_changes_come_first(old: Path, new: Path) -> None:
    """Tables, columns, indexes and constraints added, removed or changed are each a line."""
    alter(
        new,
        "PRAGMA foreign_keys = OFF",
        "DROP INDEX ix_authors_name",
        "CREATE INDEX ix_authors_country ON authors (country)",
        "ALTER TABLE authors ADD COLUMN nickname TEXT",
        "ALTER TABLE books RENAME TO old_books",
        "CREATE TABLE books (isbn VARCHAR(13) NOT NULL PRIMARY KEY, title TEXT,"
        " author_id INTEGER REFERENCES authors (id) ON DELETE CASCADE)",
        "INSERT INTO books SELECT isbn, title, author_id FROM old_books",
        "DROP TABLE old_books",
        "CREATE TABLE shelves (name TEXT PRIMARY KEY)",
        "INSERT INTO shelves VALUES ('main')",
    )

    result = invoke(old, new)

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:6] == [
        "schema: table authors: column nickname added: TEXT",
        "schema: table authors: index ix_authors_name removed (was: (name))",
        "schema: table authors: index ix_authors_country added: (country)",
        "schema: table books: column isbn changed: VARCHAR(13) NOT NULL"
        " -> VARCHAR(13) NOT NULL PRIMARY KEY",
        "schema: table books: column title changed: VARCHAR NOT NULL -> TEXT",
        "schema: table books: column author_id changed: INTEGER NOT NULL"
        " -> INTEGER REFERENCES authors (id) ON DELETE CASCADE",
    ]
    assert "schema: table books: column genre removed (was: VARCHAR(7) NOT NULL)" in lines
    # the key and the foreign key, written as table constraints before, now in the columns
    assert "schema: table books: constraint removed (was: PRIMARY KEY (isbn))" in lines
    assert (
        "schema: table books: constraint removed (was: FOREIGN KEY(author_id)"
        " REFERENCES authors (id))"
    ) in lines
    assert "schema: table shelves added: name TEXT PRIMARY KEY" in lines
    # rows compare on the columns both sides have: the removed columns are no row changes
    assert "books: 0 added, 0 removed, 0 changed, 4 unchanged" in lines
    assert lines[-2:] == [
        '+ shelves (name="main")',
        "shelves: 1 added, 0 removed, 0 changed, 0 unchanged",
    ]


def test_a_different_data_set_is_a_difference(tmp_path: Path, old: Path, new: Path) -> None:
    """The data set's name is content, unlike the manifest's other entries."""
    alter(new, "UPDATE _microcosm_manifest SET value = 'other' WHERE key = 'dataset'")

    result = invoke(old, new)

    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "schema: data set changed: library -> other"


def test_composite_keys_blobs_and_tables_without_a_key(tmp_path: Path) -> None:
    """Composite keys match row by row; a table with no key compares whole rows as a multiset."""
    before = built_rows(tmp_path, "before.sqlite", PAIRS, LOOSE)
    after = built_rows(
        tmp_path,
        "after.sqlite",
        [{**PAIRS[0], "blob": b"\xff"}, PAIRS[2], {"left": "c", "right": 0}],
        [LOOSE[0], LOOSE[2], {"a": 2, "b": "y"}],
    )
    stream = io.StringIO()

    assert diff_artifacts(before, after, stream) is True

    assert stream.getvalue().splitlines() == [
        '- loose: a=1, b="x"',
        '+ loose: a=2, b="y"',
        "loose: no primary key, whole rows compared",
        "loose: 1 added, 1 removed, 0 changed, 2 unchanged",
        "~ pairs (left=\"a\", right=1): blob x'0001' -> x'ff'",
        '- pairs (left="a", right=2): label="two", blob=NULL',
        '+ pairs (left="c", right=0): label=NULL, blob=NULL',
        "pairs: 1 added, 1 removed, 1 changed, 1 unchanged",
    ]


def test_keys_of_mixed_types_merge_in_sqlite_order(tmp_path: Path) -> None:
    """Keys holding NULL, numbers, text and blobs merge as SQLite orders them, so none is lost."""
    before = tmp_path / "before.sqlite"
    after = tmp_path / "after.sqlite"
    for path, values in ((before, [None, 2, "a", b"z"]), (after, [1, 2.5, "a", "b", b"y"])):
        connection = sqlite3.connect(path)
        connection.execute("CREATE TABLE t (k PRIMARY KEY, v)")
        connection.executemany("INSERT INTO t VALUES (?, 0)", [(value,) for value in values])
        connection.commit()
        connection.close()
    stream = io.StringIO()

    diff_artifacts(before, after, stream, as_json=True)

    rows = json.loads(stream.getvalue())["tables"]["t"]["rows"]
    assert [(row["op"], row["key"]["k"]) for row in rows] == [
        ("removed", None),
        ("added", 1),
        ("removed", 2),
        ("added", 2.5),
        ("added", "b"),
        ("added", {"blob": "79"}),
        ("removed", {"blob": "7a"}),
    ]


def test_limit_caps_row_lines_but_not_counts(old: Path, new: Path) -> None:
    """`--limit` shows at most N rows per table and says how many more there are."""
    alter(new, "UPDATE books SET pages = 1", "DELETE FROM authors WHERE id = 4")

    text = invoke("--limit", "1", old, new)
    document = json.loads(invoke("--json", "--limit", "0", old, new).output)

    assert text.exit_code == 1
    lines = text.output.splitlines()
    assert lines[2].startswith("~ books (isbn=")
    assert lines[3:] == [
        "books: 3 more row changes not shown",
        "books: 0 added, 0 removed, 4 changed, 0 unchanged",
    ]
    assert document["tables"]["books"]["rows"] == []
    assert document["tables"]["books"]["changed"] == 4


def test_table_limits_the_comparison_to_one_table(old: Path, new: Path) -> None:
    """`--table` compares that table alone: changes elsewhere do not count."""
    alter(new, "DELETE FROM authors WHERE id = 4")

    books = invoke("--table", "books", old, new)
    authors = invoke("--table", "authors", old, new)

    assert (books.exit_code, books.output) == (
        0,
        "books: 0 added, 0 removed, 0 changed, 4 unchanged\n",
    )
    assert authors.exit_code == 1


def test_a_table_neither_artifact_has_is_trouble(old: Path) -> None:
    """An unknown `--table` exits 2, naming the tables there are."""
    result = CliRunner().invoke(cli, ["diff", "--table", "nope", str(old), str(old)])

    assert result.exit_code == 2
    assert "has a table named 'nope' (tables: authors, books)" in result.output


@pytest.mark.parametrize("kind", ["missing", "text", "corrupt"])
def test_trouble_exits_2_with_a_one_line_error(
    tmp_path: Path, old: Path, corrupt: Path, kind: str
) -> None:
    """A missing path, a file that is not SQLite or a corrupt artifact exits 2, as diff(1)."""
    other = {
        "missing": tmp_path / "missing.sqlite",
        "text": tmp_path / "notes.txt",
        "corrupt": corrupt,
    }[kind]
    if kind == "text":
        other.write_text("not an artifact\n")

    result = CliRunner().invoke(cli, ["diff", str(old), str(other)])

    assert result.exit_code == 2
    error = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(error) == 1 and str(other) in error[0]


def test_the_console_script_exits_as_diff_does(old: Path, new: Path) -> None:
    """The installed command exits 0, 1 and 2 for the same, different and missing artifacts."""
    import subprocess

    alter(new, "UPDATE authors SET name = 'X' WHERE id = 2")

    def status(*paths: Path) -> int:
        return subprocess.run(
            [str(console_script()), "diff", *map(str, paths)],
            env=subprocess_env(),
            capture_output=True,
            timeout=120,
        ).returncode

    assert [status(old, old), status(old, new), status(old, old.with_name("no"))] == [0, 1, 2]


def test_a_diff_streams_in_bounded_memory(tmp_path: Path) -> None:
    """Two 50,000-row tables merge without holding their rows: memory barely moves."""
    import tracemalloc

    many = [
        {"left": f"k{number:06d}", "right": number, "label": "x" * 50} for number in range(50_000)
    ]
    before = built_rows(tmp_path, "before.sqlite", many, [])
    after = built_rows(tmp_path, "after.sqlite", [*many[1:], {"left": "z", "right": 0}], [])
    stream = io.StringIO()
    tracemalloc.start()
    try:
        diff_artifacts(before, after, stream)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert "pairs: 1 added, 1 removed, 0 changed, 49,999 unchanged" in stream.getvalue()
    assert peak < 2_000_000
