"""
Artifacts nobody here built, crafted with raw sqlite3: every reader (the CLI's commands and a
graph's Stores) answers with a clear `SQLiteError` or a `verify` problem within seconds, runs
none of the file's own SQL, and leaves the file as it was.

"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures import library
from fixtures.tools import alter, graph_for, run_console_script

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.artifact.defences import LIMITS, MAX_VALUE_BYTES, time_bound
from microcosm_sqlite.artifact.opening import open_artifact
from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.errors import (
    BuildError,
    NotADatabaseError,
    UntrustedArtifactError,
)
from microcosm_sqlite.tools.inspect import inspect_artifact

# how long any reader may take on a crafted file, process start included
SECONDS = 30
RECURSIVE_VIEW = (
    "CREATE VIEW forever AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)"
    " SELECT count(*) FROM n"
)


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The console script, bounded: a hang fails the test instead of stalling the suite."""
    return run_console_script(*args, timeout=SECONDS)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


READERS: dict[str, Callable[[Path, Path], list[str | Path]]] = {
    "inspect": lambda crafted, _: ["inspect", crafted],
    "inspect --json": lambda crafted, _: ["inspect", "--json", crafted],
    "dump": lambda crafted, scratch: ["dump", crafted, "-o", scratch / "dumped"],
    "diff": lambda crafted, scratch: ["diff", scratch / "clean.sqlite", crafted],
    "textconv": lambda crafted, _: ["textconv", crafted],
}


@pytest.fixture
def clean(built: Path, tmp_path: Path) -> Path:
    """An untouched copy of the built artifact, for `diff` to compare against."""
    copy = tmp_path / "clean.sqlite"
    copy.write_bytes(built.read_bytes())
    return copy


@pytest.fixture
def graphs() -> Iterator[Callable[[Path], Any]]:
    made: list[Any] = []

    def make(path: Path) -> Any:
        graph = graph_for(path)
        made.append(graph)
        return graph

    yield make
    for graph in made:
        dispose_sqlite_connections(graph)


# --- objects no build writes ----------------------------------------------------------------


CRAFTED_OBJECTS = {
    "a view with a recursive CTE": ([RECURSIVE_VIEW], "view forever"),
    "a trigger": (
        [
            "CREATE TRIGGER stamp AFTER UPDATE ON authors BEGIN"
            " UPDATE authors SET name = 'x' WHERE id = new.id; END"
        ],
        "trigger stamp on authors",
    ),
    "a view calling a function": (
        ["CREATE VIEW calls AS SELECT side_effect(name) AS n FROM authors"],
        "view calls",
    ),
    "a virtual table": (
        ["CREATE VIRTUAL TABLE notes USING fts5(body)"],
        "virtual table notes",
    ),
}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("crafted_object", sorted(CRAFTED_OBJECTS))
def test_commands_refuse_objects_no_build_writes(
    built: Path, clean: Path, tmp_path: Path, reader: str, crafted_object: str
) -> None:
    """inspect, dump, diff and textconv refuse views, triggers and virtual tables, naming them,
    within seconds, and the file is unchanged; textconv, as git's diff driver, says so in the
    one line it shows and exits 0, so git goes on."""
    statements, named = CRAFTED_OBJECTS[crafted_object]
    crafted = alter(built, *statements)
    before = digest(crafted)

    started = time.monotonic()
    result = run_cli(*READERS[reader](crafted, tmp_path))

    assert time.monotonic() - started < SECONDS
    assert result.returncode == {"diff": 2, "textconv": 0}.get(reader, 1)
    assert "Traceback" not in result.stderr
    told = result.stdout if reader == "textconv" else result.stderr
    assert "what no build writes" in told
    assert named in told
    assert (str(crafted) in told) is (reader != "textconv")
    assert digest(crafted) == before
    assert not (tmp_path / "dumped").exists()


@pytest.mark.parametrize("crafted_object", sorted(CRAFTED_OBJECTS))
def test_verify_reports_objects_no_build_writes(built: Path, crafted_object: str) -> None:
    """verify lists each such object as a problem and exits 1, without running it."""
    statements, named = CRAFTED_OBJECTS[crafted_object]
    crafted = alter(built, *statements)
    before = digest(crafted)

    result = run_cli("verify", crafted, "--models", library.__name__)

    assert result.returncode == 1
    assert f"not written by a build: {named}" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert digest(crafted) == before


def test_a_view_posing_as_a_models_table_is_not_read(built: Path, graphs: Any) -> None:
    """A view named as a model's table would run its SQL on every read: the Store refuses it."""
    crafted = alter(
        built,
        "PRAGMA foreign_keys = OFF",
        "ALTER TABLE authors RENAME TO authors_data",
        RECURSIVE_VIEW.replace("forever", "authors"),
    )
    before = digest(crafted)

    started = time.monotonic()
    with pytest.raises(UntrustedArtifactError, match="a view authors stands where Author's"):
        library.AuthorStore(graphs(crafted)).get(1)

    assert time.monotonic() - started < SECONDS
    assert digest(crafted) == before


def test_a_view_calling_a_function_is_refused_by_sqlite_itself(built: Path) -> None:
    """With trusted_schema off, a function the process registered (not marked innocuous) does
    not run from the file's schema, even when a reader is told to look past the view."""
    crafted = alter(built, "CREATE VIEW calls AS SELECT side_effect(name) AS n FROM authors")
    called: list[Any] = []

    with open_artifact(crafted, refuse_unexpected=False) as connection:
        connection.create_function("side_effect", 1, called.append)
        with pytest.raises(sqlite3.OperationalError, match="unsafe use of side_effect"):
            connection.execute("SELECT * FROM calls").fetchall()
        # the same function from the reader's own SQL is trusted
        connection.execute("SELECT side_effect('mine')").fetchall()

    assert called == ["mine"]


