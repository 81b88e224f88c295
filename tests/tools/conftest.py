"""
The `fresh_venv` marker: tests that install into a virtual environment with nothing in it,
downloading every dependency. The regular suite skips them; `MICROCOSM_SQLITE_FRESH_VENV=1`
runs them.

"""

from __future__ import annotations

import os

import pytest

FRESH_VENV = "MICROCOSM_SQLITE_FRESH_VENV"


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker, so `-W error` and --strict-markers accept it."""
    config.addinivalue_line(
        "markers", f"fresh_venv: installs into an empty virtual environment (set {FRESH_VENV}=1)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip `fresh_venv` tests unless asked for."""
    if os.environ.get(FRESH_VENV) == "1":
        return
    skip = pytest.mark.skip(reason=f"installs everything from scratch: set {FRESH_VENV}=1")
    for item in items:
        if item.get_closest_marker("fresh_venv") is not None:
            item.add_marker(skip)
