"""
2.x's `microcosm_sqlite.builders.csv`, kept for this major version: `CSVBuilder` warns and
loads through `graph.sqlite_builder` (see UPGRADING.md).

"""

from microcosm_sqlite.compat.builders import CSVBuilder

__all__ = ["CSVBuilder"]
