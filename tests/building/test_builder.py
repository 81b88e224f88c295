"""
Tests for `microcosm_sqlite.building`: building artifacts from sources, atomically and
reproducibly, and the graph's `sqlite_builder`. What a build refuses, and what an interrupted
one leaves: `test_build_failures.py`.

"""

from __future__ import annotations

import io
import os
import sqlite3
from contextlib import closing
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fixtures import cycle, library
from fixtures.library import Author, AuthorStore, Book, BookStore, Genre
from fixtures.tools import (
    SOURCES,
    copy_sources,
    failing_build,
    graph_for,
    rows,
)
from sqlalchemy import FLOAT, REAL, Column, Double, Float, Integer, MetaData, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.artifact.contents import MANIFEST_TABLE
from microcosm_sqlite.artifact.dialect import artifact_dialect
from microcosm_sqlite.artifact.manifest import library_version, read_manifest, schema_fingerprint
from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.building.schema import load_order, table_ddl
from microcosm_sqlite.errors import BuildError, ReadOnlyDataSetError

# --- what a build writes --------------------------------------------------------------------


def test_models_read_back_what_the_sources_say(built: Path) -> None:
    """Stores over a built artifact return the source values as Python objects."""
    graph = graph_for(built)
    try:
        book = BookStore(graph).get("9780441478125")
        other = BookStore(graph).get("9780000000001")
        anonymous = AuthorStore(graph).get(4)
        assert book.genre is Genre.fiction
        assert book.published == date(1969, 3, 1)
        assert book.added_at == datetime(2024, 1, 2, 3, 4, 5)
        assert book.price == Decimal("9.99")
        assert book.tags == ["hainish", "classic"]
        assert book.in_print is True
        assert book.author.name == "Ursula K. Le Guin"
        assert (other.language, other.shelf, other.in_print) == ("en", "main", False)
        assert other.price is None
        assert other.tags == "a plain JSON string"
        assert (anonymous.born, anonymous.country, anonymous.active) == (None, None, True)
        assert BookStore(graph).count(author_id=2) == 2
    finally:
        dispose_sqlite_connections(graph)


def test_the_same_sources_build_the_same_bytes(tmp_path: Path, built: Path) -> None:
    """Building twice, into another file or over the same one, gives byte-identical files."""
    again = tmp_path / "again.sqlite"
    build_artifact(library.Base, SOURCES, again)
    first = built.read_bytes()

    build_artifact(library.Base, SOURCES, built)

    assert again.read_bytes() == first
    assert built.read_bytes() == first


def test_a_float_column_is_declared_double_on_every_sqlalchemy(built: Path) -> None:
    """`Mapped[float]` (`Float` on SQLAlchemy 2.0, `Double` on 2.1), `Float` and `Double` are all
    declared `DOUBLE`, so the same sources build the same bytes on either; explicit uppercase
    SQL types keep their names."""
    metadata = MetaData()

    class Floats(DeclarativeBase):
        pass

    class Reading(Floats):
        __tablename__ = "reading"

        id: Mapped[int] = mapped_column(primary_key=True)
        value: Mapped[float]

    table = Table(
        "floats",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("generic", Float),
        Column("precise", Float(10)),
        Column("double", Double),
        Column("upper", FLOAT),
        Column("real", REAL),
    )
    connection = sqlite3.connect(built)
    try:
        (declared,) = connection.execute(
            "SELECT sql FROM sqlite_schema WHERE name = 'books'"
        ).fetchone()
    finally:
        connection.close()

    assert "rating DOUBLE," in declared
    assert isinstance(Reading.__table__, Table)
    assert "value DOUBLE NOT NULL" in table_ddl(Reading.__table__, artifact_dialect())
    assert [
        line.strip().rstrip(",") for line in table_ddl(table, artifact_dialect()).splitlines()[2:7]
    ] == ["generic DOUBLE", "precise DOUBLE", "double DOUBLE", "upper FLOAT", "real REAL"]


class RecordedProgress:
    """A build progress listener that keeps what it was told."""

    def __init__(self) -> None:
        self.total: int | None = None
        self.advances: list[int] = []
        self.ended = False

    def begin(self, total_bytes: int) -> None:
        self.total = total_bytes

    def advance(self, bytes_read: int) -> None:
        self.advances.append(bytes_read)

    def end(self) -> None:
        self.ended = True


def test_progress_counts_every_source_byte_once(tmp_path: Path) -> None:
    """A build reports the sources' total size, advances through all of it (CSV and JSON
    Lines), and ends."""
    progress = RecordedProgress()
    build_artifact(library.Base, SOURCES, tmp_path / "out.sqlite", progress=progress)
    sizes = sum(path.stat().st_size for path in SOURCES.iterdir() if path.is_file())
    assert progress.total == sizes
    assert sum(progress.advances) == sizes
    assert all(step >= 0 for step in progress.advances)
    assert progress.ended


