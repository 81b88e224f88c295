"""
The graph's `sqlite_builder`: writes CSV or JSON Lines sources into writable data sets
(tests, tools), through the same table writer as the offline build.

This is where the build meets the runtime: it finds the data set's engine in the graph,
refuses read-only data sets, creates missing tables, and hands `writing.write_sources` the
engine's plain sqlite3 connection. 2.x's options (`csv(Base).bulk()`, `.default()`,
`delete_before_load`...) reach `microcosm_sqlite.compat` through `microcosm_sqlite._legacy`.

"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import Table

from microcosm_sqlite._legacy import LegacyMember, legacy
from microcosm_sqlite.building.problems import Problems
from microcosm_sqlite.building.source_files import SourceFormat, open_source
from microcosm_sqlite.building.writing import write_sources
from microcosm_sqlite.errors import BuildError
from microcosm_sqlite.formatting import plural

__all__ = ["ModelWrite", "SQLiteBuilder", "Source"]

# a source: a stream, or the path of a file
Source = IO[str] | IO[bytes] | str | os.PathLike[str]


class ModelWrite:
    """A pending write of some models' rows into a writable data set: call `build`."""

    if not TYPE_CHECKING:  # 2.x's, deprecated: answered by microcosm_sqlite.compat
        bulk = LegacyMember("csv(...).bulk")
        default = LegacyMember("csv(...).default")

    def __init__(
        self,
        graph: Any,
        models: Sequence[type[Any]],
        format: SourceFormat,
        *,
        max_errors: int,
        ignore_unknown_columns: bool,
    ) -> None:
        if not models:
            raise ValueError("name at least one model to load")
        datasets = {model.__dataset__ for model in models}
        if len(datasets) != 1:
            raise ValueError(
                f"models of one data set load together, not {', '.join(sorted(datasets))}"
            )
        self.graph = graph
        self.models = tuple(models)
        self.dataset: str = datasets.pop()
        self.format = format
        self.max_errors = max_errors
        self.ignore_unknown_columns = ignore_unknown_columns

    def build(self, *sources: Source) -> dict[str, int]:
        """
        Write one source per model (in the models' order) in one transaction.

        Tables are created when missing. Nothing is kept unless every row of every source
        goes in; returns the rows written per table. Raises `ValueError` for a count of
        sources that is not the models', `ReadOnlyDataSetError` for a read-only data set,
        and `BuildError` with the problems found.

        """
        if len(sources) != len(self.models):
            need = "needs" if len(self.models) == 1 else "need"
            raise ValueError(
                f"{plural(len(self.models), 'model')} {need} as many sources, got {len(sources)}"
            )
        try:
            return self.load(sources)
        except BuildError as error:
            if self.format != "csv":
                raise
            # 2.x's loader read numbers as Python's int() reads them (" 1"); deprecated
            counts: dict[str, int] = legacy("sqlite_builder CSV numbers as 2.x read them")(
                self, sources, error
            )
            return counts

    def load(self, sources: Sequence[Source]) -> dict[str, int]:
        """`build`'s work, once its sources are counted."""
        engine = self.graph.sqlite(self.dataset)
        names = ", ".join(model.__name__ for model in self.models)
        engine.refuse_write(f"load {names}")
        tables: list[Table] = [model.__table__ for model in self.models]
        tables[0].metadata.create_all(engine.engine, tables=tables, checkfirst=True)
        dialect = engine.engine.dialect
        by_table = {
            table.name: open_source(
                table,
                dialect,
                source,
                self.format,
                ignore_unknown_columns=self.ignore_unknown_columns,
            )
            for table, source in zip(tables, sources, strict=True)
        }
        problems = Problems(limit=max(1, self.max_errors))
        raw = engine.engine.raw_connection()
        try:
            connection: sqlite3.Connection = raw.driver_connection
            return write_sources(connection, by_table, problems, dict(dataset=self.dataset))
        finally:
            raw.close()


class SQLiteBuilder:
    """
    The graph's `sqlite_builder`: loads sources into writable data sets (tests, tools).

        graph.sqlite_builder.csv(Country).build(countries_csv)
        graph.sqlite_builder.csv(Country, Airport).build(countries_csv, airports_csv)

    """

    def __init__(
        self, graph: Any, *, max_errors: int = 20, ignore_unknown_columns: bool = False
    ) -> None:
        self.graph = graph
        self.max_errors = max_errors
        self.ignore_unknown_columns = ignore_unknown_columns

    def csv(self, *models: type[Any], **options: bool) -> ModelWrite:
        """
        A write of these models from CSV streams or paths, one per model. `options`, or a data
        set's base in place of models, are 2.x's (`bulk_mode`, `commit_on_insert`,
        `delete_before_load`), deprecated.

        """
        if options or any(not hasattr(model, "__table__") for model in models):
            write: ModelWrite = legacy("graph.sqlite_builder.csv(Base, **options)")(
                self, models, options
            )
            return write
        return self._write(models, "csv")

    def jsonl(self, *models: type[Any]) -> ModelWrite:
        """A write of these models from JSON Lines streams or paths, one per model."""
        return self._write(models, "jsonl")

    def _write(self, models: Sequence[type[Any]], format: SourceFormat) -> ModelWrite:
        return ModelWrite(
            self.graph,
            models,
            format,
            max_errors=self.max_errors,
            ignore_unknown_columns=self.ignore_unknown_columns,
        )
