"""
Every public function, method and class says what it does in a docstring, in private modules
too. ruff's pydocstyle rules (D1, in `make lint`) check the public modules; they do not look
inside a module whose name starts with `_`, such as `_keys` or `cli/_options`, so this does.

"""

from __future__ import annotations

import ast
from pathlib import Path

import microcosm_sqlite

PACKAGE = Path(microcosm_sqlite.__file__).parent


def undocumented(path: Path, root: Path = PACKAGE.parent) -> list[str]:
    """Public definitions of one module, nested ones in public classes too, with no docstring."""
    missing: list[str] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if child.name.startswith("_"):
                    continue
                if ast.get_docstring(child) is None:
                    where = f"{path.relative_to(root)}:{child.lineno}"
                    missing.append(f"{where} {prefix}{child.name}")
                if isinstance(child, ast.ClassDef):
                    visit(child, f"{prefix}{child.name}.")

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return missing


def private_modules() -> list[Path]:
    """The package's modules with a part of their name starting with `_` (`__init__` aside)."""
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if any(
            part.startswith("_") and not part.startswith("__")
            for part in path.relative_to(PACKAGE).with_suffix("").parts
        )
    ]


def test_every_public_definition_of_a_private_module_has_a_docstring() -> None:
    """No public function, method or class of a private module goes without one."""
    modules = private_modules()

    assert len(modules) > 20
    assert [line for module in modules for line in undocumented(module)] == []


def test_the_check_finds_a_missing_docstring(tmp_path: Path) -> None:
    """The check itself sees a public method without a docstring inside a public class."""
    module = tmp_path / "probe.py"
    module.write_text(
        'class Shown:\n    """Here."""\n\n    def hidden(self):\n        pass\n'
        "\ndef _private():\n    pass\n"
    )

    assert undocumented(module, tmp_path) == ["probe.py:4 Shown.hidden"]
