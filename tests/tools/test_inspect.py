"""
Tests for `microcosm_sqlite.inspection`: inspect, verify and dump artifacts, and the graph's
`sqlite_dumper`.

"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fixtures import cycle, library
from fixtures.library import AuthorStore, BookStore
from fixtures.tools import alter, graph_for, rows
from sqlalchemy import FLOAT, REAL, Column, Double, Float, Integer, MetaData, String, Table

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.artifact.model_schema import schema_differences
from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.errors import DataSetNotFoundError, DumpError, NotADatabaseError
from microcosm_sqlite.inspection import (
    describe,
    dump_artifact,
    dump_to_stream,
    inspect_artifact,
    verify_artifact,
)

# --- inspect --------------------------------------------------------------------------------


def test_inspect_shows_tables_columns_counts_indexes_and_manifest(built: Path) -> None:
    """Inspecting an artifact lists its tables with columns, rows and indexes, and the manifest."""
    info = inspect_artifact(built)

    tables = {table.name: table for table in info.tables}
    assert sorted(tables) == ["authors", "books"]
    assert tables["books"].rows == 4
    assert [column.name for column in tables["authors"].columns] == [
        "id",
        "name",
        "born",
        "active",
        "country",
    ]
    isbn = tables["books"].columns[0]
    assert (isbn.type, isbn.nullable, isbn.primary_key) == ("VARCHAR(13)", False, 1)
    assert [index.name for index in tables["books"].indexes if not index.unique] == [
        "ix_books_author_id"
    ]
    assert info.size == built.stat().st_size
    assert info.journal_mode == "delete"
    assert info.manifest is not None and info.manifest["dataset"] == "library"
    assert json.loads(json.dumps(info.as_dict()))["tables"][0]["name"] == "authors"
    text = describe(info)
    assert "table books: 4 rows" in text
    assert "  isbn VARCHAR(13) NOT NULL PRIMARY KEY" in text
    assert "  dataset = library" in text


def test_inspect_shows_foreign_keys_and_marks_automatic_indexes(built: Path) -> None:
    """Foreign keys are listed, and SQLite's `sqlite_autoindex_*` indexes are marked as its own."""
    info = inspect_artifact(built)

    books = next(table for table in info.tables if table.name == "books")
    document = json.loads(json.dumps(info.as_dict()))["tables"][1]
    assert document["foreign_keys"] == [
        {
            "columns": ["author_id"],
            "table": "authors",
            "references": ["id"],
            "on_update": "NO ACTION",
            "on_delete": "NO ACTION",
        }
    ]
    assert {index["name"]: index["automatic"] for index in document["indexes"]} == {
        "ix_books_author_id": None,
        "sqlite_autoindex_books_1": "the PRIMARY KEY",
    }
    assert [index.automatic for index in books.indexes] == [None, "the PRIMARY KEY"]
    text = describe(info)
    assert "  foreign key (author_id) references authors (id)\n" in text
    assert "  unique index sqlite_autoindex_books_1 (isbn) [automatic, for the PRIMARY KEY]" in text
    assert "  index ix_books_author_id (author_id)\n" in text


def test_looking_at_a_missing_path_creates_nothing(tmp_path: Path) -> None:
    """A path with no file is an error naming it, and no empty database appears there."""
    missing = tmp_path / "missing.sqlite"

    with pytest.raises(DataSetNotFoundError, match=str(missing)):
        inspect_artifact(missing)
    with pytest.raises(DataSetNotFoundError):
        verify_artifact(missing)

    assert not missing.exists()


def test_a_file_that_is_not_sqlite_is_an_error(tmp_path: Path) -> None:
    """A file that is not a SQLite database is refused with its path named."""
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_text("id,name\n" * 50)

    with pytest.raises(NotADatabaseError, match="not a SQLite database"):
        inspect_artifact(bogus)


