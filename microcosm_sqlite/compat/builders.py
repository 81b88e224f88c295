"""
2.x's CSV builder on top of 3.x's `graph.sqlite_builder`, deprecated (see UPGRADING.md).

`graph.sqlite_builder.csv(Model).build(fileobj)` reads the same in both versions and stays 3.x.
2.x's extras (`csv(Base).bulk().build([(Model, fileobj), ...])`, `.default(**values)`,
`delete_before_load`, `commit_on_insert`) warn, then feed 3.x's loader, whose types, checks and
single transaction they share: rows are rewritten as one CSV per model with 2.x's conveniences
applied (defaults filled in, columns the model lacks dropped), in the order they came.

"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO, Any

from sqlalchemy import Table

from microcosm_sqlite import compat
from microcosm_sqlite.building.component import SQLiteBuilder as CoreBuilder

OPTIONS = ("bulk_mode", "commit_on_insert", "delete_before_load")


class SQLiteBuilder(CoreBuilder):
    """The graph's `sqlite_builder`, whose `csv` also takes 2.x's options (deprecated)."""

    def csv(self, *models: type[Any], **options: bool) -> Any:
        """
        3.x's load of these models, also answering 2.x's `.bulk()` and `.default()`; 2.x's
        keywords, or a data set's base in place of models, make a 2.x load.

        """
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise TypeError(f"csv() got unexpected keyword(s): {', '.join(unknown)}")
        if options:
            compat.deprecated(
                f"graph.sqlite_builder.csv(..., {'=, '.join(sorted(options))}=)",
                "graph.sqlite_builder.csv(Model).build(fileobj) loads in one transaction;"
                " empty tables with Base.recreate_all(graph)",
            )
        if any(not hasattr(model, "__table__") for model in models):
            compat.deprecated(
                "graph.sqlite_builder.csv(Base)",
                "name the models: graph.sqlite_builder.csv(Country, City).build(countries, cities)",
            )
        return CSVLoad(self, models, **options)


class CSVLoad:
    """
    A CSV load of some models: 3.x's `build(*sources)`, unless 2.x's options are in play.

    `commit_on_insert` is accepted and has no effect: a load is one transaction, so a failed
    row leaves nothing behind (2.x kept the rows committed before it).

    """

    def __init__(
        self,
        builder: CoreBuilder,
        models: Iterable[type[Any]],
        *,
        bulk_mode: bool = False,
        commit_on_insert: bool = False,
        delete_before_load: bool = False,
    ) -> None:
        self.builder = builder
        self.models = tuple(models)
        self.bulk_mode = bulk_mode
        self.commit_on_insert = commit_on_insert
        self.delete_before_load = delete_before_load
        self.defaults: dict[str, Any] = {}
        if all(hasattr(model, "__table__") for model in self.models):
            # 3.x's checks of the models, at once, as for any 3.x load
            self.load = CoreBuilder.csv(builder, *self.models)

    def bulk(self) -> CSVLoad:
        """2.x: `build` takes one list of (model, fileobj) pairs of the data set, in any order."""
        compat.deprecated(
            "csv(...).bulk()", "name the models: graph.sqlite_builder.csv(A, B).build(a, b)"
        )
        self.bulk_mode = True
        return self

    def default(self, **values: Any) -> CSVLoad:
        """2.x: values for columns the sources leave out, by column name."""
        compat.deprecated("csv(...).default()", "give the models' columns a default=")
        self.defaults.update(values)
        return self

    def build(self, *sources: Any) -> dict[str, int]:
        """Load the sources; returns the rows loaded per table (2.x returned None)."""
        if self.bulk_mode:
            if len(sources) != 1:
                raise TypeError("a bulk build takes one list of (model, fileobj) pairs")
            pairs: list[tuple[type[Any], IO[str]]] = list(sources[0])
        elif self.defaults or self.delete_before_load or not hasattr(self, "load"):
            if len(self.models) != 1 or not hasattr(self.models[0], "__table__"):
                raise TypeError(
                    "csv(Base) loads (model, fileobj) pairs: call .bulk() before .build()"
                )
            if len(sources) != 1:
                raise TypeError("a 2.x build takes one fileobj")
            pairs = [(self.models[0], sources[0])]
        else:
            counts: dict[str, int] = self.load.build(*sources)
            return counts
        return self._build_pairs(pairs)

    def _build_pairs(self, pairs: list[tuple[type[Any], IO[str]]]) -> dict[str, int]:
        # one CSV per model: 3.x loads a table from one source, and defers foreign keys anyway
        rows: dict[type[Any], list[dict[str, Any]]] = {}
        for model, fileobj in pairs:
            rows.setdefault(model, []).extend(self._rows(model.__table__, fileobj))
        models = list(rows)
        if self.delete_before_load:
            self._delete_rows(models)
        streams = [as_csv(model.__table__, rows[model]) for model in models]
        counts: dict[str, int] = CoreBuilder.csv(self.builder, *models).build(*streams)
        return counts

    def _rows(self, table: Table, fileobj: IO[str]) -> Iterable[dict[str, Any]]:
        """2.x's rows: defaults, overridden by the file's values; columns not in the table go."""
        names = {column.name for column in table.columns}
        for row in csv.DictReader(fileobj):
            values = {**self.defaults, **row}
            yield {name: value for name, value in values.items() if name in names}

    def _delete_rows(self, models: list[type[Any]]) -> None:
        """
        2.x's `delete_before_load`: empty the tables first. In a transaction of its own, as
        3.x's load takes a connection of its own: a load that then fails leaves them empty.

        """
        engine = self.builder.graph.sqlite(models[0].__dataset__)
        engine.refuse_write(f"empty {', '.join(model.__name__ for model in models)}")
        tables: list[Table] = [model.__table__ for model in models]
        tables[0].metadata.create_all(engine.engine, tables=tables, checkfirst=True)
        with engine.translating_errors(), engine.engine.begin() as connection:
            # rows of one table may refer to another's: check only once all are gone
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            for table in tables:
                connection.execute(table.delete())


def as_csv(table: Table, rows: list[dict[str, Any]]) -> IO[str]:
    """Rows as one CSV stream with every column any row names, in the table's order."""
    named = {name for row in rows for name in row}
    header = [column.name for column in table.columns if column.name in named or not rows]
    stream = io.StringIO()
    # a field missing from a row (a short line reads as None) is empty: NULL, as 2.x loaded it
    writer = csv.DictWriter(stream, fieldnames=header, restval="")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: "" if value is None else value for name, value in row.items()})
    stream.seek(0)
    return stream


class CSVBuilder(CSVLoad):
    """2.x's `microcosm_sqlite.builders.csv.CSVBuilder`, deprecated: `graph.sqlite_builder.csv`."""

    def __init__(
        self,
        graph: Any,
        model_cls: type[Any],
        bulk_mode: bool = False,
        commit_on_insert: bool = False,
        delete_before_load: bool = False,
    ) -> None:
        compat.deprecated(
            "microcosm_sqlite.builders.csv.CSVBuilder",
            "use graph.sqlite_builder.csv(Model, ...).build(fileobj, ...)",
        )
        super().__init__(
            graph.sqlite_builder,
            (model_cls,),
            bulk_mode=bulk_mode,
            commit_on_insert=commit_on_insert,
            delete_before_load=delete_before_load,
        )
