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
    """No test file is skipped by collection rules (pytest's default skips dirs named `build`)."""
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
        "build",
        "compat",
        "reading",
    }
