"""
2.x's CSV dumper on top of 3.x's `graph.sqlite_dumper`, deprecated (see UPGRADING.md).

`graph.sqlite_dumper.csv(store).dump(fileobj)` reads the same in both versions and stays 3.x:
the whole table as a source `build` reads back. 2.x's keywords (`items`, `field_names`,
`custom_header`, `extras_action`) and `csv(store, model_cls=...)` warn and write as 2.x did:
chosen rows and columns through `csv.DictWriter`, `str()` of each value, `\\r\\n` line ends.

"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, Literal

from sqlalchemy import inspect, select

from microcosm_sqlite import compat
from microcosm_sqlite.inspection import SQLiteDumper as CoreDumper
from microcosm_sqlite.inspection import StoreDump


class SQLiteDumper(CoreDumper):
    """The graph's `sqlite_dumper`, whose `csv` also takes 2.x's `model_cls` (deprecated)."""

    def csv(self, store: Any, model_cls: type[Any] | None = None) -> CSVDump:
        """3.x's CSV dump of a Store's table, also answering 2.x's `dump` keywords."""
        if model_cls is not None:
            compat.deprecated(
                "graph.sqlite_dumper.csv(store, model_cls=...)", "dump a store of that model"
            )
        return CSVDump(self.graph, store, model_cls)


class CSVDump(StoreDump):
    """A CSV dump of a Store's table: 3.x's, unless 2.x's keywords are given."""

    def __init__(self, graph: Any, store: Any, model_cls: type[Any] | None = None) -> None:
        super().__init__(graph, store, "csv")
        if model_cls is not None:
            self.model = model_cls

    def dump(
        self,
        fileobj: IO[str] | IO[bytes],
        items: Iterable[Any] | None = None,
        field_names: Iterable[str] | None = None,
        extras_action: Literal["raise", "ignore"] | None = None,
        custom_header: Mapping[str, str] | None = None,
    ) -> int:
        """Write the rows; returns how many (2.x returned None)."""
        given = dict(
            items=items,
            field_names=field_names,
            extras_action=extras_action,
            custom_header=custom_header,
        )
        if all(value is None for value in given.values()):
            return super().dump(fileobj)
        keywords = ", ".join(f"{name}=..." for name, value in given.items() if value is not None)
        compat.deprecated(
            f"graph.sqlite_dumper.csv(store).dump(fileobj, {keywords})",
            "write chosen rows with csv.DictWriter; dump(fileobj) writes the whole table",
        )
        keys = [attribute.key for attribute in inspect(self.model).column_attrs]
        writer = csv.DictWriter(
            fileobj,  # type: ignore[arg-type]
            fieldnames=list(field_names) if field_names else keys,
            extrasaction=extras_action or "raise",
        )
        if custom_header:
            writer.writerow(custom_header)
        else:
            writer.writeheader()
        count = 0
        for item in self._all_rows() if items is None else items:
            writer.writerow({key: getattr(item, key) for key in keys})
            count += 1
        return count

    def _all_rows(self) -> Iterator[Any]:
        """Every row of the model, by primary key, read in a session of its own."""
        mapper = inspect(self.model)
        engine = self.graph.sqlite(self.model.__dataset__)
        with engine.new_session() as session:
            yield from session.scalars(select(self.model).order_by(*mapper.primary_key))


class CSVDumper(CSVDump):
    """2.x's `microcosm_sqlite.dumpers.csv.CSVDumper`, deprecated: `graph.sqlite_dumper.csv`."""

    def __init__(self, graph: Any, store: Any, model_cls: type[Any] | None = None) -> None:
        compat.deprecated(
            "microcosm_sqlite.dumpers.csv.CSVDumper", "use graph.sqlite_dumper.csv(store)"
        )
        super().__init__(graph, store, model_cls)
