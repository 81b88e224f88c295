"""
Tests for `microcosm_sqlite.tools.inspect`: what an artifact holds, and errors naming its path.

"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from fixtures import library
from fixtures.tools import invoke

from microcosm_sqlite.errors import DataSetNotFoundError, NotADatabaseError
from microcosm_sqlite.tools.dump import dump_artifact
from microcosm_sqlite.tools.inspect import describe, inspect_artifact
from microcosm_sqlite.tools.verify import verify_artifact


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


def test_names_and_defaults_holding_control_characters_are_escaped(tmp_path: Path) -> None:
    """A crafted file's table, column and default holding newlines and ESC: inspect's text is
    one printable line for each, and its JSON (printable too) reads the names back."""
    path = tmp_path / "crafted.sqlite"
    connection = sqlite3.connect(path)
    connection.execute('CREATE TABLE "t\n+ x" ("\x1b[2J" TEXT DEFAULT \'a\nb\', g AS (1) VIRTUAL)')
    connection.close()

    text = describe(inspect_artifact(path))
    result = invoke("inspect", "--json", path)

    assert all(line.isprintable() for line in text.splitlines())
    assert 'table "t\\n+ x": 0 rows' in text
    assert '  "\\u001b[2J" TEXT DEFAULT "\'a\\nb\'"' in text
    assert "  g GENERATED VIRTUAL" in text
    assert all(line.isprintable() for line in result.stdout.splitlines())
    assert json.loads(result.stdout)["tables"][0]["name"] == "t\n+ x"


def test_an_error_naming_what_the_file_holds_is_one_printable_line(tmp_path: Path) -> None:
    """A view named to forge a line is refused in one line that shows its name escaped."""
    path = tmp_path / "crafted.sqlite"
    connection = sqlite3.connect(path)
    connection.execute('CREATE VIEW "v\nError: all is well\x1b[0m" AS SELECT 1')
    connection.close()

    result = invoke("inspect", path)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: data set 'crafted' at {path}: the file holds what no build writes"
        ' (view "v\\nError: all is well\\u001b[0m"); it is not read, so none of their SQL runs'
        " (`microcosm-sqlite verify` lists them)"
    ]
