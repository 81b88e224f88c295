"""
Tests for `microcosm_sqlite.building`: building artifacts from sources, atomically and
reproducibly, and the graph's `sqlite_builder`.

"""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from contextlib import closing
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fixtures import cycle, library
from fixtures.library import Author, AuthorStore, Book, BookStore, Genre
from fixtures.tools import (
    MODELS,
    SOURCES,
    console_script,
    copy_sources,
    graph_for,
    leftovers,
    rows,
    subprocess_env,
)
from sqlalchemy import FLOAT, REAL, Column, Double, Float, Integer, MetaData, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.artifact.contents import MANIFEST_TABLE
from microcosm_sqlite.artifact.dialect import artifact_dialect
from microcosm_sqlite.artifact.files import remove_stale_temp_files, temp_path
from microcosm_sqlite.artifact.manifest import library_version, read_manifest, schema_fingerprint
from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.building.schema import load_order, table_ddl
from microcosm_sqlite.errors import BuildError, ReadOnlyDataSetError


def failing_build(sources: Path, output: Path, **options: Any) -> list[str]:
    """The problem lines of a build that must fail."""
    with pytest.raises(BuildError) as raised:
        build_artifact(library.Base, sources, output, **options)
    return [str(problem) for problem in raised.value.problems]


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
    """The manifest names the data set, schema fingerprint, row counts, sources and versions."""
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
    assert manifest["table.books.source"] == "books.jsonl"
    assert len(manifest["table.authors.source_sha256"]) == 64
    assert MANIFEST_TABLE == "_microcosm_manifest"


def test_a_rebuild_from_changed_sources_changes_only_what_changed(tmp_path: Path) -> None:
    """A changed source changes its checksum and rows in the manifest, not the schema's."""
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
    assert changed == {"table.authors.rows", "table.authors.source_sha256"}


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


# --- bad input ------------------------------------------------------------------------------


# the authors the books reference, for bad sources that keep every foreign key good
AUTHORS = "id,name\n1,A\n2,B\n3,C\n"

