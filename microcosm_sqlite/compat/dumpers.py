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
from typing import IO, Any

from sqlalchemy import inspect, select

from microcosm_sqlite._legacy import answers
from microcosm_sqlite.compat._deprecation import deprecated
from microcosm_sqlite.components.dumper import StoreDump

__all__ = ["KEYWORDS", "CSVDumper", "write_as_2x"]

KEYWORDS = ("items", "field_names", "extras_action", "custom_header")


@answers("sqlite_dumper.csv(store, model_cls=...)")
def dump_of_model(dump: StoreDump, model_cls: type[Any]) -> None:
    """2.x's `csv(store, model_cls=...)`: the rows of that model, whatever the store's is."""
    deprecated("graph.sqlite_dumper.csv(store, model_cls=...)", "dump a store of that model")
    dump.model = model_cls


@answers("sqlite_dumper.csv(store).dump(fileobj, **keywords)")
def write_as_2x(dump: StoreDump, fileobj: IO[str], keywords: Mapping[str, Any]) -> int:
    """2.x's `dump(fileobj, items=..., field_names=..., ...)`: returns the rows written."""
    unknown = sorted(set(keywords) - set(KEYWORDS))
    if unknown:
        raise TypeError(f"dump() got unexpected keyword(s): {', '.join(unknown)}")
    given = [name for name in KEYWORDS if keywords.get(name) is not None]
    deprecated(
        f"graph.sqlite_dumper.csv(store).dump(fileobj, {', '.join(f'{n}=...' for n in given)})",
        "write chosen rows with csv.DictWriter; dump(fileobj) writes the whole table",
    )
    items: Iterable[Any] | None = keywords.get("items")
    field_names: Iterable[str] | None = keywords.get("field_names")
    custom_header: Mapping[str, str] | None = keywords.get("custom_header")
    keys = [attribute.key for attribute in inspect(dump.model).column_attrs]
    writer = csv.DictWriter(
        fileobj,
        fieldnames=list(field_names) if field_names else keys,
        extrasaction=keywords.get("extras_action") or "raise",
    )
    if custom_header:
        writer.writerow(custom_header)
    else:
        writer.writeheader()
    count = 0
    for item in all_rows(dump) if items is None else items:
        writer.writerow({key: getattr(item, key) for key in keys})
        count += 1
    return count


def all_rows(dump: StoreDump) -> Iterator[Any]:
    """Every row of the dump's model, by primary key, read in a session of its own."""
    mapper = inspect(dump.model)
    engine = dump.graph.sqlite(dump.model.__dataset__)
    with engine.new_session() as session:
        yield from session.scalars(select(dump.model).order_by(*mapper.primary_key))


class CSVDumper(StoreDump):
    """2.x's `microcosm_sqlite.dumpers.csv.CSVDumper`, deprecated: `graph.sqlite_dumper.csv`."""

    def __init__(self, graph: Any, store: Any, model_cls: type[Any] | None = None) -> None:
        deprecated("microcosm_sqlite.dumpers.csv.CSVDumper", "use graph.sqlite_dumper.csv(store)")
        super().__init__(graph, store, "csv")
        if model_cls is not None:
            self.model = model_cls
