"""
Tests for `microcosm_sqlite.tools.dump`: artifacts back out as sources that build again, and
the graph's `sqlite_dumper`.

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
from fixtures import library
from fixtures.library import AuthorStore, BookStore
from fixtures.tools import alter, graph_for, rows

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.errors import DumpError
from microcosm_sqlite.tools.dump import dump_artifact, dump_to_stream
from microcosm_sqlite.tools.inspect import inspect_artifact
from microcosm_sqlite.tools.verify import verify_artifact


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
        record = {row["isbn"]: row for row in csv.DictReader(books)}["9780000000001"]
    assert record["in_print"] == "false"
    assert record["price"] == ""
    assert record["tags"] == '"a plain JSON string"'
    assert record["added_at"] == "2024-03-01 00:00:00.000000"


def test_a_dump_keeps_the_order_rows_are_stored_in(built: Path, tmp_path: Path) -> None:
    """Rows come out in the order the build read them (rowid order, which a search without
    ORDER BY follows), not sorted by key, so a build of the dump writes the same bytes."""
    dump_artifact(built, tmp_path / "dumped", format="jsonl")
    rebuilt = tmp_path / "rebuilt.sqlite"
    build_artifact(library.Base, tmp_path / "dumped", rebuilt)

    source = (library.SOURCES / "books.jsonl").read_text().splitlines()
    dumped = (tmp_path / "dumped" / "books.jsonl").read_text().splitlines()
    isbns = [json.loads(line)["isbn"] for line in dumped]
    assert isbns == [json.loads(line)["isbn"] for line in source] != sorted(isbns)
    assert rebuilt.read_bytes() == built.read_bytes()


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


@pytest.mark.parametrize("format", ["csv", "jsonl"])
def test_a_text_of_megabytes_is_written_in_slices_and_builds_again(
    built: Path, tmp_path: Path, format: Any
) -> None:
    """A 3 MB text holding quotes, commas, line breaks and non-ASCII, written a slice at a
    time, builds back to the same rows."""
    text = 'a "b", c\r\nd é\u2028\t' * 200_000
    connection = sqlite3.connect(built)
    connection.execute("UPDATE authors SET name = ? WHERE id = 1", (text,))
    connection.commit()
    connection.close()
    rebuilt = tmp_path / "rebuilt.sqlite"

    dump_artifact(built, tmp_path / "dumped", format=format)
    build_artifact(library.Base, tmp_path / "dumped", rebuilt)

    assert rows(rebuilt, "authors") == rows(built, "authors")
    assert rows(rebuilt, "authors")[0][1] == text


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
        dump_artifact(built, tmp_path / dump_format, format=dump_format)
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
