"""
`microcosm-sqlite textconv PATH`: a stable text form of an artifact, and git's diff driver on it.

"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures import library
from fixtures.tools import console_script, copy_sources

from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.cli import cli


def textconv(path: Path) -> str:
    result = CliRunner().invoke(cli, ["textconv", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    return result.output


def test_the_text_is_schema_then_one_line_per_row_in_key_order(built: Path) -> None:
    """The data set's name, the schema, then each table's rows sorted by primary key."""
    lines = textconv(built).splitlines()

    assert lines[0] == "dataset library"
    assert lines[1] == (
        "schema index ix_authors_name: CREATE INDEX ix_authors_name ON authors (name)"
    )
    assert lines[3].startswith("schema table authors: CREATE TABLE authors ( id INTEGER NOT NULL")
    rows = [line for line in lines if not line.startswith(("dataset ", "schema "))]
    assert rows[0] == (
        'authors (id=1): name="Ursula K. Le Guin", born="1929-10-21", active=1, country="US"'
    )
    assert [line.split(")")[0] for line in rows[4:]] == [
        'books (isbn="9780000000001"',
        'books (isbn="9780142437889"',
        'books (isbn="9780156011457"',
        'books (isbn="9780441478125"',
    ]
    assert "source_sha256" not in "\n".join(lines)


def test_the_same_rows_give_the_same_text(tmp_path: Path, built: Path) -> None:
    """Sources in another order, hashed differently, give the same text: only content shows."""
    sources = copy_sources(tmp_path / "sources")
    header, *rows = (sources / "authors.csv").read_text().splitlines()
    (sources / "authors.csv").write_text("\n".join([header, *reversed(rows)]) + "\n")
    rebuilt = tmp_path / "rebuilt.sqlite"
    build_artifact(library.Base, sources, rebuilt)

    assert textconv(rebuilt) == textconv(built)


def test_a_file_that_is_not_an_artifact_is_a_one_line_error(tmp_path: Path) -> None:
    """textconv of a text file exits 1 with an error naming it."""
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")

    result = CliRunner().invoke(cli, ["textconv", str(notes)])

    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: data set 'notes' at {notes}: the file is not a SQLite database"
    ]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_diff_of_a_committed_artifact_shows_the_changed_row(
    tmp_path: Path, built: Path
) -> None:
    """With the README's two lines of setup, `git diff` of an artifact shows the row changed."""
    repository = tmp_path / "repository"
    repository.mkdir()
    environment = {
        **os.environ,
        # the console script of this environment, as an installed library puts it on PATH
        "PATH": f"{console_script().parent}{os.pathsep}{os.environ['PATH']}",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(tmp_path),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args],
            cwd=repository,
            env=environment,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout

    git("init", "-q")
    (repository / ".gitattributes").write_text("*.sqlite diff=microcosm-sqlite\n")
    git("config", "diff.microcosm-sqlite.textconv", "microcosm-sqlite textconv")
    artifact = repository / "library.sqlite"
    shutil.copyfile(built, artifact)
    git("add", ".")
    git("commit", "-q", "-m", "the library")
    connection = sqlite3.connect(artifact)
    connection.execute("UPDATE books SET pages = 305 WHERE isbn = '9780441478125'")
    connection.commit()
    connection.close()
    git("commit", "-q", "-am", "one more page")

    shown = git("log", "-p", "-1", "--format=").splitlines()
    working = git("diff", "HEAD~1", "--", "library.sqlite").splitlines()

    assert working == shown
    changed = [line for line in shown if line.startswith(("-books", "+books"))]
    assert len(changed) == 2
    assert changed[0].startswith('-books (isbn="9780441478125"): title="The Left Hand of Darkness"')
    assert changed[0].endswith("pages=304")
    assert changed[1].endswith("pages=305")
    assert "Binary files" not in "\n".join(shown)
