"""
`microcosm-sqlite textconv PATH`: a stable text form of an artifact, and git's diff driver on it.

"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fixtures import library
from fixtures.tools import alter, console_script, copy_sources, run_console_script

from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.cli import cli
from microcosm_sqlite.tools._values import show
from microcosm_sqlite.tools.textconv import write_textconv


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


# a table and a column whose names would forge a diff's line and drive the terminal
FORGING_TABLE = "t\n+ evil (id=9): injected"
ESCAPES = "\x1b[2J\x1b[31m"


def crafted(path: Path, value: str = "v") -> Path:
    """An artifact crafted with sqlite3 whose names and values hold newlines and ESC."""
    connection = sqlite3.connect(path)
    connection.execute(f'CREATE TABLE "{FORGING_TABLE}" (id INTEGER PRIMARY KEY, "{ESCAPES}" TEXT)')
    connection.execute(f'INSERT INTO "{FORGING_TABLE}" VALUES (1, ?)', (f"{value}\n+ x{ESCAPES}",))
    connection.commit()
    connection.close()
    return path


def lfs_pointer(path: Path) -> Path:
    """What Git LFS commits in place of a file it stores."""
    path.write_text(
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{'ab' * 32}\nsize 12345\n"
    )
    return path


def with_a_view(path: Path, built: Path) -> Path:
    shutil.copyfile(built, path)
    alter(path, "CREATE VIEW everyone AS SELECT name FROM authors")
    return path


def text_file(path: Path, text: str = "hello\n") -> Path:
    path.write_text(text)
    return path


def corrupted(path: Path, built: Path) -> Path:
    """The built artifact with every page after the first zeroed."""
    data = bytearray(built.read_bytes())
    data[4096:] = bytes(len(data) - 4096)
    path.write_bytes(data)
    return path


UNREADABLE: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "a Git LFS pointer": (lambda path, built: lfs_pointer(path), "a Git LFS pointer"),
    "a text file": (lambda path, built: text_file(path), "not a SQLite database"),
    "a file with a view": (with_a_view, "view everyone"),
    "an empty file": (lambda path, built: text_file(path, ""), "not a SQLite database"),
    "a corrupt file": (corrupted, "the file is corrupt"),
}


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
def test_a_file_it_cannot_read_is_one_line_saying_why(
    tmp_path: Path, built: Path, kind: str
) -> None:
    """textconv of what it cannot read exits 0 with one line saying why, naming no path."""
    make, why = UNREADABLE[kind]
    path = make(tmp_path / "unreadable.sqlite", built)

    result = run_console_script("textconv", path)

    assert (result.returncode, result.stderr) == (0, "")
    assert len(result.stdout.splitlines()) == 1
    assert result.stdout.startswith("microcosm-sqlite textconv: cannot show this file: ")
    assert why in result.stdout
    assert str(path) not in result.stdout


def test_names_and_values_cannot_forge_a_line_or_reach_the_terminal(tmp_path: Path) -> None:
    """A table named with a newline and `+`, a column named with ESC, a value with both:
    one line a row, each printable."""
    stream = io.StringIO()

    write_textconv(crafted(tmp_path / "crafted.sqlite"), stream)

    lines = stream.getvalue().splitlines()
    assert all(line.isprintable() for line in lines)
    assert lines[-1] == (
        '"t\\n+ evil (id=9): injected" (id=1):'
        ' "\\u001b[2J\\u001b[31m"="v\\n+ x\\u001b[2J\\u001b[31m"'
    )
    assert not any(line.startswith("+ evil") for line in lines)


def test_a_long_value_is_written_whole(tmp_path: Path) -> None:
    """A value of megabytes, text or blob, is written a slice at a time, as `diff` shows it."""
    path = tmp_path / "long.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT, data BLOB)")
    text = "é\n\x9b" * 1_000_000
    connection.execute("INSERT INTO t VALUES (1, ?, ?)", (text, bytes(range(256)) * 8_000))
    connection.commit()
    connection.close()
    stream = io.StringIO()

    write_textconv(path, stream)

    assert stream.getvalue().splitlines()[-1] == (
        f"t (id=1): text={show(text)}, data={show(bytes(range(256)) * 8_000)}"
    )


@pytest.fixture
def git(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """git in a new repository whose `*.sqlite` files diff through textconv (the README's setup)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
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

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", *args],
            cwd=repository,
            env=environment,
            check=check,
            capture_output=True,
            text=True,
            timeout=120,
        )

    run("init", "-q")
    (repository / ".gitattributes").write_text("*.sqlite diff=microcosm-sqlite\n")
    run("config", "diff.microcosm-sqlite.textconv", "microcosm-sqlite textconv")
    return run


