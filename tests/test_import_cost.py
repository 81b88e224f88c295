"""
Reading a data set loads only what reading needs: in a fresh process that imports
`microcosm_sqlite.stores`, opens a built artifact through a graph and calls a Store, no module
of the build, the command line, the tools or the download code is loaded.

"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.tools import MODELS, SOURCES, subprocess_env

from microcosm_sqlite.building import build_artifact

# what a process that only reads should never load, and why it would be wrong to
NOT_FOR_READING = {
    "microcosm_sqlite.building": "the offline build",
    "microcosm_sqlite.cli": "the command line",
    "microcosm_sqlite.tools": "the tools over artifacts",
    "microcosm_sqlite.remote": "the download code, with no URL configured",
    "fsspec": "the download library, with no URL configured",
    "microcosm_sqlite.compat": "the 2.x layer, with no 2.x call made",
    "microcosm_sqlite._matching": "the full-text search code, with no search made",
    "microcosm_sqlite.artifact.fts": "the full-text index code, with no index in the file",
}

READ = """
import json, sys

import microcosm_sqlite.stores
from microcosm.api import create_object_graph, load_from_dict

from {models} import AuthorStore

graph = create_object_graph(
    "reader", testing=True, loader=load_from_dict(sqlite=dict(paths=dict(library={path!r})))
)
assert AuthorStore(graph).get(1).name
assert AuthorStore(graph).count() > 0
print(json.dumps(sorted(sys.modules)))
"""

# a 2.x call style (a Truthy written as ""): the 2.x layer loads then, and answers as it did
OLD_CALL = """
import sys, warnings

from microcosm_sqlite.types import Truthy
print("microcosm_sqlite.compat" in sys.modules)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    written = Truthy().process_bind_param("", None)
print("microcosm_sqlite.compat" in sys.modules, written)
print(caught[0].category.__name__, caught[0].message)
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The modules a fresh process holds after reading the library data set with a Store."""
    from fixtures import library

    artifact = tmp_path_factory.mktemp("import-cost") / "library.sqlite"
    build_artifact(library.Base, SOURCES, artifact)
    result = subprocess.run(
        [sys.executable, "-c", READ.format(models=MODELS, path=str(artifact))],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parent,
    )
    assert result.returncode == 0, result.stderr
    modules: list[str] = json.loads(result.stdout)
    return modules


@pytest.mark.parametrize("package", sorted(NOT_FOR_READING))
def test_reading_loads_nothing_it_does_not_need(loaded: list[str], package: str) -> None:
    """No module of the package (or it itself) is in `sys.modules` after a Store has read."""
    found = [name for name in loaded if name == package or name.startswith(f"{package}.")]

    assert found == [], f"{NOT_FOR_READING[package]} was loaded: {found}"


def test_the_check_sees_what_reading_loads(loaded: list[str]) -> None:
    """The process did read: the runtime's modules are there, so an absence above means
    something."""
    assert {"microcosm_sqlite.stores", "microcosm_sqlite.engines", "sqlalchemy"} <= set(loaded)


def test_the_2x_layer_loads_with_the_first_2x_call() -> None:
    """A process that makes an old call gets the 2.x layer then, with its deprecation."""
    result = subprocess.run(
        [sys.executable, "-c", OLD_CALL],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    before, after, warning = result.stdout.splitlines()
    assert (before, after) == ("False", "True False")
    assert warning.startswith("DeprecationWarning microcosm-sqlite 3.0 deprecates")
