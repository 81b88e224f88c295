"""
Output that cannot be written, a full device or a pipe whose reader has gone: every command,
`--help` included, ends with one line on stderr and its documented status (1; diff's 2, its
status for trouble), never a traceback.

"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest
from fixtures.tools import SOURCES, console_script, subprocess_env

FULL = Path("/dev/full")

# each command that writes to stdout, with what it needs: the built artifact and its sources
COMMANDS: dict[str, Callable[[Path], list[str | Path]]] = {
    "--help": lambda _: ["--help"],
    "--version": lambda _: ["--version"],
    "diff --help": lambda _: ["diff", "--help"],
    "dump --help": lambda _: ["dump", "--help"],
    "inspect": lambda built: ["inspect", built],
    "inspect --json": lambda built: ["inspect", "--json", built],
    "dump": lambda built: ["dump", "--table", "authors", built],
    "diff": lambda built: ["diff", built, built.with_name("changed.sqlite")],
    "diff --json": lambda built: ["diff", "--json", built, built.with_name("changed.sqlite")],
    "textconv": lambda built: ["textconv", built],
    "query": lambda built: ["query", built, "SELECT name FROM authors"],
    "rows": lambda built: ["rows", built, "books"],
    "get": lambda built: ["get", built, "authors", "1"],
    "models": lambda _: ["models", SOURCES],
}


@pytest.fixture
def artifacts(built: Path) -> Path:
    """The built artifact, and beside it a copy with one row changed (so diff has output)."""
    import shutil
    import sqlite3

    changed = built.with_name("changed.sqlite")
    shutil.copyfile(built, changed)
    connection = sqlite3.connect(changed)
    connection.execute("UPDATE authors SET name = 'X' WHERE id = 1")
    connection.commit()
    connection.close()
    return built


def run_into(stdout: IO[Any] | int, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """The console script with its stdout where given, its stderr captured."""
    return subprocess.run(
        [str(console_script()), *map(str, args)],
        env=subprocess_env(),
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )


def expected_status(command: str) -> int:
    return 2 if command.startswith("diff") else 1


@pytest.mark.skipif(not FULL.exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_full_device_is_one_line_and_the_status(artifacts: Path, command: str) -> None:
    """Writing to /dev/full ends the command with one line saying so, and its status."""
    with FULL.open("w") as full:
        result = run_into(full, *COMMANDS[command](artifacts))

    assert result.returncode == expected_status(command)
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1:] == [
        "Error: cannot write the output: No space left on device"
    ]
    assert "Exception ignored" not in result.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_closed_pipe_is_one_line_and_the_status(artifacts: Path, command: str) -> None:
    """A pipe whose reader has closed it ends the command the same way, not with a traceback."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = run_into(writer, *COMMANDS[command](artifacts))
    finally:
        os.close(writer)

    assert result.returncode == expected_status(command)
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1:] == ["Error: cannot write the output: Broken pipe"]