def commit(git: Callable[..., Any], message: str) -> None:
    git("add", "-A")
    git("commit", "-q", "-m", message)


def test_git_diff_of_a_committed_artifact_shows_the_changed_row(
    git: Callable[..., subprocess.CompletedProcess[str]], built: Path, tmp_path: Path
) -> None:
    """With the README's two lines of setup, `git diff` of an artifact shows the row changed."""
    artifact = tmp_path / "repository" / "library.sqlite"
    shutil.copyfile(built, artifact)
    commit(git, "the library")
    alter(artifact, "UPDATE books SET pages = 305 WHERE isbn = '9780441478125'")
    commit(git, "one more page")

    shown = git("log", "-p", "-1", "--format=").stdout.splitlines()
    working = git("diff", "HEAD~1", "--", "library.sqlite").stdout.splitlines()

    assert working == shown
    changed = [line for line in shown if line.startswith(("-books", "+books"))]
    assert len(changed) == 2
    assert changed[0].startswith('-books (isbn="9780441478125"): title="The Left Hand of Darkness"')
    assert changed[0].endswith("pages=304")
    assert changed[1].endswith("pages=305")
    assert "Binary files" not in "\n".join(shown)


def test_git_log_goes_on_past_files_textconv_cannot_read(
    git: Callable[..., subprocess.CompletedProcess[str]], built: Path, tmp_path: Path
) -> None:
    """`git log -p` through an LFS pointer, a corrupt file and a file with a view shows each as
    one line saying why, exits 0, and still shows the rows changed in the readable commits."""
    artifact = tmp_path / "repository" / "library.sqlite"
    shutil.copyfile(built, artifact)
    commit(git, "the library")
    lfs_pointer(artifact)
    commit(git, "moved to LFS")
    corrupted(artifact, built)
    commit(git, "corrupt")
    with_a_view(artifact, built)
    commit(git, "a view")
    shutil.copyfile(built, artifact)
    alter(artifact, "UPDATE authors SET name = 'U. K. Le Guin' WHERE id = 1")
    commit(git, "renamed")

    log = git("log", "-p", "--format=commit %s", check=False)

    assert (log.returncode, log.stderr) == (0, "")
    lines = log.stdout.splitlines()
    placeholders = [line for line in lines if "microcosm-sqlite textconv: cannot show" in line]
    assert any("Git LFS pointer" in line for line in placeholders)
    assert any("corrupt" in line for line in placeholders)
    assert any("view everyone" in line for line in placeholders)
    assert (
        '+authors (id=1): name="U. K. Le Guin", born="1929-10-21", active=1, country="US"' in lines
    )
    assert lines.count("commit the library") == 1


def test_git_diff_shows_no_forged_line_and_no_escape(
    git: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    """A table named to forge `+ evil (id=9): injected`, a column named with ESC sequences:
    through `git diff`, no line is forged and no escape reaches the terminal."""
    artifact = crafted(tmp_path / "repository" / "crafted.sqlite", "one")
    commit(git, "crafted")
    artifact.unlink()
    crafted(artifact, "two")

    shown = git("diff", "--", "crafted.sqlite").stdout

    lines = shown.splitlines()
    assert "\x1b" not in shown
    assert all(line.isprintable() for line in lines)
    assert not any(line[1:].startswith("+ evil") for line in lines)
    assert [line[0] for line in lines if line.startswith(('-"t', '+"t'))] == ["-", "+"]
