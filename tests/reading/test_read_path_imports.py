"""
The read path's modules import downwards only: stores -> engines -> reading -> private helpers,
with no cycle among them, counting imports made under TYPE_CHECKING and inside functions.

"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import microcosm_sqlite

PACKAGE = Path(microcosm_sqlite.__file__).parent
# the read path, top to bottom: each module may import those after its own group, never before
LAYERS = [
    ["microcosm_sqlite.stores"],
    [
        "microcosm_sqlite.engines",
        "microcosm_sqlite.engines._base",
        "microcosm_sqlite.engines._read_only",
        "microcosm_sqlite.engines._writable",
    ],
    [
        "microcosm_sqlite.reading",
        "microcosm_sqlite.reading.readers",
        "microcosm_sqlite.reading.probe",
        "microcosm_sqlite.reading.rows",
        "microcosm_sqlite.reading.sessions",
        "microcosm_sqlite.reading.threads",
    ],
    ["microcosm_sqlite._filters", "microcosm_sqlite._keys"],
    [
        "microcosm_sqlite._error_mapping",
        "microcosm_sqlite._generated_code",
        "microcosm_sqlite._sqla_internals",
    ],
]
READ_PATH = [module for layer in LAYERS for module in layer]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every package module a file imports, wherever the import statement sits."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] == "microcosm_sqlite"}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    """Package module -> the package modules it imports."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: imports_of(path) & set(modules) for name, path in modules.items()}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return seen


@pytest.mark.parametrize("module", READ_PATH)
def test_no_read_path_module_is_in_an_import_cycle(graph: dict[str, set[str]], module: str) -> None:
    """No chain of imports leads from a read path module back to itself."""
    assert module in graph
    assert module not in reachable(graph, module)


@pytest.mark.parametrize("module", READ_PATH)
def test_read_path_modules_import_only_layers_below_their_own(
    graph: dict[str, set[str]], module: str
) -> None:
    """Readers never import engines or stores; the private helpers import neither readers."""
    level = next(index for index, layer in enumerate(LAYERS) if module in layer)
    above = {name for layer in LAYERS[:level] for name in layer}
    assert not graph[module] & above


def test_the_foundations_import_next_to_nothing(graph: dict[str, set[str]]) -> None:
    """The error table needs errors and formatting only; the internals and codegen, nothing."""
    assert graph["microcosm_sqlite._error_mapping"] == {
        "microcosm_sqlite.errors",
        "microcosm_sqlite.formatting",
    }
    assert graph["microcosm_sqlite._sqla_internals"] == set()
    assert graph["microcosm_sqlite._generated_code"] == set()
