"""
A SQLite file as a build's source (`building.sqlite_source`): a file microcosm-sqlite 2.x wrote
(plain SQLAlchemy, no manifest) becomes a checked artifact in one command, and an artifact
rebuilt from itself has the same bytes.

"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fixtures import library
from fixtures.tools import MODELS, alter, invoke, rows, run_console_script
from microcosm.api import create_object_graph, load_from_dict
from sqlalchemy import create_engine, insert

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.errors import BuildError
from microcosm_sqlite.tools.diff import diff_artifacts
from microcosm_sqlite.tools.verify import verify_artifact


@pytest.fixture
def legacy(built: Path, tmp_path: Path) -> Path:
    """The library's rows as 2.x wrote a data set: the models' tables made by SQLAlchemy's own
    SQLite dialect, and instances inserted through it (its dates, booleans, JSON), no manifest."""
    path = tmp_path / "legacy.sqlite"
    graph = create_object_graph(
        "legacy", testing=True, loader=load_from_dict(sqlite=dict(paths=dict(library=built)))
    )
    engine = create_engine(f"sqlite:///{path}")
    library.Base.metadata.create_all(engine)
    try:
        with engine.begin() as connection:
            for store in (library.AuthorStore(graph), library.BookStore(graph)):
                table = store.model_class.__table__
                for item in store.search():
                    values = {column.name: getattr(item, column.key) for column in table.columns}
                    connection.execute(insert(table).values(values))
    finally:
        engine.dispose()
        dispose_sqlite_connections(graph)
    return path


def test_an_artifact_rebuilt_from_itself_has_the_same_bytes(built: Path, tmp_path: Path) -> None:
    """Built from an artifact instead of source files, the same rows make the same file."""
    rebuilt = tmp_path / "rebuilt.sqlite"

    build_artifact(library.Base, built, rebuilt)

    assert rebuilt.read_bytes() == built.read_bytes()


def test_a_2x_file_becomes_a_checked_artifact_with_the_same_rows(
    legacy: Path, built: Path, tmp_path: Path
) -> None:
    """verify names a 2.x file and the command; that command builds an artifact that verifies
    and holds the same rows, by diff, as the one built from the sources."""
    (advice,) = verify_artifact(legacy)
    assert "built by microcosm-sqlite 2.x or another tool" in advice
    converted = tmp_path / "converted.sqlite"

    result = invoke("build", MODELS, legacy, "-o", converted)

    assert result.exit_code == 0, result.stderr
    assert verify_artifact(converted, library.Base) == []
    assert not diff_artifacts(built, converted, io.StringIO())


def test_the_console_script_converts_a_2x_file(legacy: Path, tmp_path: Path) -> None:
    """`microcosm-sqlite build MODELS legacy.sqlite -o new.sqlite`, as a user runs it."""
    converted = tmp_path / "converted.sqlite"

    result = run_console_script("build", MODELS, legacy, "-o", converted)

    assert result.returncode == 0, result.stderr
    assert run_console_script("verify", converted).returncode == 0


def test_bad_stored_values_are_located_by_file_table_and_row(legacy: Path, tmp_path: Path) -> None:
    """A value the models refuse, and stored JSON that does not parse, are problems naming
    the file, the table, the row (counted from 1 in stored order) and the column."""
    alter(
        legacy,
        "UPDATE books SET isbn = '97800000000019' WHERE title = 'Other Inquisitions'",
        "UPDATE books SET tags = '{\"broken' WHERE title = 'Ficciones'",
    )

    with pytest.raises(BuildError) as caught:
        build_artifact(library.Base, legacy, tmp_path / "out.sqlite")

    found = [str(problem) for problem in caught.value.problems]
    assert found[0] == (
        f"{legacy}:books:1: column 'isbn': '97800000000019' is longer than 13 characters"
    )
    assert found[1].startswith(f"{legacy}:books:2: column 'tags': the stored JSON is malformed")
    # the refused rows' authors are there: no key is left without its match
    assert len(found) == 2


def test_tables_on_one_side_only_are_problems(legacy: Path, tmp_path: Path) -> None:
    """A table the models lack is a problem, as an unknown source file is; 2.x's migrations
    table is no data and is skipped; a table the file lacks is missing unless allowed."""
    alter(
        legacy,
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY)",
        "DROP TABLE books",
    )
    output = tmp_path / "out.sqlite"

    with pytest.raises(BuildError) as caught:
        build_artifact(library.Base, legacy, output)
    alter(legacy, "DROP TABLE notes")
    build_artifact(library.Base, legacy, output, allow_missing=True)

    assert [str(problem) for problem in caught.value.problems] == [
        f"{legacy}: no table 'books' in the file (--allow-missing builds it empty)",
        f"{legacy}:notes: no table named 'notes' in the models (tables: authors, books)",
    ]
    assert rows(output, "books") == []
    assert len(rows(output, "authors")) == 4


def test_a_source_that_is_neither_a_directory_nor_sqlite_is_refused(tmp_path: Path) -> None:
    """Any other file as the source is one clear error."""
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")

    with pytest.raises(BuildError, match="is neither a directory nor a SQLite file"):
        build_artifact(library.Base, text, tmp_path / "out.sqlite")


def test_a_damaged_sqlite_source_is_refused_with_its_reason(corrupt: Path, tmp_path: Path) -> None:
    """A SQLite file whose pages are garbage fails the build naming the source, no traceback."""
    result = invoke("build", MODELS, corrupt, "-o", tmp_path / "out.sqlite")

    assert result.exit_code == 1
    assert f"Error: build of data set 'library' into {tmp_path / 'out.sqlite'} failed:" in (
        result.stderr
    )
    assert str(corrupt) in result.stderr
    assert not (tmp_path / "out.sqlite").exists()
