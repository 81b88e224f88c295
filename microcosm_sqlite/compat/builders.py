"""
2.x's CSV builder on top of 3.x's `graph.sqlite_builder`, deprecated (see UPGRADING.md).

`graph.sqlite_builder.csv(Model).build(fileobj)` reads the same in both versions and stays 3.x,
but for numbers that 2.x's loader read as Python's `int()` and `float()` read them (`" 1"`): a
load that 3.x refuses only for those loads again with the numbers in plain form, and warns.
2.x's extras (`csv(Base).bulk().build([(Model, fileobj), ...])`, `.default(**values)`,
`delete_before_load`, `commit_on_insert`, `microcosm_sqlite.builders.csv.CSVBuilder`) warn,
then feed 3.x's loader, whose types, checks and single transaction they share: rows are
rewritten as one CSV per model with 2.x's conveniences applied (defaults filled in, columns the
model lacks dropped, numbers read as Python's `int()` and `float()` read them), in the order
they came.

"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from sqlalchemy import Column, Table

from microcosm_sqlite._legacy import answers
from microcosm_sqlite.building.parsing import INTEGER, NUMBER
from microcosm_sqlite.compat._deprecation import deprecated
from microcosm_sqlite.components.builder import ModelWrite, Source, SQLiteBuilder
from microcosm_sqlite.errors import BuildError

__all__ = ["OPTIONS", "CSVBuilder", "CSVLoad", "as_csv", "two_x_text"]

OPTIONS = ("bulk_mode", "commit_on_insert", "delete_before_load")


class CSVLoad(ModelWrite):
    """
    A CSV load in 2.x's style: of a data set's base (`.bulk()` pairs) or of one model, with
    `.default()` values or `delete_before_load`. It ends in 3.x's load of the same rows.

    `commit_on_insert` is accepted and has no effect: a load is one transaction, so a failed
    row leaves nothing behind (2.x kept the rows committed before it).

    """

    def __init__(
        self,
        builder: SQLiteBuilder,
        models: Sequence[type[Any]],
        *,
        bulk_mode: bool = False,
        commit_on_insert: bool = False,
        delete_before_load: bool = False,
    ) -> None:
        super().__init__(
            builder.graph,
            models,
            "csv",
            max_errors=builder.max_errors,
            ignore_unknown_columns=builder.ignore_unknown_columns,
        )
        self.builder = builder
        self.bulk_mode = bulk_mode
        self.commit_on_insert = commit_on_insert
        self.delete_before_load = delete_before_load
        self.defaults: dict[str, Any] = {}

    def bulk(self) -> CSVLoad:
        """2.x: `build` takes one list of (model, fileobj) pairs of the data set, in any order."""
        deprecated("csv(...).bulk()", "name the models: graph.sqlite_builder.csv(A, B).build(a, b)")
        self.bulk_mode = True
        return self

    def default(self, **values: Any) -> CSVLoad:
        """2.x: values for columns the sources leave out, by column name."""
        deprecated("csv(...).default()", "give the models' columns a default=")
        self.defaults.update(values)
        return self

    def build(self, *sources: Any) -> dict[str, int]:
        """Load the sources; returns the rows loaded per table (2.x returned None)."""
        if self.bulk_mode:
            if len(sources) != 1:
                raise TypeError("a bulk build takes one list of (model, fileobj) pairs")
            pairs: list[tuple[type[Any], IO[str]]] = list(sources[0])
        else:
            if len(self.models) != 1 or not hasattr(self.models[0], "__table__"):
                raise TypeError(
                    "csv(Base) loads (model, fileobj) pairs: call .bulk() before .build()"
                )
            if len(sources) != 1:
                raise TypeError("a 2.x build takes one fileobj")
            pairs = [(self.models[0], sources[0])]
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
        counts: dict[str, int] = self.builder.csv(*models).build(*streams)
        return counts

    def _rows(self, table: Table, fileobj: IO[str]) -> Iterable[dict[str, Any]]:
        """2.x's rows: defaults, overridden by the file's values; columns not in the table go."""
        readers = {column.name: two_x_reader(column) for column in table.columns}
        for row in csv.DictReader(fileobj):
            values = {**self.defaults, **row}
            yield {name: readers[name](value) for name, value in values.items() if name in readers}

    def _delete_rows(self, models: list[type[Any]]) -> None:
        """
        2.x's `delete_before_load`: empty the tables first. In a transaction of its own, as
        3.x's load takes a connection of its own: a load that then fails leaves them empty.

        """
        engine = self.graph.sqlite(models[0].__dataset__)
        engine.refuse_write(f"empty {', '.join(model.__name__ for model in models)}")
        tables: list[Table] = [model.__table__ for model in models]
        tables[0].metadata.create_all(engine.engine, tables=tables, checkfirst=True)
        with engine.translating_errors(), engine.engine.begin() as connection:
            # rows of one table may refer to another's: check only once all are gone
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            for table in tables:
                connection.execute(table.delete())


def two_x_reader(column: Column[Any]) -> Callable[[Any], Any]:
    """How 2.x read a CSV field for this column: numbers as Python reads them, the rest as is."""
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return two_x_text
    if kind is int:
        return lambda value: two_x_text(value, INTEGER, int)
    if kind is float:
        return lambda value: two_x_text(value, NUMBER, float)
    if kind is Decimal:
        return lambda value: two_x_text(value, NUMBER, lambda text: Decimal(text.strip()))
    return two_x_text


def two_x_text(
    value: Any, plain: re.Pattern[str] | None = None, read: Callable[[str], Any] | None = None
) -> Any:
    """
    A field as 3.x's loader takes it: a number not in `plain` form that `read` accepts
    (`int(" 1")`, as 2.x's loader did) in plain form; anything else unchanged, for 3.x to accept
    or refuse.

    """
    if read is None or plain is None or not isinstance(value, str) or not value.strip():
        return value
    if plain.fullmatch(value):
        return value
    try:
        return str(read(value))
    except (ValueError, InvalidOperation):
        return value


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


@answers("graph.sqlite_builder.csv(Base, **options)")
def two_x_load(
    builder: SQLiteBuilder, models: Sequence[type[Any]], options: Mapping[str, bool]
) -> CSVLoad:
    """2.x's `csv(...)`: its keywords, or a data set's base in place of models."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise TypeError(f"csv() got unexpected keyword(s): {', '.join(unknown)}")
    if options:
        deprecated(
            f"graph.sqlite_builder.csv(..., {'=, '.join(sorted(options))}=)",
            "graph.sqlite_builder.csv(Model).build(fileobj) loads in one transaction;"
            " empty tables with Base.recreate_all(graph)",
        )
    if any(not hasattr(model, "__table__") for model in models):
        deprecated(
            "graph.sqlite_builder.csv(Base)",
            "name the models: graph.sqlite_builder.csv(Country, City).build(countries, cities)",
        )
    return CSVLoad(builder, models, **options)


def two_x_extra(name: str) -> None:
    """Register the answer to 2.x's `csv(Model).<name>`: that of 2.x's load of the model."""

    @answers(f"csv(...).{name}")
    def answer(write: ModelWrite) -> Any:
        builder = SQLiteBuilder(
            write.graph,
            max_errors=write.max_errors,
            ignore_unknown_columns=write.ignore_unknown_columns,
        )
        return getattr(CSVLoad(builder, write.models), name)


for extra in ("bulk", "default"):
    two_x_extra(extra)


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
        deprecated(
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


@answers("sqlite_builder CSV numbers as 2.x read them")
def load_with_2x_numbers(write: ModelWrite, sources: Sequence[Source], error: BuildError) -> Any:
    """
    A CSV load 3.x refused: again, with every number 2.x's loader read (`int(" 1")`) in plain
    form, when there is one and every source can be read again (a path, or a stream that can
    seek back to its start); otherwise 3.x's refusal stands.

    """
    rewritten = [
        plain_numbers(model.__table__, source)
        for model, source in zip(write.models, sources, strict=True)
    ]
    if not any(changed for _, changed in rewritten) or any(
        stream is None for stream, _ in rewritten
    ):
        raise error
    deprecated(
        "CSV sources whose numbers have spaces around them (as Python's int() reads them)"
        " in graph.sqlite_builder loads",
        "write plain numbers: microcosm-sqlite build refuses them",
    )
    return write.load([stream for stream, _ in rewritten if stream is not None])


def plain_numbers(table: Table, source: Source) -> tuple[IO[str] | None, bool]:
    """A CSV source again, numbers as 2.x read them, and whether any changed; None if unreadable."""
    text = source_text(source)
    if text is None:
        return None, False
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        return io.StringIO(text), False
    readers = {column.name: two_x_reader(column) for column in table.columns}
    read = [readers.get(name, two_x_text) for name in rows[0]]
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(rows[0])
    changed = False
    for row in rows[1:]:
        plain = [reader(value) for reader, value in zip(read, row, strict=False)]
        plain += row[len(plain) :]
        changed = changed or plain != row
        writer.writerow(plain)
    stream.seek(0)
    return stream, changed


def source_text(source: Source) -> str | None:
    """The whole text of a source read again from its start, or None when it cannot be."""
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8-sig", newline="") as file:
            return file.read()
    if not source.seekable():
        return None
    source.seek(0)
    content = source.read()
    return content.decode("utf-8-sig") if isinstance(content, bytes) else content