def test_a_corrupt_artifact_is_an_error_naming_its_path(corrupt: Path, tmp_path: Path) -> None:
    """Damaged pages behind a sound header are a NotADatabaseError, not sqlite3's own error."""
    with pytest.raises(NotADatabaseError, match=r"the file is corrupt: .*malformed") as inspected:
        inspect_artifact(corrupt)
    with pytest.raises(NotADatabaseError, match="the file is corrupt") as dumped:
        dump_artifact(corrupt, tmp_path / "dump")

    for raised in (inspected, dumped):
        assert raised.value.path == str(corrupt)
        assert isinstance(raised.value.__cause__, sqlite3.DatabaseError)


def test_a_truncated_artifact_is_an_error_naming_its_path(built: Path) -> None:
    """A file cut short after its header is corrupt, and says which file it is."""
    truncated = built.with_name("truncated.sqlite")
    truncated.write_bytes(built.read_bytes()[:5000])

    with pytest.raises(NotADatabaseError, match="the file is corrupt") as raised:
        inspect_artifact(truncated)

    assert str(truncated) in str(raised.value)


def test_looking_never_changes_the_file(built: Path) -> None:
    """Inspect, verify and dump leave the artifact's bytes as they were."""
    before = built.read_bytes()

    inspect_artifact(built)
    verify_artifact(built, library.Base)
    dump_artifact(built, built.parent / "dump")

    assert built.read_bytes() == before


# --- verify ---------------------------------------------------------------------------------


def test_a_fresh_build_verifies(built: Path) -> None:
    """A built artifact passes every check, with and without its models."""
    assert verify_artifact(built) == []
    assert verify_artifact(built, library.Base) == []


def test_verify_reports_a_corrupt_artifact_as_a_difference(corrupt: Path) -> None:
    """Damage that stops SQLite's integrity check is reported as an integrity difference."""
    differences = verify_artifact(corrupt, library.Base)

    assert differences
    assert all(line.startswith("integrity: ") for line in differences)


def test_rows_changed_behind_the_manifest_are_found(built: Path) -> None:
    """Rows added or removed after the build differ from the manifest's counts."""
    alter(built, "DELETE FROM books WHERE author_id = 2")

    assert verify_artifact(built) == ["manifest: table books should hold 4 rows, holds 2"]


def test_a_changed_schema_is_found(built: Path) -> None:
    """A schema changed after the build differs from its fingerprint and from the models."""
    alter(built, "CREATE INDEX ix_extra ON books (title)", "ALTER TABLE authors ADD COLUMN x INT")

    differences = verify_artifact(built, library.Base)

    assert differences[0].startswith("manifest: schema sha256 ")
    assert differences[1:] == ["table authors: column x is not in the models"]


def test_foreign_keys_with_no_target_are_found(built: Path) -> None:
    """A row whose foreign key has no target fails verification."""
    alter(built, "PRAGMA foreign_keys = OFF", "UPDATE books SET author_id = 99 WHERE pages = 304")

    differences = verify_artifact(built)

    assert differences[0] == "foreign key: table books row 1 references a missing row of authors"


def test_an_artifact_without_a_manifest_fails(built: Path) -> None:
    """A SQLite file that `build` did not write has no manifest, and says so."""
    alter(built, "DROP TABLE _microcosm_manifest")

    assert verify_artifact(built) == [
        "manifest: no _microcosm_manifest table (not built by microcosm-sqlite build)"
    ]


def test_models_that_differ_are_listed_one_difference_a_line(built: Path) -> None:
    """Names, types, nullability and primary keys are compared with the models."""
    metadata = MetaData()
    Table(
        "authors",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(40), nullable=False),
        Column("born", String, nullable=False),
        Column("active", Integer),
        Column("birthplace", String),
    )
    Table("readers", metadata, Column("id", Integer, primary_key=True))
    connection = sqlite3.connect(built)
    try:
        differences = schema_differences(connection, metadata.tables.values())
    finally:
        connection.close()

    assert differences == [
        "table books: in the artifact but not in the models",
        "table authors: column country is not in the models",
        "table authors: column name is VARCHAR, the models say VARCHAR(40)",
        "table authors: column born is DATE, the models say VARCHAR",
        "table authors: column born should be NOT NULL",
        "table authors: column active is BOOLEAN, the models say INTEGER",
        "table authors: column active should be nullable",
        "table authors: column birthplace is missing from the artifact",
        "table readers: in the models but not in the artifact",
    ]


