"""
The package's import graph has no cycle: no module reaches back to itself through its imports,
whether they sit at module level, inside a function or under `if TYPE_CHECKING:`.

The layer contracts (`lint-imports`, in `make lint`) check imports between packages; this test
checks every module, a package's `__init__` and its own modules included.

"""

from __future__ import annotations

import grimp

PACKAGE = "microcosm_sqlite"


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """The graph's import cycles: each set of modules that import each other, sorted (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == module:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return sorted(found)


def test_no_module_imports_itself_through_others() -> None:
    """Every import, type-only and function-level ones too, leads away and never back."""
    cycles = strongly_connected(grimp.build_graph(PACKAGE))

    assert cycles == []


def test_the_search_finds_a_cycle() -> None:
    """The search itself reports two modules that import each other, and nothing else."""
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.a")
    graph.add_import(importer="pkg.c", imported="pkg.a")

    assert strongly_connected(graph) == [["pkg.a", "pkg.b"]]
