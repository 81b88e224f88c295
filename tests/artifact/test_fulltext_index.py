"""
Full-text indexes in the artifact: written reproducibly, named in the manifest, checked by
`verify`, and the only virtual tables a reader of a file it did not build accepts.

"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fixtures.searchable import declare
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from microcosm_sqlite.artifact.contents import data_tables
from microcosm_sqlite.artifact.opening import open_artifact
from microcosm_sqlite.building import build_artifact, build_from_rows
from microcosm_sqlite.dataset import DataSetBase
from microcosm_sqlite.errors import BuildError, UntrustedArtifactError
from microcosm_sqlite.fulltext import FullText
from microcosm_sqlite.tools import dump_artifact, inspect_artifact, verify_artifact

STATEMENT = (
    'CREATE VIRTUAL TABLE "places_fts" USING fts5("name", "city", content=\'\','
    " tokenize='unicode61 remove_diacritics 2', prefix='2')"
)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    return declare().build(tmp_path / "places.sqlite")


def schema(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL")
        found = dict(rows.fetchall())
    connection.close()
    return found


def manifest(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as connection:
        found = dict(connection.execute("SELECT key, value FROM _microcosm_manifest").fetchall())
    connection.close()
    return found


def test_the_index_is_written_as_declared_and_named_in_the_manifest(built: Path) -> None:
    """One contentless FTS5 table, in the one form a build writes, which the manifest names."""
    assert schema(built)["places_fts"] == STATEMENT
    assert manifest(built)["table.places.fulltext"] == "places_fts"
    assert "table.countries.fulltext" not in manifest(built)
    assert verify_artifact(built, declare().Base) == []


def index_rows(path: Path) -> list[list[tuple[object, ...]]]:
    """What the index holds: its shadow tables' rows."""
    with sqlite3.connect(path) as connection:
        found = [
            connection.execute(f"SELECT * FROM places_fts_{suffix} ORDER BY 1, 2").fetchall()
            for suffix in ("data", "idx", "docsize", "config")
        ]
    connection.close()
    return found


def test_the_same_rows_give_the_same_index_whatever_their_way_in(
    built: Path, tmp_path: Path
) -> None:
    """
    Built again: the same bytes. Dumped (which leaves the index out) and built from the dump:
    the same index (the manifest then names the sources).

    """
    again = declare().build(tmp_path / "again.sqlite")
    assert again.read_bytes() == built.read_bytes()
    assert dump_artifact(built, tmp_path / "dump", format="jsonl") == {"countries": 3, "places": 7}
    assert sorted(path.name for path in (tmp_path / "dump").iterdir()) == [
        "countries.jsonl",
        "places.jsonl",
    ]
    rebuilt = tmp_path / "rebuilt.sqlite"
    build_artifact(declare().Base, tmp_path / "dump", rebuilt)
    assert index_rows(rebuilt) == index_rows(built)
    assert verify_artifact(rebuilt, declare().Base) == []


def test_the_index_is_not_data(built: Path) -> None:
    """Its shadow tables are no data tables: inspect, dump and the models never see them."""
    with open_artifact(built) as connection:
        assert data_tables(connection) == ["countries", "places"]
    assert [table.name for table in inspect_artifact(built).tables] == ["countries", "places"]


def tamper(path: Path, *statements: str) -> Path:
    """A copy of the artifact changed by hand, as someone could send one."""
    copy = path.with_name("tampered.sqlite")
    shutil.copy(path, copy)
    connection = sqlite3.connect(copy)
    try:
        for statement in statements:
            connection.execute(statement)
        connection.commit()
    finally:
        connection.close()
    return copy


REWRITE = (
    "PRAGMA writable_schema = ON",
    "UPDATE sqlite_schema SET sql = replace(sql, \"content=''\", \"content='places'\")"
    " WHERE name = 'places_fts'",
)


@pytest.mark.parametrize(
    ("statements", "refusal"),
    [
        (
            ("CREATE VIRTUAL TABLE notes USING fts5(body)",),
            "virtual table notes (not a full-text index a build writes)",
        ),
        (
            ("DELETE FROM _microcosm_manifest WHERE key = 'table.places.fulltext'",),
            "virtual table places_fts (not named in the manifest)",
        ),
        (REWRITE, "virtual table places_fts (not a full-text index a build writes)"),
        (
            ("CREATE INDEX blocks ON places_fts_data (block)",),
            "virtual table places_fts (its shadow tables are not the ones FTS5 makes)",
        ),
        (
            ("CREATE VIRTUAL TABLE words USING fts5vocab(places_fts, 'row')",),
            "virtual table words (not a full-text index a build writes)",
        ),
        (
            (STATEMENT.replace("places_fts", "ghosts_fts"),),
            "virtual table ghosts_fts (indexes no table of the artifact)",
        ),
        (
            ("CREATE VIRTUAL TABLE shapes USING rtree(id, x0, x1)",),
            "virtual table shapes (not a full-text index a build writes)",
        ),
    ],
    ids=["foreign", "unnamed", "rewritten", "index on shadow", "vocabulary", "orphan", "rtree"],
)
def test_readers_refuse_virtual_tables_they_cannot_vouch_for(
    built: Path, statements: tuple[str, ...], refusal: str
) -> None:
    """Tools refuse the file before reading it, verify says why; a build's index passes."""
    tampered = tamper(built, *statements)
    with pytest.raises(UntrustedArtifactError) as caught:
        inspect_artifact(tampered)
    assert refusal in str(caught.value)
    assert f"not written by a build: {refusal}" in verify_artifact(tampered)