@pytest.mark.parametrize("declared", ["FLOAT", "DOUBLE", "double precision", "REAL"])
@pytest.mark.parametrize("model_type", [Float, Double, FLOAT, REAL], ids=repr)
def test_float_spellings_verify_against_any_float_model(
    tmp_path: Path, declared: str, model_type: Any
) -> None:
    """A float column matches a float model however either spells it (artifacts built under
    SQLAlchemy 2.0 said FLOAT, under 2.1 DOUBLE); a column that is no float still differs."""
    metadata = MetaData()
    Table(
        "t",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("x", model_type),
        Column("y", model_type),
    )
    connection = sqlite3.connect(tmp_path / "floats.sqlite")
    try:
        connection.execute(
            f"CREATE TABLE t (id INTEGER NOT NULL, x {declared}, y INTEGER, PRIMARY KEY (id))"
        )
        differences = schema_differences(connection, metadata.tables.values())
    finally:
        connection.close()

    assert len(differences) == 1
    assert differences[0].startswith("table t: column y is INTEGER, the models say ")


def test_the_wrong_models_are_found(built: Path) -> None:
    """Verifying against another data set's models names the mismatch."""
    differences = verify_artifact(built, cycle.Base)

    assert differences[0] == "manifest: data set 'library', but the models are of 'cycle'"
    assert "table cities: in the models but not in the artifact" in differences


# --- dump -----------------------------------------------------------------------------------


@pytest.mark.parametrize("format", ["csv", "jsonl"])
def test_dump_then_build_gives_the_same_rows(tmp_path: Path, built: Path, format: Any) -> None:
    """Dumped sources build an artifact holding exactly the rows of the original."""
    dumped = tmp_path / "dumped"
    rebuilt = tmp_path / "rebuilt.sqlite"

    counts = dump_artifact(built, dumped, format=format)
    build_artifact(library.Base, dumped, rebuilt)

    assert counts == {"authors": 4, "books": 4}
    assert sorted(path.name for path in dumped.iterdir()) == [
        f"authors.{format}",
        f"books.{format}",
    ]
    for table in ("authors", "books"):
        assert rows(rebuilt, table) == rows(built, table)


def test_a_dump_is_readable_source(built: Path, tmp_path: Path) -> None:
    """A CSV dump writes NULL as empty, booleans as true/false and JSON as its text."""
    dump_artifact(built, tmp_path, tables=["books"])

    with (tmp_path / "books.csv").open(newline="") as books:
        records = list(csv.DictReader(books))
    assert records[0]["isbn"] == "9780000000001"
    assert records[0]["in_print"] == "false"
    assert records[0]["price"] == ""
    assert records[0]["tags"] == '"a plain JSON string"'
    assert records[0]["added_at"] == "2024-03-01 00:00:00.000000"


def test_csv_refuses_empty_strings_that_json_lines_keep(built: Path, tmp_path: Path) -> None:
    """An empty string would come back as NULL from CSV, so CSV refuses and JSON Lines keeps it."""
    alter(built, "UPDATE authors SET country = '' WHERE id = 1")

    with pytest.raises(DumpError, match=r"empty string.*--format jsonl"):
        dump_artifact(built, tmp_path / "csv", tables=["authors"])
    dump_artifact(built, tmp_path / "jsonl", tables=["authors"], format="jsonl")

    assert not (tmp_path / "csv" / "authors.csv").exists()
    first = json.loads((tmp_path / "jsonl" / "authors.jsonl").read_text().splitlines()[0])
    assert first["country"] == ""


def test_the_csv_empty_string_error_names_the_artifact_and_the_rows_key(
    built: Path, tmp_path: Path
) -> None:
    """The refusal says which file, table, row (by primary key) and column hold the string."""
    alter(built, "UPDATE books SET shelf = '' WHERE isbn = '9780156011457'")

    with pytest.raises(DumpError) as raised:
        dump_artifact(built, tmp_path / "csv", tables=["books"])

    assert str(raised.value).startswith(
        f"{built}: table books row (isbn='9780156011457') column 'shelf' holds an empty string"
    )