BAD_SOURCES: dict[str, tuple[str, str, list[str]]] = {
    "value": (
        "authors.csv",
        "id,name,born\n1,A,1900-01-01\n2,B,\n3,C,\n5,E,1900-02-30\n",
        ["authors.csv:5: column 'born': '1900-02-30' is not an ISO 8601 date"],
    ),
    "text longer than its column": (
        "authors.csv",
        "id,name,country\n1,A,FR\n2,B,FRANCE\n3,C,\n",
        [
            "authors.csv:3: column 'country': 'FRANCE' is longer than 2 characters",
            "books.jsonl:2: column 'author_id': 2 has no match in authors.id",
            "books.jsonl:4: column 'author_id': 2 has no match in authors.id",
        ],
    ),
    "value and foreign key with no match": (
        "authors.csv",
        "id,name,born\n1,A,\n3,C,\n4,D,someday\n",
        [
            "authors.csv:4: column 'born': 'someday' is not an ISO 8601 date",
            "books.jsonl:2: column 'author_id': 2 has no match in authors.id",
            "books.jsonl:4: column 'author_id': 2 has no match in authors.id",
        ],
    ),
    "missing column": (
        "authors.csv",
        "id,born\n1,1900-01-01\n",
        [
            "authors.csv:1: column 'name': missing column: the column is required:"
            " not nullable and no default"
        ],
    ),
    "unknown column": (
        "authors.csv",
        "id,name,shoe_size\n1,A,9\n",
        ["authors.csv:1: column 'shoe_size': unknown column"],
    ),
    "duplicate primary key": (
        "authors.csv",
        AUTHORS + "2,D\n",
        ["authors.csv:5: column 'id': duplicate primary key (id=2), first on line 3"],
    ),
    "foreign key with no target": (
        "authors.csv",
        "id,name\n1,Le Guin\n3,Szymborska\n",
        [
            "books.jsonl:2: column 'author_id': 2 has no match in authors.id",
            "books.jsonl:4: column 'author_id': 2 has no match in authors.id",
        ],
    ),
    "malformed CSV": (
        "authors.csv",
        AUTHORS + "4,D,E\n",
        ["authors.csv:5: malformed CSV: 3 fields where the header has 2"],
    ),
    "malformed JSON": (
        "books.jsonl",
        '{"isbn": "1", "title": \n',
        ["books.jsonl:1: malformed JSON: Expecting value"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SOURCES))
def test_bad_input_fails_the_build_and_keeps_the_old_artifact(
    tmp_path: Path, built: Path, case: str
) -> None:
    """Each kind of bad input fails with one line per problem; the old artifact is untouched."""
    name, content, expected = BAD_SOURCES[case]
    sources = copy_sources(tmp_path / "sources")
    (sources / name).write_text(content)
    old = built.read_bytes()

    problems = failing_build(sources, built)

    assert len(problems) == len(expected)
    for problem, wanted in zip(problems, expected, strict=True):
        assert problem.startswith(str(sources / wanted.split(":")[0]))
        assert wanted in problem
    assert built.read_bytes() == old
    assert leftovers(built.parent) == []


def test_a_table_that_loads_nothing_but_problems_leaves_its_keys_unchecked(
    tmp_path: Path,
) -> None:
    """Keys into a table whose source failed as a whole are not each reported as missing."""
    sources = copy_sources(tmp_path / "sources")
    (sources / "authors.csv").write_text("id,born\n1,1900-01-01\n")
    (sources / "books.jsonl").write_text(
        (SOURCES / "books.jsonl").read_text().replace('"published": "1944-01-01"', '"published": 1')
    )

    problems = failing_build(sources, tmp_path / "out.sqlite")

    assert problems == [
        f"{sources / 'authors.csv'}:1: column 'name': missing column: the column is required:"
        " not nullable and no default",
        f"{sources / 'books.jsonl'}:2: column 'published': 1 does not fit a Date() column",
    ]


def test_a_unique_column_names_both_lines(tmp_path: Path) -> None:
    """A duplicate primary key in JSON Lines names its line and the first one's."""
    sources = copy_sources(tmp_path / "sources")
    lines = (SOURCES / "books.jsonl").read_text().splitlines()
    (sources / "books.jsonl").write_text("\n".join([*lines, lines[1]]) + "\n")

    problems = failing_build(sources, tmp_path / "out.sqlite")

    assert problems == [
        f"{sources / 'books.jsonl'}:5: column 'isbn': duplicate primary key"
        " (isbn='9780142437889'), first on line 2"
    ]


def test_problems_stop_at_max_errors(tmp_path: Path) -> None:
    """A build reports at most --max-errors problems and says it stopped."""
    sources = copy_sources(tmp_path / "sources")
    (sources / "authors.csv").write_text("id,name\n" + "x,A\n" * 50)

    with pytest.raises(BuildError, match="stopped there") as raised:
        build_artifact(library.Base, sources, tmp_path / "out.sqlite", max_errors=5)

    assert len(raised.value.problems) == 5


def test_a_source_for_no_table_is_an_error(tmp_path: Path) -> None:
    """A source file naming no table of the models fails the build (a typo, usually)."""
    sources = copy_sources(tmp_path / "sources")
    (sources / "auhtors.csv").write_text("id,name\n")

    problems = failing_build(sources, tmp_path / "out.sqlite")

    assert problems == [
        f"{sources / 'auhtors.csv'}: no table named 'auhtors' in the models"
        " (tables: authors, books)"
    ]


def test_a_missing_source_directory_or_output_directory_is_an_error(tmp_path: Path) -> None:
    """Paths that do not exist fail before anything is written."""
    with pytest.raises(BuildError, match="does not exist"):
        build_artifact(library.Base, tmp_path / "nowhere", tmp_path / "out.sqlite")
    with pytest.raises(BuildError, match="does not exist"):
        build_artifact(library.Base, SOURCES, tmp_path / "nowhere" / "out.sqlite")
    assert list(tmp_path.iterdir()) == []


# --- temporary files and interrupted builds -------------------------------------------------


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_temp_files_of_dead_builds_are_removed(tmp_path: Path) -> None:
    """Temp files whose process is gone are removed; a live process's and other files stay."""
    output = tmp_path / "out.sqlite"
    dead = [temp_path(output, dead_pid()), temp_path(output, dead_pid(), stage="load")]
    with subprocess.Popen(["sleep", "30"]) as alive:
        live = temp_path(output, alive.pid)
        other = tmp_path / ".other.sqlite.1.tmp"
        for path in [*dead, live, other]:
            path.write_bytes(b"partial")
        try:
            removed = remove_stale_temp_files(output)
        finally:
            alive.kill()

    assert sorted(removed) == sorted(dead)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([live.name, other.name])


def big_sources(directory: Path, rows: int) -> Path:
    """Sources large enough that a build takes a while: many authors, no books."""
    directory.mkdir()
    with (directory / "authors.csv").open("w") as authors:
        authors.write("id,name,born,country\n")
        authors.writelines(f"{n},Author number {n},1900-01-01,FR\n" for n in range(1, rows + 1))
    (directory / "books.jsonl").write_text("")
    return directory


def start_build(sources: Path, output: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(console_script()), "build", MODELS, str(sources), "-o", str(output), "-q"],
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("how", "leaves_files"),
    [(signal.SIGKILL, True), (signal.SIGINT, False), (signal.SIGTERM, False)],
)
def test_an_interrupted_build_keeps_the_old_artifact(
    tmp_path: Path, built: Path, how: signal.Signals, leaves_files: bool
) -> None:
    """Killed mid-load, the old artifact is intact; SIGINT and SIGTERM clean up, and the next
    build removes what SIGKILL left."""
    sources = big_sources(tmp_path / "big", 300_000)
    old = built.read_bytes()
    process = start_build(sources, built)
    loading = temp_path(built, process.pid, stage="load")

    wait_for(lambda: loading.exists() and loading.stat().st_size > 1_000_000, process)
    process.send_signal(how)
    process.communicate()

    assert process.returncode != 0
    assert built.read_bytes() == old
    assert bool(leftovers(built.parent)) is leaves_files
    build_artifact(library.Base, SOURCES, built)
    assert leftovers(built.parent) == []
    assert built.read_bytes() == old


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
