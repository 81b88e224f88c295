"""
SQLAlchemy's internals stay behind one door: probed before use, and never needed for correct reads.

"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from fixtures.runtime import CityStore

from microcosm_sqlite import _sqla_internals
from microcosm_sqlite.reading import FastReader, OrmReader, probe

PACKAGE = Path(_sqla_internals.__file__).parent
INTERNAL_MODULES = {
    "sqlalchemy.orm.base",
    "sqlalchemy.orm.identity",
    "sqlalchemy.orm.state",
    "sqlalchemy.orm.instrumentation",
}
TESTS = Path(__file__).parent

# Reads a few rows through the runtime models and prints what the process saw, as JSON.
READER = """
import json, sys, warnings
warnings.simplefilter("always")
caught = []
# the fast path's warning is a RuntimeWarning; deprecations from libraries the graph loads
# (microcosm-flask's, and pkg_resources' UserWarning) are not ours to count
warnings.showwarning = lambda message, category, *args, **kwargs: (
    caught.append(str(message)) if issubclass(category, RuntimeWarning) else None
)
{prelude}
from microcosm.api import create_object_graph, load_from_dict
from microcosm_sqlite import _sqla_internals
from microcosm_sqlite.reading import FastReader, OrmReader, probe
from fixtures.runtime import CityStore
graph = create_object_graph(
    "internals-test", testing=True,
    loader=load_from_dict(sqlite=dict(paths=dict(runtime=sys.argv[1]))),
)
store = CityStore(graph)
city = store.get(3)
print(json.dumps(dict(
    warnings=caught,
    fast=graph.sqlite("runtime").fast_path,
    loader=type(store._reader).__name__ == "FastReader",
    get=[city.id, city.name, city.country.code],
    same=store.get(3) is city and store.search(name=city.name)[0] is city,
    many=[item.id for item in store.get_many([5, 99, 1])],
    count=store.count(),
)))
"""


def read_in_subprocess(artifact: Path, prelude: str = "", **env: str) -> dict[str, Any]:
    """What a fresh process reading the artifact saw (with `prelude` run before any import)."""
    result = subprocess.run(
        [sys.executable, "-c", READER.format(prelude=prelude), str(artifact)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(TESTS), **env},
    )
    assert result.returncode == 0, result.stderr
    seen: dict[str, Any] = json.loads(result.stdout)
    return seen


def test_this_sqlalchemy_passes_the_probe() -> None:
    """Every supported SQLAlchemy offers what the fast path needs, so it is on by default."""
    assert _sqla_internals.missing_names() == []
    assert probe.fast_path_available()


def test_a_missing_name_is_reported_by_its_full_name() -> None:
    """The check names the piece it could not find, so the warning says what moved."""
    needed = (
        (sqlalchemy.orm.Mapper, "identity_key_from_primary_key"),
        (sqlalchemy.orm.Mapper, "_gone_away"),
    )
    assert _sqla_internals.missing_names(needed) == ["sqlalchemy.orm.mapper.Mapper._gone_away"]


def test_the_fast_and_orm_paths_give_the_same_answers(artifact: Path) -> None:
    """With the fast path forced off, a process reads the same rows, with the same identity."""
    fast = read_in_subprocess(artifact)
    slow = read_in_subprocess(artifact, MICROCOSM_SQLITE_FAST_PATH="0")
    assert (fast["fast"], fast["loader"]) == (True, True)
    assert (slow["fast"], slow["loader"]) == (False, False)
    assert fast["warnings"] == slow["warnings"] == []
    for seen in (fast, slow):
        del seen["fast"], seen["loader"]
    assert fast == slow
    assert fast["same"] is True


def test_an_unforeseen_sqlalchemy_turns_the_fast_path_off_with_one_warning(
    artifact: Path,
) -> None:
    """
    An internal gone (as a SQLAlchemy release may move one) costs speed, not correctness:
    import works, one warning names the version and the piece, and reads go through the ORM.

    """
    # a name SQLAlchemy itself reaches by value, so only this library misses it
    prelude = "import sqlalchemy.orm.base\ndel sqlalchemy.orm.base.manager_of_class\n"
    seen = read_in_subprocess(artifact, prelude)
    assert (seen["fast"], seen["loader"]) == (False, False)
    [warning] = seen["warnings"]
    assert f"SQLAlchemy {sqlalchemy.__version__}" in warning
    assert "sqlalchemy.orm.base.manager_of_class" in warning
    assert seen["get"] == [3, "city-003", seen["get"][2]]
    assert seen["same"] is True
    assert seen["many"] == [5, 1]


def test_a_probe_that_finds_wrong_behaviour_turns_the_fast_path_off(artifact: Path) -> None:
    """Names present but behaving otherwise (a state that never attaches) fail the probe."""
    prelude = (
        "from sqlalchemy.orm.instrumentation import ClassManager\n"
        "ClassManager.setup_instance = lambda manager, instance, state=None: None\n"
    )
    seen = read_in_subprocess(artifact, prelude)
    assert (seen["fast"], seen["loader"]) == (False, False)
    [warning] = seen["warnings"]
    assert f"SQLAlchemy {sqlalchemy.__version__}" in warning
    assert seen["get"][:2] == [3, "city-003"]
    assert seen["same"] is True


@pytest.mark.parametrize("spelling", ["0", "false", "off", "No"])
def test_the_environment_switch_takes_the_usual_spellings(spelling: str) -> None:
    """MICROCOSM_SQLITE_FAST_PATH accepts the spellings people write for "off"."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from microcosm_sqlite.reading import probe; print(probe.fast_path_available())",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MICROCOSM_SQLITE_FAST_PATH": spelling},
    )
    assert result.stdout.strip() == "False", result.stderr


def test_config_turns_the_fast_path_off_per_graph(make_graph: Any, artifact: Path) -> None:
    """`sqlite.fast_path=false` makes one graph read through the ORM; another stays fast."""
    slow = make_graph({"runtime": str(artifact)}, fast_path=False)
    fast = make_graph({"runtime": str(artifact)}, fast_path=True)
    assert isinstance(CityStore(slow)._reader, OrmReader)
    assert isinstance(CityStore(fast)._reader, FastReader)
    assert CityStore(slow).get(2).name == CityStore(fast).get(2).name == "city-002"


def imported_modules(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def private_names_defined(trees: list[ast.Module]) -> set[str]:
    """Every `_name` this package defines: functions, methods, attributes set, class fields."""
    defined: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                defined.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                defined.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                defined.add(node.target.id)
    return {name for name in defined if name.startswith("_")}


def test_no_other_module_touches_sqlalchemy_internals() -> None:
    """Only `_sqla_internals` imports SQLAlchemy's private modules or reads a `_name` of it."""
    modules = {
        path: ast.parse(path.read_text(), str(path))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "_sqla_internals.py"
    }
    ours = private_names_defined(list(modules.values()))
    for path, tree in modules.items():
        assert not imported_modules(tree) & INTERNAL_MODULES, path
        foreign = {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and node.attr not in ours
        }
        assert not foreign, f"{path.name} reads private names {sorted(foreign)}"


def test_the_internals_docstring_lists_every_internal_it_uses() -> None:
    """Each private SQLAlchemy name the module reads is named in its docstring."""
    source = Path(_sqla_internals.__file__).read_text()
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree) or ""
    ours = private_names_defined([tree])
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and node.attr not in ours
    }
    assert used
    assert {name for name in used if name not in docstring} == set()
