"""
2.x's `microcosm_sqlite.dumpers`, kept for this major version: the graph's `sqlite_dumper`
replaces it (see UPGRADING.md).

"""

from __future__ import annotations

from typing import Any

from microcosm_sqlite import compat
from microcosm_sqlite.dumpers.csv import CSVDumper

__all__ = ["CSVDumper", "SQLiteDumper"]


def __getattr__(name: str) -> Any:
    if name == "SQLiteDumper":
        compat.deprecated("microcosm_sqlite.dumpers.SQLiteDumper", "use graph.sqlite_dumper")
        from microcosm_sqlite.compat.dumpers import SQLiteDumper

        return SQLiteDumper
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