def test_the_artifact_is_ready_to_serve(built: Path) -> None:
    """Rollback journal, 4 KiB pages, no free pages, statistics and the models' indexes."""
    header = built.read_bytes()[:100]
    connection = sqlite3.connect(built)
    try:
        assert header[18:20] == b"\x01\x01"
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert connection.execute("PRAGMA page_size").fetchone()[0] == 4096
        assert connection.execute("PRAGMA freelist_count").fetchone()[0] == 0
        assert connection.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] > 0
        indexes = {
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"
            )
        }
        assert indexes == {"ix_authors_name", "ix_books_author_id"}
    finally:
        connection.close()
    assert not list(built.parent.glob(".*tmp*"))


def test_the_manifest_describes_the_build(built: Path) -> None:
    """The manifest names the data set, schema fingerprint, row counts and versions, and nothing
    of how the sources were spelled."""
    connection = sqlite3.connect(built)
    try:
        manifest = read_manifest(connection)
        fingerprint = schema_fingerprint(connection)
    finally:
        connection.close()

    assert manifest is not None
    assert manifest["dataset"] == "library"
    assert manifest["schema_sha256"] == fingerprint
    assert manifest["library_version"] == library_version() != "unknown"
    assert manifest["table.authors.rows"] == "4"
    assert manifest["table.books.rows"] == "4"
    assert manifest["manifest_version"] == "2"
    assert not [key for key in manifest if "source" in key]
    assert MANIFEST_TABLE == "_microcosm_manifest"


def test_a_rebuild_from_changed_sources_changes_only_what_changed(tmp_path: Path) -> None:
    """A changed source changes its table's row count in the manifest, not the schema's."""
    sources = copy_sources(tmp_path / "sources")
    first = tmp_path / "first.sqlite"
    second = tmp_path / "second.sqlite"
    build_artifact(library.Base, sources, first)
    with (sources / "authors.csv").open("a") as authors:
        authors.write("5,Ada,,\n")

    build_artifact(library.Base, sources, second)

    with closing(sqlite3.connect(first)) as left, closing(sqlite3.connect(second)) as right:
        one = read_manifest(left) or {}
        two = read_manifest(right) or {}
    changed = {key for key in one if one[key] != two[key]}
    assert changed == {"table.authors.rows"}


def test_a_missing_source_is_an_error_unless_allowed(tmp_path: Path) -> None:
    """A table with no source fails the build; --allow-missing builds it empty."""
    sources = copy_sources(tmp_path / "sources")
    (sources / "books.jsonl").unlink()
    output = tmp_path / "out.sqlite"

    problems = failing_build(sources, output)
    build_artifact(library.Base, sources, output, allow_missing=True)

    assert problems == [
        f"{sources / 'books.csv'}: no source for table 'books': expected books.csv or"
        " books.jsonl (--allow-missing builds it empty)"
    ]
    assert rows(output, "books") == []
    assert len(rows(output, "authors")) == 4


def test_unknown_columns_can_be_ignored(tmp_path: Path) -> None:
    """--ignore-unknown-columns builds, leaving the extra source column out."""
    sources = copy_sources(tmp_path / "sources")
    (sources / "authors.csv").write_text("id,name,nickname\n1,A,a\n2,B,b\n3,C,c\n")
    output = tmp_path / "out.sqlite"

    problems = failing_build(sources, output, allow_missing=True)
    build_artifact(library.Base, sources, output, ignore_unknown_columns=True)

    assert problems[0].endswith(
        "authors.csv:1: column 'nickname': unknown column: table 'authors' has no such column"
        " (--ignore-unknown-columns skips it)"
    )
    assert rows(output, "authors") == [
        (1, "A", None, 1, None),
        (2, "B", None, 1, None),
        (3, "C", None, 1, None),
    ]


def test_tables_load_in_foreign_key_order() -> None:
    """A referenced table loads before the tables that reference it."""
    assert [table.name for table in load_order(library.Base.metadata.tables.values())] == [
        "authors",
        "books",
    ]


def test_tables_in_a_reference_cycle_build(tmp_path: Path) -> None:
    """Tables that reference each other (and themselves) build: keys are checked at the end."""
    (tmp_path / "countries.csv").write_text("code,capital_id\nFR,1\n")
    (tmp_path / "cities.csv").write_text("id,country_code,part_of\n1,FR,\n2,FR,1\n")
    output = tmp_path / "cycle.sqlite"

    build_artifact(cycle.Base, tmp_path, output)

    assert rows(output, "cities") == [(1, "FR", None), (2, "FR", 1)]


# --- the graph's builder --------------------------------------------------------------------


