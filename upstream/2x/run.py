"""
Runs microcosm-sqlite 2.x's own test suite, unchanged, against this version, and prints
`N of M passed`. Not part of this project's tests: it needs a 2.x checkout.

    MICROCOSM_SQLITE_2X=/path/to/2.x/checkout python upstream/2x/run.py [pytest options]

Exits 1 when fewer than MICROCOSM_SQLITE_2X_MIN (default 25) tests pass.

"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent


class Tally:
    """Counts the tests collected and those that passed."""

    def __init__(self) -> None:
        self.collected = 0
        self.passed: list[str] = []

    def pytest_collection_finish(self, session: Any) -> None:
        self.collected = len(session.items)

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when == "call" and report.passed:
            self.passed.append(report.nodeid)


def load_conftest() -> Any:
    """This folder's conftest.py, as a plugin (2.x's test folder is not below it)."""
    spec = importlib.util.spec_from_file_location("upstream_2x_conftest", HERE / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    conftest = load_conftest()
    tally = Tally()
    pytest.main(
        [
            str(conftest.tests_dir()),
            # neither this project's setup.cfg nor 2.x's (which asks for pytest-cov)
            "-c",
            str(HERE / "pytest.ini"),
            "--rootdir",
            os.environ["MICROCOSM_SQLITE_2X"],
            "-p",
            "no:cacheprovider",
            *argv,
        ],
        plugins=[conftest, tally],
    )
    print(f"{len(tally.passed)} of {tally.collected} passed")
    minimum = int(os.environ.get("MICROCOSM_SQLITE_2X_MIN", "25"))
    return 0 if tally.collected and len(tally.passed) >= minimum else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
