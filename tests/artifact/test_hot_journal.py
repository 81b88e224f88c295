"""
A hot journal beside an artifact, left by a write that was killed midway: every reader says what
it is, an interrupted write SQLite would have to roll back, and changes neither file.

"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures.library import AuthorStore
from fixtures.tools import graph_for, run_console_script

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.errors import NotADatabaseError

# a writer that changes every row, spills its pages to the file, and dies before committing
INTERRUPTED = """
import os, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA cache_size = 1")
connection.execute("BEGIN")
connection.execute("UPDATE authors SET name = name || randomblob(2000)")
connection.execute("INSERT INTO authors SELECT id + 100, name, born, active, country FROM authors")
os._exit(0)
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def interrupted(built: Path) -> Path:
    """The built artifact, and beside it the hot journal of a write killed before its commit."""
    subprocess.run([sys.executable, "-c", INTERRUPTED, str(built)], check=True, timeout=60)
    journal = built.with_name(built.name + "-journal")
    assert journal.stat().st_size > 0
    return built


# each reader's command line on a path, given a scratch folder; and its exit status for trouble
READERS: dict[str, tuple[Callable[[Path, Path], list[str | Path]], int]] = {
    "inspect": (lambda path, _: ["inspect", path], 1),
    "verify": (lambda path, _: ["verify", path], 1),
    "dump": (lambda path, scratch: ["dump", path, "-o", scratch / "out"], 1),
    "diff": (lambda path, _: ["diff", path, path], 2),
}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_readers_say_a_write_was_interrupted(
    interrupted: Path, tmp_path: Path, reader: str
) -> None:
    """Each command fails in one line naming the journal and the interrupted write, not with
    "SQLite refused a write", and both files stay as they were."""
    journal = interrupted.with_name(interrupted.name + "-journal")
    before = digest(interrupted), digest(journal)
    command, status = READERS[reader]

    result = run_console_script(*command(interrupted, tmp_path))

    assert result.returncode == status
    assert "Traceback" not in result.stderr
    error = result.stderr.splitlines()[-1]
    assert "a write to the file was interrupted" in error
    assert str(journal) in error
    assert "refused a write" not in result.stderr
    assert (digest(interrupted), digest(journal)) == before


def test_textconv_shows_it_in_its_one_line(interrupted: Path) -> None:
    """As git's diff driver, textconv says so in its line and exits 0."""
    result = run_console_script("textconv", interrupted)

    assert result.returncode == 0
    assert "a write to the file was interrupted" in result.stdout


def test_a_service_refuses_to_read_it(interrupted: Path) -> None:
    """The runtime reads no half-written file: opening the data set fails, saying why."""
    graph = graph_for(interrupted)
    try:
        with pytest.raises(NotADatabaseError, match="a write to the file was interrupted"):
            AuthorStore(graph).get(1)
    finally:
        dispose_sqlite_connections(graph)


@pytest.mark.parametrize("content", [b"", bytes(512)], ids=["empty", "zeroed header"])
def test_a_journal_that_is_not_hot_is_no_trouble(built: Path, content: bytes) -> None:
    """An empty journal, or one whose header a finished write zeroed, holds nothing to roll
    back: the artifact reads as ever."""
    built.with_name(built.name + "-journal").write_bytes(content)

    result = run_console_script("inspect", built)

    assert result.returncode == 0, result.stderr
