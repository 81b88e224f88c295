"""
The 2.x layer sits on top: no core module imports it, at any level (function-level and
`TYPE_CHECKING` imports included), and there is one class of each component's name.

"""

from __future__ import annotations

import ast
from pathlib import Path

import microcosm_sqlite

PACKAGE = Path(microcosm_sqlite.__file__).parent
# 2.x's layer: compat itself and 2.x's module paths
LEGACY = (
    "microcosm_sqlite.compat",
    "microcosm_sqlite.builders",
    "microcosm_sqlite.dumpers",
    "microcosm_sqlite.context",
    "microcosm_sqlite.constants",
    "microcosm_sqlite.identifiers",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_legacy(name: str) -> bool:
    return any(name == legacy or name.startswith(f"{legacy}.") for legacy in LEGACY)


def imported_names(path: Path) -> set[str]:
    """Every module an import statement anywhere in the file names (`from a import b`: a, a.b)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_core_module_imports_the_2x_layer() -> None:
    """Only the 2.x layer imports itself (`_legacy` loads it by name at the first old call)."""
    offenders = {
        module_name(path): sorted(filter(is_legacy, imported_names(path)))
        for path in PACKAGE.rglob("*.py")
        if not is_legacy(module_name(path))
    }
    assert {module: names for module, names in offenders.items() if names} == {}


def test_one_class_of_each_component_name() -> None:
    """One SQLiteBuilder and one SQLiteDumper in the package: the components' core classes."""
    found: dict[str, set[str]] = {"SQLiteBuilder": set(), "SQLiteDumper": set()}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name in found:
                found[node.name].add(module_name(path))
    assert found == {
        "SQLiteBuilder": {"microcosm_sqlite.components.builder"},
        "SQLiteDumper": {"microcosm_sqlite.components.dumper"},
    }


def test_deprecations_go_through_one_helper() -> None:
    """Only compat's deprecated() calls warnings.warn among the 2.x layer's modules."""
    callers = set()
    for path in PACKAGE.rglob("*.py"):
        if "warnings.warn(" in path.read_text(encoding="utf-8"):
            callers.add(module_name(path))
    assert {name for name in callers if is_legacy(name)} == {"microcosm_sqlite.compat._deprecation"}
