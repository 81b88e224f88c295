"""
SQLite's own tables are told from data by one rule, the `sqlite_` prefix SQLite reserves, in every
tool: a data table whose name merely starts with `sqlite` (where `LIKE 'sqlite_%'` would match,
`_` being a wildcard) is data to the manifest, inspect, verify, dump, diff and textconv.

"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fixtures.tools import alter
from sqlalchemy import Column, Integer, String

from microcosm_sqlite import DataSet
from microcosm_sqlite.artifact.contents import data_tables, schema_statements
from microcosm_sqlite.artifact.manifest import read_manifest, schema_fingerprint
from microcosm_sqlite.building import build_from_rows
from microcosm_sqlite.tools import (
    diff_artifacts,
    dump_artifact,
    inspect_artifact,
    verify_artifact,
    write_textconv,
)

Base: Any = DataSet.create("names")

# a data table LIKE 'sqlite_%' matches, but SQLite's rule does not
TABLE = "sqliteusers2"


class User(Base):
    __tablename__ = TABLE

    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)


USERS = [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Grace"}]


def build(path: Path, users: list[dict[str, Any]] = USERS) -> Path:
    build_from_rows(Base, {TABLE: users}, path)
    return path


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    """The names data set built, ANALYZE's `sqlite_stat1` table included."""
    return build(tmp_path / "names.sqlite")


def test_the_table_is_data_and_sqlites_own_are_not(artifact: Path) -> None:
    """`sqliteusers2` is a data table with its statement in the schema; `sqlite_stat1` neither."""
    connection = sqlite3.connect(artifact)
    try:
        tables = data_tables(connection)
        statements = [name for _, name, _ in schema_statements(connection)]
        present = [name for (name,) in connection.execute("SELECT name FROM sqlite_schema")]
    finally:
        connection.close()

    assert "sqlite_stat1" in present
    assert tables == [TABLE]
    assert statements == [TABLE]


def test_the_manifest_fingerprints_its_schema(artifact: Path) -> None:
    """The fingerprint covers the table, so `verify` finds a column added to it after the build."""
    connection = sqlite3.connect(artifact)
    try:
        before = schema_fingerprint(connection)
    finally:
        connection.close()
    assert verify_artifact(artifact) == []

    alter(artifact, f"ALTER TABLE {TABLE} ADD COLUMN email TEXT")
    connection = sqlite3.connect(artifact)
    try:
        after = schema_fingerprint(connection)
        recorded = (read_manifest(connection) or {})["schema_sha256"]
    finally:
        connection.close()

    assert recorded == before != after
    assert verify_artifact(artifact) == [
        f"manifest: schema sha256 {before} but the schema's is {after}"
    ]


def test_inspect_shows_it(artifact: Path) -> None:
    """`inspect` lists the table with its rows, and no table of SQLite's own."""
    info = inspect_artifact(artifact)

    assert [(table.name, table.rows) for table in info.tables] == [(TABLE, 2)]


def test_verify_matches_it_against_the_models(artifact: Path) -> None:
    """`verify --models` compares the table with its model and finds them equal."""
    assert verify_artifact(artifact, Base) == []


def test_dump_writes_it_back_as_a_source(artifact: Path, tmp_path: Path) -> None:
    """`dump` writes the table's rows, in key order."""
    counts = dump_artifact(artifact, tmp_path / "dump")

    assert counts == {TABLE: 2}
    assert (tmp_path / "dump" / f"{TABLE}.csv").read_text() == "id,name\n1,Ada\n2,Grace\n"


def test_diff_compares_its_schema_and_rows(artifact: Path, tmp_path: Path) -> None:
    """`diff` reports a changed row of the table and a column added to it."""
    changed = build(tmp_path / "changed.sqlite", [USERS[0], {"id": 2, "name": "Hopper"}])
    alter(changed, f"ALTER TABLE {TABLE} ADD COLUMN email TEXT")
    stream = io.StringIO()

    differs = diff_artifacts(artifact, changed, stream)

    assert differs
    assert stream.getvalue().splitlines() == [
        f"schema: table {TABLE}: column email added: TEXT",
        f'~ {TABLE} (id=2): name "Grace" -> "Hopper"',
        f"{TABLE}: 0 added, 0 removed, 1 changed, 1 unchanged",
    ]


def test_textconv_shows_its_schema_and_rows(artifact: Path) -> None:
    """`textconv` shows the table's CREATE statement and rows, and nothing of SQLite's own."""
    stream = io.StringIO()

    write_textconv(artifact, stream)

    lines = stream.getvalue().splitlines()
    assert lines[0] == "dataset names"
    assert lines[1].startswith(f"schema table {TABLE}: CREATE TABLE {TABLE} (")
    assert lines[2:] == [f'{TABLE} (id=1): name="Ada"', f'{TABLE} (id=2): name="Grace"']
    assert "sqlite_stat1" not in stream.getvalue()
