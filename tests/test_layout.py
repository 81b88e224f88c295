"""
The test tree as pytest sees it: every test file is collected, wherever it sits.

"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).parent
ROOT = TESTS.parent


def test_every_test_file_is_collected() -> None:
    """No test file is skipped by collection rules, wherever it sits in tests/."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    collected = {line.split("::")[0] for line in result.stdout.splitlines() if "::" in line}
    on_disk = {path.relative_to(ROOT).as_posix() for path in TESTS.rglob("test_*.py")}
    assert on_disk - collected == set()
    assert {path.split("/")[1] for path in collected if path.count("/") > 1} >= {
        "artifact",
        "building",
        "cli",
        "compat",
        "reading",
        "tools",
    }


def test_no_path_has_a_component_named_build() -> None:
    """Tools treat folders named `build` as output: none of ours is named so."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert [path for path in tracked if "build" in path.split("/")[:-1]] == []


def test_a_new_file_in_any_source_or_test_folder_is_not_ignored() -> None:
    """A file dropped into any package or test folder shows up in `git status`."""
    folders = {
        path.parent
        for root in (ROOT / "microcosm_sqlite", TESTS)
        for path in root.rglob("*.py")
        if "__pycache__" not in path.parts
    }
    candidates = [str((folder / "test_new_file.py").relative_to(ROOT)) for folder in folders]
    ignored = subprocess.run(
        ["git", "check-ignore", *candidates],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ignored.stdout.split() == []


# the most lines a module of the library may have: past it, a module holds more than one job
MODULE_LINES = 400


def test_no_module_of_the_library_is_over_its_size() -> None:
    """Every module stays small enough to hold one responsibility (issue 21)."""
    sizes = {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in (ROOT / "microcosm_sqlite").rglob("*.py")
    }
    assert {path: lines for path, lines in sizes.items() if lines > MODULE_LINES} == {}