def test_verify_checks_the_index_against_the_rows(built: Path) -> None:
    """An index that does not match its table's rows (a row edited by hand) is found."""
    tampered = tamper(built, "UPDATE places SET name = 'Paris' WHERE id = 1")
    assert verify_artifact(tampered) == [
        "full-text index places_fts: does not match the rows of table places"
        " (a build would write another index)"
    ]


@pytest.mark.parametrize(
    ("fulltext", "difference"),
    [
        (
            FullText("name", "city"),
            "full-text index: table places: full-text index places_fts is not the one the"
            " models declare",
        ),
        (None, "full-text index places_fts: not in the models"),
    ],
    ids=["another", "none"],
)
def test_verify_compares_the_index_with_the_models(
    built: Path, fulltext: FullText | None, difference: str
) -> None:
    """Given models that declare another index, or none, verify says so."""
    found = verify_artifact(built, declare(fulltext=fulltext).Base)
    assert next(line for line in found if line.startswith("full-text")).startswith(difference)


def test_verify_finds_an_index_the_models_declare_missing(tmp_path: Path) -> None:
    """An artifact built before the declaration lacks its index: rebuild it."""
    older = declare(fulltext=None).build(tmp_path / "older.sqlite")
    assert verify_artifact(older, declare().Base) == [
        "full-text index: table places: no full-text index places_fts (the models declare one:"
        " rebuild it)"
    ]


@pytest.mark.parametrize(
    ("fulltext", "why"),
    [
        (FullText("name", "nowhere"), "the table has no column 'nowhere'"),
        (FullText("name", "latitude"), "column 'latitude' is not a text column"),
    ],
    ids=["unknown column", "not text"],
)
def test_an_index_that_cannot_be_written_fails_the_build_up_front(
    tmp_path: Path, fulltext: FullText, why: str
) -> None:
    """A declaration naming what the table lacks is a problem located at the table."""
    with pytest.raises(BuildError) as caught:
        declare(fulltext=fulltext).build(tmp_path / "places.sqlite")
    assert [str(problem) for problem in caught.value.problems] == [
        f"places: FullText{fulltext.columns!r}: {why}"
    ]


def test_an_index_needs_rowids_free_names_and_no_reserved_column(tmp_path: Path) -> None:
    """WITHOUT ROWID tables, FTS5's own column names and taken table names are refused."""

    class Base(DataSetBase, DeclarativeBase, dataset="odd"):
        pass

    class Word(Base):
        __tablename__ = "words"
        __table_args__ = ({"sqlite_with_rowid": False},)
        __fulltext__ = FullText("text", "rank")

        text: Mapped[str] = mapped_column(primary_key=True)
        rank: Mapped[str]

    class Taken(Base):
        __tablename__ = "words_fts_data"

        id: Mapped[int] = mapped_column(primary_key=True)

    with pytest.raises(BuildError) as caught:
        build_from_rows(Base, {"words": [], "words_fts_data": []}, tmp_path / "odd.sqlite")
    assert [str(problem) for problem in caught.value.problems] == [
        "words: FullText('text', 'rank'): FTS5 reserves the column name 'rank'",
        "words: FullText('text', 'rank'): the table is WITHOUT ROWID; the index's rows are the"
        " table's, by rowid",
        "words: FullText('text', 'rank'): the index needs the table names words_fts_data, which"
        " models use",
    ]
    assert Word is not None and Taken is not None


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ((), "one or more text columns"),
        (("name", "name"), "a column is named twice"),
        (("name",), "tokenize="),
    ],
)
def test_full_text_declarations_are_checked_where_written(
    arguments: tuple[str, ...], error: str
) -> None:
    """A declaration that cannot mean anything fails where the models declare it."""
    options: dict[str, Any] = (
        {"tokenize": "unicode61 tokenchars '-'"} if arguments == ("name",) else {}
    )
    with pytest.raises((TypeError, ValueError), match=error):
        FullText(*arguments, **options)
    with pytest.raises(ValueError, match="prefix"):
        FullText("name", prefix=[0])
    with pytest.raises(ValueError, match="weights"):
        FullText("name", weights={"city": 2.0})
