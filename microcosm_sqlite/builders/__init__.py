"""
2.x's `microcosm_sqlite.builders`, kept for this major version: the graph's `sqlite_builder`
replaces it (see UPGRADING.md).

"""

from __future__ import annotations

from typing import Any

from microcosm_sqlite.builders.csv import CSVBuilder
from microcosm_sqlite.compat import deprecated
from microcosm_sqlite.components.builder import SQLiteBuilder as _SQLiteBuilder

__all__ = ["CSVBuilder", "SQLiteBuilder"]


def __getattr__(name: str) -> Any:
    if name == "SQLiteBuilder":
        deprecated("microcosm_sqlite.builders.SQLiteBuilder", "use graph.sqlite_builder")
        return _SQLiteBuilder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
