"""
The package as a user meets it: `python -m microcosm_sqlite`, `--version`, shell completion,
and the metadata `pip show` and package indexes display.

"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import metadata, version
from pathlib import Path

import pytest
from fixtures.tools import MODELS, SOURCES, console_script, subprocess_env

HOME = "https://github.com/globality-corp/microcosm-sqlite"


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env={**subprocess_env(), **env}, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("module", ["microcosm_sqlite", "microcosm_sqlite.cli"])
def test_python_dash_m_runs_the_command(tmp_path: Path, module: str) -> None:
    """`python -m` runs the same command as the console script: help, a build, exit status."""
    script = run([str(console_script()), "--help"])
    output = tmp_path / "out.sqlite"

    helped = run([sys.executable, "-m", module, "--help"])
    built = run(
        [sys.executable, "-m", module, "build", MODELS, SOURCES.as_posix(), "-o", str(output)]
    )
    wrong = run([sys.executable, "-m", module, "nonsense"])

    assert helped.returncode == 0
    assert helped.stdout == script.stdout
    assert built.returncode == 0, built.stderr
    assert "built data set 'library'" in built.stderr
    assert output.exists()
    assert wrong.returncode == 2
    assert "No such command 'nonsense'" in wrong.stderr


def test_version_prints_the_installed_version() -> None:
    """`--version` names the command and the installed distribution's version."""
    result = run([str(console_script()), "--version"])

    assert result.returncode == 0
    assert result.stdout == f"microcosm-sqlite, version {version('microcosm-sqlite')}\n"


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o nosort -F"),
        ("zsh", "#compdef microcosm-sqlite"),
        ("fish", "complete --no-files --command microcosm-sqlite"),
    ],
)
def test_shell_completion_scripts_are_produced(shell: str, marker: str) -> None:
    """`_MICROCOSM_SQLITE_COMPLETE=<shell>_source microcosm-sqlite` prints the completion
    script that the README tells users to load."""
    result = run([str(console_script())], _MICROCOSM_SQLITE_COMPLETE=f"{shell}_source")

    assert result.returncode == 0, result.stderr
    assert marker in result.stdout
    assert "_MICROCOSM_SQLITE_COMPLETE" in result.stdout


def test_completion_completes_command_names() -> None:
    """Completing after `microcosm-sqlite b` offers `build`."""
    result = run(
        [str(console_script())],
        _MICROCOSM_SQLITE_COMPLETE="bash_complete",
        COMP_WORDS="microcosm-sqlite b",
        COMP_CWORD="1",
    )

    assert result.returncode == 0, result.stderr
    assert "plain,build" in result.stdout.split()


def test_the_metadata_says_where_who_and_what() -> None:
    """Home page and project URLs, author and maintainer, the licence as an SPDX expression
    (not a deprecated classifier, which setuptools warns about at every install), and the
    classifiers that say the package is typed, its audience and Python versions."""
    meta = metadata("microcosm-sqlite")
    urls = dict(url.split(", ", 1) for url in meta.get_all("Project-URL") or [])
    classifiers = set(meta.get_all("Classifier") or [])

    assert meta["Home-page"] == HOME
    assert urls["Homepage"] == HOME
    assert urls["Issues"] == f"{HOME}/issues"
    assert urls["Source"] == HOME
    assert meta["Author"] == "Globality Engineering"
    assert meta["Maintainer"] == "Globality Engineering"
    assert meta["License-Expression"] == "Apache-2.0"
    assert not [classifier for classifier in classifiers if classifier.startswith("License ::")]
    assert {
        "Typing :: Typed",
        "Intended Audience :: Developers",
        "Operating System :: MacOS",
        "Operating System :: POSIX",
        "Operating System :: POSIX :: Linux",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
    } <= classifiers
    assert any(classifier.startswith("Development Status :: ") for classifier in classifiers)
    assert "Operating System :: OS Independent" not in classifiers
