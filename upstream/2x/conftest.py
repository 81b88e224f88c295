"""
The only help 2.x's own test suite gets when it runs against this version (see run.py).

Two things, and nothing else: every graph its tests create gets `sqlite.read_only=False` merged
into its config (3.x opens data sets read-only by default; 2.x's tests write), and its fixtures
module is importable under the name those tests use, `microcosm_sqlite.tests.fixtures`, which
this package does not have.

"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import microcosm.api
from microcosm.loaders import load_each, load_from_dict, load_from_environ

import microcosm_sqlite

TESTS_PACKAGE = "microcosm_sqlite.tests"
create_object_graph = microcosm.api.create_object_graph


def tests_dir() -> Path:
    """2.x's test folder in the checkout named by MICROCOSM_SQLITE_2X."""
    checkout = os.environ.get("MICROCOSM_SQLITE_2X")
    if not checkout:
        raise SystemExit("set MICROCOSM_SQLITE_2X to the path of a microcosm-sqlite 2.x checkout")
    folder = Path(checkout, "microcosm_sqlite", "tests")
    if not (folder / "fixtures.py").is_file():
        raise SystemExit(f"{checkout} is not a microcosm-sqlite 2.x checkout (no {folder})")
    return folder


def create_writable_graph(name: str, *args: Any, **kwargs: Any) -> Any:
    """`create_object_graph`, with `sqlite.read_only=False` merged over the test's own config."""
    loader = kwargs.pop("loader", load_from_environ)
    writable = load_from_dict(sqlite=dict(read_only=False))
    return create_object_graph(name, *args, loader=load_each(loader, writable), **kwargs)


def pytest_configure() -> None:
    """Set both up before any 2.x test module is imported."""
    folder = tests_dir()
    # 2.x's tests folder as the package microcosm_sqlite.tests, so its fixtures module (and the
    # test modules, imported by pytest under the same package) come from the checkout
    spec = importlib.util.spec_from_file_location(
        TESTS_PACKAGE, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[TESTS_PACKAGE] = package
    spec.loader.exec_module(package)
    microcosm_sqlite.tests = package  # type: ignore[attr-defined]
    microcosm.api.create_object_graph = create_writable_graph  # type: ignore[assignment]
