"""
A build's progress: each step named as it starts, shown on a terminal only, never with --quiet.

"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from pathlib import Path

import pytest
from fixtures import library
from fixtures.tools import MODELS, SOURCES, console_script, copy_sources, subprocess_env

from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.cli._progress import ProgressBar
from microcosm_sqlite.errors import BuildError

# the steps of a build of the library data set, in order
PHASES = [
    "loading authors",
    "loading books",
    "checking foreign keys",
    "creating indexes",
    "gathering statistics (ANALYZE)",
    "compacting (VACUUM)",
    "checking integrity and foreign keys",
    "writing to disk",
]


class RecordedPhases:
    """A progress listener that keeps the steps it was told of, and what came after them."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def begin(self, total_bytes: int) -> None:
        self.events.append("begin")

    def advance(self, bytes_read: int) -> None:
        pass

    def phase(self, name: str) -> None:
        self.events.append(name)

    def end(self) -> None:
        self.events.append("end")


def test_a_build_names_each_step_then_ends(tmp_path: Path) -> None:
    """Every table's load, the foreign key check, indexes, ANALYZE, VACUUM, the checks and the
    write are announced in order, and the build ends once, after them."""
    progress = RecordedPhases()

    build_artifact(library.Base, SOURCES, tmp_path / "out.sqlite", progress=progress)

    assert progress.events == ["begin", *PHASES, "end"]


def test_a_failed_build_ends_its_progress(tmp_path: Path) -> None:
    """A build that fails on its sources stops after the foreign key check, and still ends."""
    sources = copy_sources(tmp_path / "sources")
    (sources / "authors.csv").write_text("id,name,born\n1,A,soon\n")
    progress = RecordedPhases()

    with pytest.raises(BuildError):
        build_artifact(library.Base, sources, tmp_path / "out.sqlite", progress=progress)

    assert progress.events == ["begin", *PHASES[:3], "end"]


def test_the_bar_carries_the_table_and_gives_way_to_the_next_step(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Once loading takes a moment the bar appears labelled with its table, changes label
    with the next table, and closes when a step that is not loading starts."""
    progress = ProgressBar(enabled=True)
    progress.begin(100)
    progress.phase("loading authors")
    progress.started -= 1  # as if loading had run for a second
    progress.advance(10)
    shown = progress.bar
    progress.phase("loading books")
    label = shown.label
    progress.advance(90)
    progress.phase("creating indexes")
    progress.end()

    assert label == "loading books"
    assert progress.bar is None
    err = capsys.readouterr().err
    assert "loading authors" in err
    assert "creating indexes" in err


def test_a_disabled_bar_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    """Not a terminal, or --quiet: no step and no bar is written."""
    progress = ProgressBar(enabled=False)
    progress.begin(100)
    progress.phase("loading authors")
    progress.started -= 1
    progress.advance(100)
    progress.phase("compacting (VACUUM)")
    progress.end()

    assert capsys.readouterr().err == ""


def on_a_terminal(*args: str | Path) -> tuple[int, str]:
    """The console script run with a pseudo-terminal as its stdin, stdout and stderr."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [str(console_script()), *map(str, args)],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=subprocess_env(),
        close_fds=True,
    )
    os.close(terminal)
    output = b""
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 1)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed: the process is gone
                break
            if not chunk:
                break
            output += chunk
    finally:
        os.close(controller)
        status = process.wait(timeout=60)
    return status, output.decode("utf-8", "replace")


def test_a_build_on_a_terminal_names_its_steps(tmp_path: Path) -> None:
    """On a terminal, each step shows as it starts, and the summary follows."""
    status, output = on_a_terminal("build", MODELS, SOURCES, "-o", tmp_path / "out.sqlite")

    assert status == 0, output
    positions = [output.find(name) for name in PHASES]
    assert -1 not in positions, output
    assert positions == sorted(positions)
    assert "built data set 'library'" in output.split(PHASES[-1])[-1]


def test_a_quiet_build_on_a_terminal_says_nothing(tmp_path: Path) -> None:
    """--quiet shows no step, no bar and no summary, even on a terminal."""
    status, output = on_a_terminal(
        "build", MODELS, SOURCES, "-o", tmp_path / "out.sqlite", "--quiet"
    )

    assert status == 0, output
    assert output == ""


def test_a_build_off_a_terminal_names_no_step(tmp_path: Path) -> None:
    """Piped to a file or a CI log, a build writes its summary and no step names."""
    result = subprocess.run(
        [str(console_script()), "build", MODELS, SOURCES, "-o", tmp_path / "out.sqlite"],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("built data set 'library'")
    assert not any(name in result.stderr for name in PHASES)
