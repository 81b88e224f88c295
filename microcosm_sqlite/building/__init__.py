"""
The offline build: CSV and JSON Lines sources, or rows held in Python, in; a checked,
reproducible SQLite artifact out.

    from microcosm_sqlite.building import build_artifact, build_from_rows

The modules follow the data's way: `source_files` (which file feeds which table) ->
`sources`, `csv_source`, `jsonl_source`, `rows` (reading rows) -> `conversion` (typed values,
defaults) -> `writing` (rows into tables) -> `loading` (schema, rows and indexes into the
temporary file) -> `builder` (the steps in order), with `schema` (load order, DDL),
`problems` (what a build reports) and `progress` (how far it is) beside them. The files
themselves (temporary files, atomic replace, the manifest, the checks of the finished file)
are `microcosm_sqlite.artifact`'s; the graph's `sqlite_builder` is
`microcosm_sqlite.components.builder`. The build never imports the runtime, nor the runtime it.

"""

from microcosm_sqlite.building.builder import BuildReport, build_artifact, build_from_rows
from microcosm_sqlite.building.progress import BuildProgress

__all__ = [
    "BuildProgress",
    "BuildReport",
    "build_artifact",
    "build_from_rows",
]
