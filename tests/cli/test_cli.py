"""
The `microcosm-sqlite` command as a whole: its commands, their help, the console script.

"""

from __future__ import annotations

import click
import pytest
from fixtures.tools import (
    invoke,
    run_console_script,
)

from microcosm_sqlite.cli import cli


def commands() -> list[str]:
    return sorted(cli.commands)


def test_there_are_the_thirteen_commands() -> None:
    """The group offers build, inspect, verify, dump, diff, textconv, git-setup and fetch, and
    init, models, query, rows and get."""
    assert commands() == [
        "build",
        "diff",
        "dump",
        "fetch",
        "get",
        "git-setup",
        "init",
        "inspect",
        "models",
        "query",
        "rows",
        "textconv",
        "verify",
    ]


@pytest.mark.parametrize("command", [[], *([name] for name in sorted(cli.commands))])
def test_every_command_has_help_from_its_docstring(command: list[str]) -> None:
    """`--help` works everywhere and shows the command's docstring."""
    result = invoke(*command, "--help")

    target = cli if not command else cli.commands[command[0]]
    first_line = (target.help or "").strip().splitlines()[0]
    assert result.exit_code == 0
    assert " ".join(first_line.split()) in " ".join(result.output.split())


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_only_build_and_fetch_promise_no_progress_bar(command: str) -> None:
    """--quiet mentions a progress bar only on build and fetch, the commands that show one."""
    option = next(param for param in cli.commands[command].params if param.name == "quiet")

    assert isinstance(option, click.Option) and option.help is not None
    assert ("progress bar" in option.help) is (command in ("build", "fetch"))


def test_the_console_script_is_installed() -> None:
    """The console script runs and lists its commands."""
    result = run_console_script("--help")

    assert result.returncode == 0
    for name in commands():
        assert name in result.stdout