def test_dumping_an_unknown_table_names_the_artifact_and_its_tables(
    built: Path, tmp_path: Path
) -> None:
    """Asking for a table the artifact lacks lists the ones it has, and writes nothing."""
    target = tmp_path / "out"

    with pytest.raises(DumpError) as raised:
        dump_artifact(built, target, tables=["authors", "readers"])

    assert str(raised.value) == f"{built}: no table named 'readers' (tables: authors, books)"
    assert not target.exists()


def test_dumping_an_unknown_table_to_a_stream_names_the_artifact(built: Path) -> None:
    """The single-table dump names the artifact too."""
    with pytest.raises(DumpError, match=f"^{re.escape(str(built))}: no table named 'readers'"):
        dump_to_stream(built, "readers", io.StringIO())


def test_the_graph_dumper_writes_a_stores_rows(built: Path, tmp_path: Path) -> None:
    """`graph.sqlite_dumper.csv(store).dump(fileobj)` writes what a CSV dump of the table holds."""
    graph = graph_for(built)
    text = io.StringIO()
    binary = io.BytesIO()
    try:
        count = graph.sqlite_dumper.csv(AuthorStore(graph)).dump(text)
        graph.sqlite_dumper.jsonl(BookStore).dump(binary)
    finally:
        dispose_sqlite_connections(graph)
    dump_artifact(built, tmp_path, tables=["authors"])

    assert count == 4
    assert text.getvalue() == (tmp_path / "authors.csv").read_text()
    assert len(binary.getvalue().decode().splitlines()) == 4


def test_a_csv_dump_quotes_a_bare_carriage_return(built: Path, tmp_path: Path) -> None:
    """Text holding a bare \\r (or \\r\\n, or \\n) is quoted in a CSV dump, so it builds again."""
    alter(
        built,
        "UPDATE authors SET name = 'a' || char(13) || 'b' WHERE id = 1",
        "UPDATE authors SET name = 'c' || char(13, 10) || 'd' WHERE id = 2",
        "UPDATE authors SET name = 'e' || char(10) || 'f,\"g\"' WHERE id = 3",
    )
    rebuilt = tmp_path / "rebuilt.sqlite"

    dump_artifact(built, tmp_path / "csv", tables=["authors"])
    dump_artifact(built, tmp_path / "csv", tables=["books"], format="jsonl")
    build_artifact(library.Base, tmp_path / "csv", rebuilt)

    assert rows(rebuilt, "authors") == rows(built, "authors")
    assert rows(rebuilt, "authors")[0][1] == "a\rb"


def test_a_csv_dump_of_long_text_builds_again(built: Path, tmp_path: Path) -> None:
    """A text of 200,000 characters, beyond the csv module's default field limit, round-trips."""
    alter(built, "UPDATE authors SET name = printf('%.200000c', 'x') WHERE id = 1")
    rebuilt = tmp_path / "rebuilt.sqlite"

    dump_artifact(built, tmp_path / "csv")
    build_artifact(library.Base, tmp_path / "csv", rebuilt)

    assert rows(rebuilt, "authors")[0][1] == "x" * 200_000


JSON_VALUES = [
    123456789012345678901234567890,
    -0.0,
    2.593067280083669e-308,
    1e308,
    {"big": -98765432109876543210, "tiny": 5e-324, "list": [0.1, "1e5", None]},
    "123",
]


def json_sources(directory: Path, format: str) -> Path:
    """The library sources with a book per JSON value, written as `books.<format>`."""
    directory.mkdir()
    (directory / "authors.csv").write_text((library.SOURCES / "authors.csv").read_text())
    records = [
        {
            "isbn": f"97800000001{number:02d}",
            "title": f"Book {number}",
            "author_id": 1,
            "genre": "essay",
            "published": "2000-01-01",
            "added_at": "2000-01-01T00:00:00",
            "tags": value,
        }
        for number, value in enumerate(JSON_VALUES)
    ]
    if format == "jsonl":
        lines = [json.dumps(record) for record in records]
        (directory / "books.jsonl").write_text("\n".join(lines) + "\n")
    else:
        with (directory / "books.csv").open("w", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(records[0]))
            writer.writeheader()
            writer.writerows({**record, "tags": json.dumps(record["tags"])} for record in records)
    return directory


