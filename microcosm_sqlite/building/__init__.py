"""
The offline build: CSV and JSON Lines sources, or rows held in Python, in; a checked,
reproducible SQLite artifact out.

The modules follow the data's way: `source_files` (which file feeds which table) ->
`sources`, `csv_source`, `jsonl_source`, `rows` (reading rows) -> `conversion` (typed values,
defaults) -> `writing` (rows into tables) -> `builder` (the steps in order), with `schema`
(models, load order, DDL) and `problems` (what a build reports) beside them. The graph's
`sqlite_builder` is `microcosm_sqlite.components.builder`. The files themselves (temporary
files, atomic replace, the checks of the finished file) are `microcosm_sqlite.artifact`'s.

"""

from microcosm_sqlite.building.builder import (
    BuildProgress,
    BuildReport,
    build_artifact,
    build_from_rows,
)
from microcosm_sqlite.building.schema import find_base

__all__ = [
    "BuildProgress",
    "BuildReport",
    "build_artifact",
    "build_from_rows",
    "find_base",
]
