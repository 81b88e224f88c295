"""
Models drafted from sources: `microcosm-sqlite models SOURCES` writes a typed models module
for the CSV and JSON Lines files a data set starts from.

Each column's type comes from every value read, by the build's own conversion rules
(`_types`), so the drafted models build from the same sources; keys, foreign keys and enums
are proposed from the values and the names (`_keys`); the module is written in the style of
the docs, with a comment beside each guess that could go either way (`_writing`).

Large sources are sampled, not read whole: the first `sample_rows` rows of each file
(100,000 by default) are read and nothing after them, so drafting stays quick and its memory
bounded whatever the file's size. A guess the rest of the file contradicts (a value of another
type, a duplicate key, a foreign key with no target) fails the build, which reads every row,
with its file, line and column.

"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from microcosm_sqlite.tools.drafting._errors import DraftError
from microcosm_sqlite.tools.drafting._keys import (
    Column,
    Table,
    choose_primary_key,
    propose_enum,
    propose_foreign_keys,
)
from microcosm_sqlite.tools.drafting._reading import find_source_files, read_sample
from microcosm_sqlite.tools.drafting._types import infer_type
from microcosm_sqlite.tools.drafting._writing import write_module

__all__ = ["DEFAULT_SAMPLE_ROWS", "Column", "DraftError", "Table", "draft_models", "draft_tables"]

DEFAULT_SAMPLE_ROWS = 100_000


def draft_tables(
    sources: Iterable[str | Path], *, sample_rows: int | None = DEFAULT_SAMPLE_ROWS
) -> list[Table]:
    """
    The tables drafted from sources: directories of `<table>.csv`/`<table>.jsonl` files, or
    such files. `sample_rows` rows of each are read (None: all). Raises `DraftError`.

    """
    tables = []
    for source in find_source_files(Path(path) for path in sources):
        sample = read_sample(source, sample_rows)
        columns = [
            Column(name, infer_type(name, values, source.format == "csv"))
            for name, values in sample.columns.items()
        ]
        table = Table(source.table, source.path.name, sample.rows, sample.complete, columns)
        if sample.rows == 0:
            raise DraftError(f"{source.path}: no rows to draft from")
        choose_primary_key(table)
        tables.append(table)
    propose_foreign_keys(tables)
    for table in tables:
        for column in table.columns:
            propose_enum(table, column)
    return tables


def draft_models(
    sources: Iterable[str | Path],
    *,
    dataset: str,
    sample_rows: int | None = DEFAULT_SAMPLE_ROWS,
    build_command: str | None = None,
) -> str:
    """
    A models module for the data set `dataset` drafted from sources (see `draft_tables`).

    `build_command` is the command the module's docstring shows for building it.

    """
    given = [Path(path) for path in sources]
    tables = draft_tables(given, sample_rows=sample_rows)
    if build_command is None:
        shown = " ".join(str(path) for path in given)
        build_command = f"microcosm-sqlite build MODULE {shown} -o {dataset}.sqlite"
    return write_module(dataset, tables, build_command)
