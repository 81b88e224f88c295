"""
Tests for `microcosm_sqlite.tools.verify`: an artifact's soundness, manifest and models.

"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fixtures import cycle, library
from fixtures.tools import alter, run_console_script
from sqlalchemy import FLOAT, REAL, Column, Double, Float, Integer, MetaData, String, Table

from microcosm_sqlite.artifact.model_schema import schema_differences
from microcosm_sqlite.tools.verify import verify_artifact

LEGACY = Path(__file__).parents[1] / "fixtures" / "legacy" / "library-3.0.0.sqlite"


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
    """A SQLite file that `build` did not write has no manifest, and says what made it and how
    to build an artifact from it."""
    alter(built, "DROP TABLE _microcosm_manifest")

    assert verify_artifact(built) == [
        "manifest: no _microcosm_manifest table: the file was built by microcosm-sqlite 2.x or"
        " another tool, not by `microcosm-sqlite build`; build a checked artifact from it with"
        " `microcosm-sqlite build MODELS THIS_FILE -o NEW_FILE` (see UPGRADING.md)"
    ]


def test_a_2x_data_set_with_migrations_is_named_as_such(built: Path) -> None:
    """A file holding alembic's table, as 2.x's migrations left one, was built by 2.x."""
    alter(
        built,
        "DROP TABLE _microcosm_manifest",
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
    )

    (line,) = verify_artifact(built)
    assert "built by microcosm-sqlite 2.x (it has 2.x's alembic_version table)" in line


def test_an_artifact_of_3_0_still_verifies() -> None:
    """An artifact built by 3.0 (a version 1 manifest, naming its sources) verifies: its row
    counts and schema are checked, as they were."""
    assert verify_artifact(LEGACY) == []


def test_a_manifest_of_a_later_version_is_named(built: Path) -> None:
    """A manifest version this library does not know is one line, not a pass."""
    alter(built, "UPDATE _microcosm_manifest SET value = '9' WHERE key = 'manifest_version'")

    (line,) = verify_artifact(built)
    assert line.startswith("manifest: version 9, which microcosm-sqlite ")
    assert line.endswith(" neither writes nor knows (a later version built it?)")


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


def test_names_from_the_file_are_escaped_in_its_lines(built: Path) -> None:
    """A manifest listing a table named to forge a line, then a view named with ESC: each of
    verify's lines is one printable line."""
    alter(built, "INSERT INTO _microcosm_manifest VALUES ('table.x\nverified.rows', '0')")
    differences = verify_artifact(built)
    alter(built, 'CREATE VIEW "v\x1b[2J" AS SELECT 1')

    result = run_console_script("verify", built)

    assert 'manifest: table "x\\nverified" is listed but missing' in differences
    assert result.returncode == 1
    assert all(line.isprintable() for line in result.stderr.splitlines())
    assert 'not written by a build: view "v\\u001b[2J"' in result.stderr.splitlines()
