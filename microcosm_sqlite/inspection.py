"""
The graph's `sqlite_dumper`: a Store's rows written as sources, through `tools.dump`.

`inspect`, `verify` and `dump` themselves are `microcosm_sqlite.tools`.

"""

from __future__ import annotations

import io
import sqlite3
from typing import IO, Any

from microcosm_sqlite.tools.dump import DumpFormat, dump_table

__all__ = ["SQLiteDumper", "StoreDump"]


# --- the graph's dumper ---------------------------------------------------------------------


class StoreDump:
    """A pending dump of one Store's table: call `dump(fileobj)`."""

    def __init__(self, graph: Any, store: Any, format: DumpFormat) -> None:
        self.graph = graph
        self.model: Any = store.model_class
        self.format = format

    def dump(self, fileobj: IO[str] | IO[bytes]) -> int:
        """Write every row of the store's table as a source `build` accepts; returns the count."""
        engine = self.graph.sqlite(self.model.__dataset__)
        table: str = self.model.__table__.name
        stream: Any = fileobj
        with engine.translating_errors(), engine.engine.connect() as connection:
            raw: sqlite3.Connection = connection.connection.driver_connection
            artifact = engine.path
            if isinstance(stream, io.TextIOBase):
                text_stream: IO[str] = stream  # type: ignore[assignment]
                return dump_table(raw, table, text_stream, self.format, artifact=artifact)
            text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
            try:
                return dump_table(raw, table, text, self.format, artifact=artifact)
            finally:
                text.flush()
                text.detach()


class SQLiteDumper:
    """
    The graph's `sqlite_dumper`: writes a Store's rows as sources.

        graph.sqlite_dumper.csv(CountryStore(graph)).dump(fileobj)

    """

    def __init__(self, graph: Any) -> None:
        self.graph = graph

    def csv(self, store: Any) -> StoreDump:
        """A CSV dump of a Store's table (a Store instance or class)."""
        return StoreDump(self.graph, store, "csv")

    def jsonl(self, store: Any) -> StoreDump:
        """A JSON Lines dump of a Store's table (a Store instance or class)."""
        return StoreDump(self.graph, store, "jsonl")
