"""
2.x's `microcosm_sqlite.dumpers`, kept for this major version: the graph's `sqlite_dumper`
replaces it (see UPGRADING.md).

"""

from __future__ import annotations

from typing import Any

from microcosm_sqlite.compat import deprecated
from microcosm_sqlite.components.dumper import SQLiteDumper as _SQLiteDumper
from microcosm_sqlite.dumpers.csv import CSVDumper

__all__ = ["CSVDumper", "SQLiteDumper"]


def __getattr__(name: str) -> Any:
    if name == "SQLiteDumper":
        deprecated("microcosm_sqlite.dumpers.SQLiteDumper", "use graph.sqlite_dumper")
        return _SQLiteDumper
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