AUTHORS_CSV = "id,name,born,active,country\n1,Le Guin,1929-10-21,yes,US\n2,Borges,,no,\n"
BOOKS_CSV = (
    "isbn,title,author_id,genre,published,added_at,tags\n"
    '1,Ficciones,2,fiction,1944-01-01,2024-01-01T00:00:00,"[1, 2]"\n'
)


@pytest.fixture
def writable(tmp_path: Path) -> Any:
    graph = graph_for(tmp_path / "writable.sqlite", read_only=False)
    yield graph
    dispose_sqlite_connections(graph)


def test_the_graph_builder_loads_a_model_from_csv(writable: Any) -> None:
    """`graph.sqlite_builder.csv(Model).build(fileobj)` creates the table and loads its rows."""
    counts = writable.sqlite_builder.csv(Author).build(io.StringIO(AUTHORS_CSV))

    authors = AuthorStore(writable).search()
    assert counts == {"authors": 2}
    assert [(a.name, a.active, a.born) for a in authors] == [
        ("Le Guin", True, date(1929, 10, 21)),
        ("Borges", False, None),
    ]


def test_the_graph_builder_loads_several_models_in_one_transaction(writable: Any) -> None:
    """Several models load together, whatever order they are given in."""
    counts = writable.sqlite_builder.csv(Book, Author).build(
        io.BytesIO(BOOKS_CSV.encode()), io.StringIO(AUTHORS_CSV)
    )

    assert counts == {"authors": 2, "books": 1}
    assert BookStore(writable).get("1").author.name == "Borges"


def test_the_graph_builder_keeps_nothing_when_any_row_is_bad(writable: Any) -> None:
    """A bad row anywhere (here a book's author that does not exist) loads nothing."""
    orphan = BOOKS_CSV.replace(",2,fiction", ",9,fiction")

    with pytest.raises(BuildError) as raised:
        writable.sqlite_builder.csv(Author, Book).build(
            io.StringIO(AUTHORS_CSV), io.StringIO(orphan)
        )

    assert [str(problem) for problem in raised.value.problems] == [
        "<books.csv>:2: column 'author_id': 9 has no match in authors.id"
    ]
    assert AuthorStore(writable).count() == 0


def test_the_graph_builder_reports_bad_values_and_foreign_keys_together(
    writable: Any,
) -> None:
    """One load reports a bad value and a foreign key with no match, not one per round."""
    books = BOOKS_CSV + "2,Labyrinths,9,fiction,1962-01-01,2024-01-01T00:00:00,\n"
    authors = AUTHORS_CSV + "3,Szymborska,someday,yes,\n"

    with pytest.raises(BuildError) as raised:
        writable.sqlite_builder.csv(Author, Book).build(io.StringIO(authors), io.StringIO(books))

    assert [str(problem) for problem in raised.value.problems] == [
        "<authors.csv>:4: column 'born': 'someday' is not an ISO 8601 date",
        "<books.csv>:3: column 'author_id': 9 has no match in authors.id",
    ]
    assert AuthorStore(writable).count() == 0


def test_the_graph_builder_loads_json_lines(writable: Any) -> None:
    """`graph.sqlite_builder.jsonl(Model)` reads JSON Lines paths the same way."""
    writable.sqlite_builder.csv(Author).build(SOURCES / "authors.csv")

    counts = writable.sqlite_builder.jsonl(Book).build(SOURCES / "books.jsonl")

    assert counts == {"books": 4}
    assert BookStore(writable).get("9780142437889").tags == {"translated": True, "from": "es"}


def test_the_graph_builder_locates_text_that_utf8_cannot_hold_in_a_text_stream(
    writable: Any,
) -> None:
    """A text stream can carry a lone surrogate, which no decoding refused: the row SQLite's
    driver cannot bind is a problem at its line, the rows around it load, nothing is kept."""
    content = "id,name\n1,A\n2,B \ud800\n3,C\n" + "".join(f"{n},N\n" for n in range(4, 400))

    with pytest.raises(BuildError) as raised:
        writable.sqlite_builder.csv(Author).build(io.StringIO(content))

    assert [str(problem) for problem in raised.value.problems] == [
        "<authors.csv>:3: refused by SQLite: 'utf-8' codec can't encode character '\\ud800'"
        " in position 2: surrogates not allowed"
    ]
    assert AuthorStore(writable).count() == 0


def test_the_graph_builder_refuses_a_read_only_data_set(built: Path) -> None:
    """Loading into a read-only data set is refused before anything happens."""
    graph = graph_for(built)
    try:
        with pytest.raises(ReadOnlyDataSetError, match="cannot load Author"):
            graph.sqlite_builder.csv(Author).build(io.StringIO(AUTHORS_CSV))
    finally:
        dispose_sqlite_connections(graph)
    assert os.path.getsize(built) > 0
