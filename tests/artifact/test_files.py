"""
The build's temporary files are named so that any output name the file system takes works: a
long one, or one that is not UTF-8, which SQLite cannot take as a path.

"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from microcosm_sqlite.artifact.files import remove_stale_temp_files, temp_path

NAMES = {
    "short": "out.sqlite",
    "255 bytes": "x" * 248 + ".sqlite",
    "not UTF-8": os.fsdecode(b"caf\xe9.sqlite"),
    "long, not ASCII": "é" * 120 + ".sqlite",
}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_temporary_names_fit_and_are_utf8(tmp_path: Path, name: str) -> None:
    """Every temporary file, its journal included, has a name of 255 bytes at most, in UTF-8,
    beside the output; a short UTF-8 name is kept whole."""
    output = tmp_path / NAMES[name]

    for stage in ("", "load"):
        temp = temp_path(output, 4_194_304, stage=stage)
        journal = temp.with_name(temp.name + "-journal")
        assert temp.parent == output.parent
        assert len(os.fsencode(journal.name)) <= 255
        journal.name.encode("utf-8")
        assert (output.name in temp.name) is (name == "short")


@pytest.mark.parametrize("name", sorted(NAMES))
def test_a_dead_builds_files_are_found_by_the_same_names(tmp_path: Path, name: str) -> None:
    """The next build of a long or non-UTF-8 output removes what a killed one left."""
    output = tmp_path / NAMES[name]
    with subprocess.Popen(["true"]) as gone:
        gone.wait()
    left = [temp_path(output, gone.pid), temp_path(output, gone.pid, stage="load")]
    for path in left:
        path.write_bytes(b"partial")

    assert sorted(remove_stale_temp_files(output)) == sorted(left)
    assert list(tmp_path.iterdir()) == []
