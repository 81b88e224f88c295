"""
`microcosm-sqlite git-setup` (`tools.git_setup`): git's diff driver for artifacts in a clone,
whose command names this environment's Python, so `git diff` and `git log -p` show changed rows
from a shell where the environment is not activated and the console script is not on PATH.

"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.tools import alter, invoke, run_console_script

from microcosm_sqlite.tools.git_setup import git_setup, textconv_command

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

GIT = shutil.which("git") or "git"


def bare_environment(home: Path) -> dict[str, str]:
    """A shell with git and the system's tools on PATH, and not this environment's scripts."""
    system = os.pathsep.join(
        folder for folder in ("/usr/local/bin", "/usr/bin", "/bin") if Path(folder).is_dir()
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "VIRTUAL_ENV", "PYTHON"))
    }
    environment.update(
        PATH=f"{Path(GIT).parent}{os.pathsep}{system}",
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Reader",
        GIT_AUTHOR_EMAIL="reader@example.com",
        GIT_COMMITTER_NAME="Reader",
        GIT_COMMITTER_EMAIL="reader@example.com",
    )
    return environment


def git(repository: Path, *arguments: str, env: dict[str, str]) -> str:
    """A git command in `repository`, as a user's shell runs it; its output."""
    result = subprocess.run(
        [GIT, *arguments], cwd=repository, capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home with no git config of its own."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.fixture
def repository(tmp_path: Path, home: Path) -> Path:
    """A clone with no diff driver yet."""
    folder = tmp_path / "repository"
    folder.mkdir()
    git(folder, "init", "--quiet", ".", env=bare_environment(home))
    return folder


def test_the_console_script_is_not_on_the_bare_path(home: Path) -> None:
    """The shell the tests use does not find `microcosm-sqlite`: the driver must not need it."""
    environment = bare_environment(home)
    found = shutil.which("microcosm-sqlite", path=environment["PATH"])

    assert found is None or Path(found).parent != Path(sys.executable).parent


def test_git_log_and_diff_show_rows_without_the_environment(
    repository: Path, home: Path, built: Path
) -> None:
    """After git-setup, `git log -p` and `git diff` from a shell without the environment's
    scripts on PATH show the changed row; the old `microcosm-sqlite textconv` driver fails there."""
    environment = bare_environment(home)
    artifact = repository / "library.sqlite"
    shutil.copyfile(built, artifact)
    assert run_console_script("git-setup", repository).returncode == 0
    git(repository, "add", ".gitattributes", "library.sqlite", env=environment)
    git(repository, "commit", "--quiet", "-m", "library", env=environment)
    alter(artifact, "UPDATE books SET pages = 305 WHERE pages = 304")
    git(repository, "commit", "--quiet", "-am", "a page more", env=environment)
    alter(artifact, "UPDATE authors SET name = 'Ursula' WHERE id = 1")

    log = git(repository, "log", "-p", env=environment)
    diff = git(repository, "diff", env=environment)

    assert "-books (isbn=" in log and "pages=304" in log and "pages=305" in log
    assert "Binary files" not in log
    assert '+authors (id=1): name="Ursula"' in diff
    git(
        repository,
        "config",
        "diff.microcosm-sqlite.textconv",
        "microcosm-sqlite textconv",
        env=environment,
    )
    broken = subprocess.run(
        [GIT, "log", "-p"], cwd=repository, capture_output=True, text=True, env=environment
    )
    assert broken.returncode != 0 and "not found" in broken.stderr


def test_git_setup_is_idempotent_and_replaces_an_old_driver(repository: Path) -> None:
    """A second run changes nothing; a driver set the old way is replaced, and said so."""
    subprocess.run(
        [GIT, "config", "diff.microcosm-sqlite.textconv", "microcosm-sqlite textconv"],
        cwd=repository,
        check=True,
    )

    first = git_setup(repository)
    attributes = (repository / ".gitattributes").read_bytes()
    second = git_setup(repository)

    assert first.attribute_added and first.command_set
    assert first.previous == "microcosm-sqlite textconv"
    assert first.command == textconv_command() == f"{sys.executable} -m microcosm_sqlite textconv"
    assert not second.attribute_added and not second.command_set
    assert (
        (repository / ".gitattributes").read_bytes()
        == attributes
        == (b"*.sqlite diff=microcosm-sqlite\n")
    )


def test_an_existing_gitattributes_keeps_its_lines(repository: Path) -> None:
    """The line is appended after what is there, a last line without its newline included."""
    (repository / ".gitattributes").write_text("*.csv text eol=lf")

    git_setup(repository / ".", pattern="data/*.db")

    assert (repository / ".gitattributes").read_text() == (
        "*.csv text eol=lf\ndata/*.db diff=microcosm-sqlite\n"
    )


def test_an_interpreter_path_with_spaces_is_quoted_for_git() -> None:
    """git runs the driver through a shell: a path holding a space stays one word."""
    assert textconv_command("/opt/my env/bin/python") == (
        "'/opt/my env/bin/python' -m microcosm_sqlite textconv"
    )


def test_the_command_says_what_each_colleague_runs(repository: Path) -> None:
    """The command reports both pieces and that every clone runs it once."""
    result = invoke("git-setup", repository)

    assert result.exit_code == 0
    assert "commit it, once, for every clone" in result.stderr
    assert f"{sys.executable} -m microcosm_sqlite textconv" in result.stderr
    assert "each clone (every colleague, every CI job) runs `microcosm-sqlite git-setup`" in (
        result.stderr
    )


def test_outside_a_clone_it_fails_in_one_line(tmp_path: Path, home: Path) -> None:
    """A folder in no git work tree is one `Error:` line and exit status 1."""
    folder = tmp_path / "plain"
    folder.mkdir()
    environment = {**bare_environment(home), "GIT_CEILING_DIRECTORIES": str(tmp_path)}

    result = subprocess.run(
        [sys.executable, "-m", "microcosm_sqlite", "git-setup", str(folder)],
        capture_output=True,
        text=True,
        env=environment,
    )

    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and "not a git repository" in result.stderr
    assert not (folder / ".gitattributes").exists()