def read_tags(path: Path) -> list[Any]:
    """Each book's tags through the models' JSON type, in ISBN order."""
    graph = graph_for(path)
    try:
        return [book.tags for book in sorted(BookStore(graph).search(), key=lambda b: b.isbn)]
    finally:
        dispose_sqlite_connections(graph)


@pytest.mark.parametrize("format", ["csv", "jsonl"])
def test_json_columns_keep_their_values_exactly(tmp_path: Path, format: str) -> None:
    """JSON documents come back exactly as written (big integers, -0.0, subnormal floats),
    from the build and from a build of each kind of dump."""
    built = tmp_path / "built.sqlite"
    build_artifact(library.Base, json_sources(tmp_path / "sources", format), built)

    tags = read_tags(built)
    assert json.dumps(tags) == json.dumps(JSON_VALUES)
    for dump_format in ("csv", "jsonl"):
        rebuilt = tmp_path / f"rebuilt-{dump_format}.sqlite"
        dump_artifact(built, tmp_path / dump_format, format=dump_format)  # type: ignore[arg-type]
        build_artifact(library.Base, tmp_path / dump_format, rebuilt)
        assert rows(rebuilt, "books") == rows(built, "books")
        assert json.dumps(read_tags(rebuilt)) == json.dumps(JSON_VALUES)


def test_json_columns_are_declared_with_text_affinity(built: Path) -> None:
    """The build declares JSON columns `JSON TEXT`, which SQLite gives TEXT affinity, and
    verify accepts that against the models' JSON type."""
    info = inspect_artifact(built)
    books = next(table for table in info.tables if table.name == "books")

    assert next(column.type for column in books.columns if column.name == "tags") == "JSON TEXT"
    assert verify_artifact(built, library.Base) == []


LEGACY = Path(__file__).parents[1] / "fixtures" / "legacy" / "library-3.0.0.sqlite"


def test_an_artifact_of_3_0_0_still_reads_verifies_and_dumps(tmp_path: Path) -> None:
    """An artifact built by 3.0.0 (JSON declared `JSON`, NUMERIC affinity) reads, verifies
    against the models and dumps as before, with the value its affinity made of a number."""
    legacy = tmp_path / "library.sqlite"
    legacy.write_bytes(LEGACY.read_bytes())

    assert verify_artifact(legacy, library.Base) == []
    assert read_tags(legacy)[2] == 1.2345678901234568e29
    dump_artifact(legacy, tmp_path / "dump", format="jsonl")
    rebuilt = tmp_path / "rebuilt.sqlite"
    build_artifact(library.Base, tmp_path / "dump", rebuilt)
    assert read_tags(rebuilt) == read_tags(legacy)


def test_a_json_document_with_a_lone_surrogate_dumps_and_builds_again(tmp_path: Path) -> None:
    """A JSON escape of a lone surrogate is valid JSON; a JSON Lines dump keeps it escaped,
    since UTF-8 cannot hold it, and builds the same rows again."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "authors.csv").write_text((library.SOURCES / "authors.csv").read_text())
    (sources / "books.jsonl").write_text(
        '{"isbn": "1", "title": "T \\u0142", "author_id": 1, "genre": "essay",'
        ' "published": "2000-01-01", "added_at": "2000-01-01T00:00:00",'
        ' "tags": {"\\ud800": ["\\udfff"]}}\n'
    )
    built = tmp_path / "built.sqlite"
    rebuilt = tmp_path / "rebuilt.sqlite"
    build_artifact(library.Base, sources, built)

    dump_artifact(built, tmp_path / "dump", format="jsonl")
    build_artifact(library.Base, tmp_path / "dump", rebuilt)

    assert rows(rebuilt, "books") == rows(built, "books")
    assert read_tags(rebuilt) == [{"\ud800": ["\udfff"]}]
    assert '{"\\ud800": ["\\udfff"]}' in (tmp_path / "dump" / "books.jsonl").read_text()
