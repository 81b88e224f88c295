"""
`build_from_rows`: an artifact from rows held in Python, built, checked and located as the CLI's.

"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fixtures import library
from fixtures.tools import leftovers, rows

from microcosm_sqlite.building import build_artifact, build_from_rows
from microcosm_sqlite.errors import BuildError
from microcosm_sqlite.tools.verify import verify_artifact

AUTHORS: list[dict[str, Any]] = [
    {"id": 1, "name": "Ursula", "born": date(1929, 10, 21), "country": "US"},
    {"id": 2, "name": "Italo", "born": "1923-10-15", "active": "no"},
]
BOOKS: list[dict[str, Any]] = [
    {
        "isbn": "9780441478125",
        "title": "The Left Hand of Darkness",
        "author_id": 1,
        "genre": library.Genre.fiction,
        "published": date(1969, 3, 1),
        "added_at": datetime(2024, 1, 2, 3, 4, 5),
        "price": Decimal("9.99"),
        "tags": ["hainish", "classic"],
        "in_print": True,
    },
    {
        "isbn": "9780156439619",
        "title": "Invisible Cities",
        "author_id": "2",
        "genre": "fiction",
        "published": "1972-01-01",
        "added_at": "2024-01-02T03:04:05",
    },
]


def build(tmp_path: Path, **tables: Any) -> Path:
    output = tmp_path / "library.sqlite"
    build_from_rows(library.Base, tables, output)
    return output


def problems_of(error: pytest.ExceptionInfo[BuildError]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


def test_rows_build_a_sound_artifact_with_its_manifest(tmp_path: Path) -> None:
    """Python values and source text both convert, defaults fill in, and verify passes."""
    output = build(tmp_path, authors=AUTHORS, books=BOOKS)

    assert verify_artifact(output, library.Base) == []
    assert rows(output, "authors") == [
        (1, "Ursula", "1929-10-21", 1, "US"),
        (2, "Italo", "1923-10-15", 0, None),
    ]
    books = {row[0]: row for row in rows(output, "books")}
    assert books["9780441478125"][3:9] == (
        "fiction",
        "1969-03-01",
        "2024-01-02 03:04:05.000000",
        9.99,
        None,
        '["hainish", "classic"]',
    )
    assert books["9780156439619"][-4:] == (0, "en", "main", None)
    connection = sqlite3.connect(output)
    manifest = dict(connection.execute("SELECT key, value FROM _microcosm_manifest"))
    connection.close()
    assert manifest["dataset"] == "library"
    assert manifest["table.books.rows"] == "2"


def test_rows_build_the_same_table_content_as_sources(tmp_path: Path) -> None:
    """The rows of a source-built artifact, given back as dicts, build the same rows."""
    from_sources = tmp_path / "sources.sqlite"
    build_artifact(library.Base, library.SOURCES, from_sources)
    connection = sqlite3.connect(from_sources)
    connection.row_factory = sqlite3.Row
    tables = {
        table: [dict(row) for row in connection.execute(f"SELECT * FROM {table}")]
        for table in ("authors", "books")
    }
    connection.close()
    for book in tables["books"]:  # a JSON column takes the document, not its stored text
        book["tags"] = None if book["tags"] is None else json.loads(book["tags"])

    output = build(tmp_path, **tables)

    assert rows(output, "authors") == rows(from_sources, "authors")
    assert rows(output, "books") == rows(from_sources, "books")


def test_any_iterable_of_rows_is_read_once(tmp_path: Path) -> None:
    """A generator works as a table's rows, so rows need not all be held in memory."""

    def generated() -> Iterator[dict[str, Any]]:
        for number in range(1, 10_001):
            yield {"id": number, "name": f"author {number}"}

    output = build(tmp_path, authors=generated(), books=[])

    assert len(rows(output, "authors")) == 10_000


def test_bad_rows_are_named_by_table_and_index(tmp_path: Path) -> None:
    """Each problem names the table and the row's index, and nothing is written."""
    authors = [
        *AUTHORS,
        {"id": "x", "name": 5},
        7,
        {"id": 9, "nam": "typo"},
        {"id": 1, "name": "again"},
    ]
    with pytest.raises(BuildError) as error:
        build(tmp_path, authors=authors, books=BOOKS)

    assert "problems in the rows" in str(error.value)
    assert problems_of(error) == [
        "authors[2]: column 'id': 'x' is not an integer (digits 0-9, optionally signed)",
        "authors[2]: column 'name': 5 does not fit a String() column",
        "authors[3]: a row is a mapping of column names to values, not int"
        " (only the first such row is reported)",
        "authors[4]: column 'nam': unknown column: table 'authors' has no such column"
        " (ignore_unknown_columns=True skips it)",
        "authors[4]: column 'name': missing column: the column is required:"
        " not nullable and no default",
        "authors[5]: column 'id': duplicate primary key (id=1), first at authors[0]",
    ]
    assert list(tmp_path.iterdir()) == []


def test_a_foreign_key_with_no_target_is_located_at_its_row(tmp_path: Path) -> None:
    """Foreign keys are checked once everything loads, and the bad row is named."""
    books = [BOOKS[0], {**BOOKS[1], "author_id": 99}]

    with pytest.raises(BuildError) as error:
        build(tmp_path, authors=AUTHORS, books=books)

    assert problems_of(error) == ["books[1]: column 'author_id': 99 has no match in authors.id"]


@pytest.mark.parametrize(
    ("tables", "expected"),
    [
        (
            dict(authors=AUTHORS),
            "books: no rows for table 'books' (allow_missing=True builds it empty)",
        ),
        (
            dict(authors=AUTHORS, books=[], shelves=[]),
            "shelves: no table named 'shelves' in the models (tables: authors, books)",
        ),
    ],
)
def test_tables_are_checked_against_the_models(
    tmp_path: Path, tables: dict[str, Any], expected: str
) -> None:
    """A table with no rows given, or rows for a table the models lack, fails before loading."""
    with pytest.raises(BuildError) as error:
        build(tmp_path, **tables)

    assert problems_of(error) == [expected]


def test_allow_missing_builds_empty_tables(tmp_path: Path) -> None:
    """`allow_missing=True` builds a table with no rows given empty, as the CLI's flag does."""
    output = tmp_path / "library.sqlite"

    report = build_from_rows(library.Base, {"authors": AUTHORS}, output, allow_missing=True)

    assert [(table.name, table.rows) for table in report.tables] == [("authors", 2), ("books", 0)]


def test_a_failed_build_keeps_the_old_artifact(tmp_path: Path) -> None:
    """The build is atomic: bad rows leave the previous artifact as it was, and no temp files."""
    output = build(tmp_path, authors=AUTHORS, books=BOOKS)
    before = output.read_bytes()

    with pytest.raises(BuildError):
        build(tmp_path, authors=[{"id": "bad", "name": "x"}], books=[])

    assert output.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_a_file_that_is_not_an_artifact_is_kept(tmp_path: Path) -> None:
    """As with the CLI, an output that no build wrote is refused unless `force=True`."""
    output = tmp_path / "notes.txt"
    output.write_text("mine")

    with pytest.raises(BuildError, match="it exists and is not a SQLite artifact"):
        build_from_rows(library.Base, {"authors": [], "books": []}, output)
    build_from_rows(library.Base, {"authors": [], "books": []}, output, force=True)

    assert rows(output, "authors") == []