def test_a_runaway_query_stops_at_its_time_bound(built: Path) -> None:
    """The time bound interrupts a query that would never end, with a clear error."""
    crafted = alter(built, RECURSIVE_VIEW)
    context = dict(dataset="library", path=str(crafted), origin="the test")

    started = time.monotonic()
    with open_artifact(crafted, refuse_unexpected=False) as connection:
        with (
            pytest.raises(UntrustedArtifactError, match=r"ran longer than 0\.5 s") as raised,
            time_bound(connection, 0.5, context),
        ):
            connection.execute("SELECT * FROM forever").fetchall()
        # the bound is gone with its block
        assert connection.execute("SELECT count(*) FROM authors").fetchone() == (4,)

    assert 0.5 <= time.monotonic() - started < 10
    assert raised.value.path == str(crafted)


# --- sizes ----------------------------------------------------------------------------------


def test_an_oversized_value_is_a_clear_error(built: Path, tmp_path: Path, graphs: Any) -> None:
    """A value over the 64 MiB limit fails reads and dumps with the limit named."""
    crafted = alter(built)
    connection = sqlite3.connect(crafted)
    try:
        connection.execute(
            "UPDATE authors SET name = ? WHERE id = 1", ("x" * (MAX_VALUE_BYTES + 1),)
        )
        connection.commit()
    finally:
        connection.close()
    before = digest(crafted)

    with pytest.raises(UntrustedArtifactError, match=r"larger than 64\.0 MiB"):
        library.AuthorStore(graphs(crafted)).get(1)
    result = run_cli("dump", crafted, "-o", tmp_path / "dumped", "--table", "authors")

    assert result.returncode == 1
    assert "larger than 64.0 MiB" in result.stderr
    assert "Traceback" not in result.stderr
    assert library.AuthorStore(graphs(crafted)).get(2).id == 2
    assert digest(crafted) == before


def test_a_build_refuses_a_value_no_reader_would_accept(tmp_path: Path) -> None:
    """The build holds to the readers' limit, naming the file and line of the value."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "authors.jsonl").write_text(
        json.dumps({"id": 1, "name": "small", "active": True})
        + "\n"
        + json.dumps({"id": 2, "name": "x" * (MAX_VALUE_BYTES + 1), "active": True})
        + "\n"
    )
    (sources / "books.jsonl").write_text("")
    output = tmp_path / "out.sqlite"

    with pytest.raises(BuildError) as raised:
        build_artifact(library.Base, sources, output)

    [problem] = raised.value.problems
    assert str(problem).startswith(f"{sources / 'authors.jsonl'}:2")
    assert "larger than 64.0 MiB" in str(problem)
    assert not output.exists()


def test_a_schema_of_ten_thousand_columns_is_refused(built: Path) -> None:
    """A table SQLite cannot hold within its limits is a NotADatabaseError, quickly."""
    columns = ", ".join(f"c{index}" for index in range(10_000))
    crafted = alter(
        built,
        "PRAGMA writable_schema = ON",
        "INSERT INTO sqlite_schema (type, name, tbl_name, rootpage, sql)"
        f" VALUES ('table', 'wide', 'wide', 0, 'CREATE TABLE wide ({columns})')",
    )
    before = digest(crafted)

    started = time.monotonic()
    too_many = r"malformed database schema \(wide\) - too many columns on wide"
    with pytest.raises(NotADatabaseError, match=too_many):
        inspect_artifact(crafted)
    result = run_cli("verify", crafted)

    assert time.monotonic() - started < SECONDS
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert digest(crafted) == before


# --- the defences on every connection -------------------------------------------------------


def settings(connection: sqlite3.Connection) -> dict[str, Any]:
    found: dict[str, Any] = {
        pragma: connection.execute(f"PRAGMA {pragma}").fetchone()[0]
        for pragma in ("trusted_schema", "cell_size_check", "query_only")
    }
    found["limits"] = {limit: connection.getlimit(limit) for limit in LIMITS}
    defensive = getattr(sqlite3, "SQLITE_DBCONFIG_DEFENSIVE", None)
    if defensive is not None:
        found["defensive"] = connection.getconfig(defensive)  # type: ignore[attr-defined,unused-ignore]
    return found


EXPECTED = {
    "trusted_schema": 0,
    "cell_size_check": 1,
    "query_only": 1,
    "limits": LIMITS,
    **({"defensive": True} if sys.version_info >= (3, 12) else {}),
}


def test_command_line_connections_carry_the_defences(built: Path) -> None:
    """The CLI's connections turn on every defence this Python offers."""
    with open_artifact(built) as connection:
        assert settings(connection) == EXPECTED


def test_runtime_connections_carry_the_defences(built: Path, graphs: Any) -> None:
    """A graph's read-only connections turn them on too, and reads still answer."""
    graph = graphs(built)
    assert library.AuthorStore(graph).get(1).id == 1
    engine = graph.sqlite("library")

    raw = engine.engine.raw_connection()
    try:
        assert settings(raw.dbapi_connection) == EXPECTED
        with pytest.raises(sqlite3.DatabaseError):
            raw.dbapi_connection.execute("PRAGMA trusted_schema = ON")
    finally:
        raw.close()
