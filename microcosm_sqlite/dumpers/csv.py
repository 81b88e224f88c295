"""
2.x's `microcosm_sqlite.dumpers.csv`, kept for this major version: `CSVDumper` warns and
writes as 2.x did (see UPGRADING.md).

"""

from microcosm_sqlite.compat.dumpers import CSVDumper

__all__ = ["CSVDumper"]
