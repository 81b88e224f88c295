"""
Raw rows -> model instances, without the ORM's query machinery: the read hot path.

The ORM loads a row through layers built for arbitrary queries, and gives every instance a
state object with a weak reference, a set and a dict: objects the garbage collector walks
again and again while results are held. For plain mappers (one table, plain columns) of data
that cannot change, a row maps straight onto a new instance whose `__dict__` holds the column
values and the mark of the session that read it, which keeps a weak reference to it: two
objects for the collector, not eight. The ORM state comes later, if asked for (`sessions`).

Column attributes never ask for it: SQLAlchemy reads them straight from `__dict__`. Only
mappers that `RowReader.supports` accepts are read so; everything else takes the ORM path.

"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Column, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapper

from microcosm_sqlite._generated_code import compile_generated
from microcosm_sqlite._keys import PrimaryKey
from microcosm_sqlite._sqla_internals import has_load_listeners, identity_class, identity_states
from microcosm_sqlite.errors import UnreadableValueError
from microcosm_sqlite.reading.sessions import SESSION_MARK_KEY, FastReadSession, dataset_base

__all__ = ["RowReader"]

# relationship loading that leaves the attribute to load on first access, as ours does
LAZY_STRATEGIES = frozenset({"select", True, "raise", "raise_on_sql", "noload"})


class RowReader:
    """Reads rows of one model's columns, in `columns` order, as instances of one session."""

    def __init__(
        self, model: type[Any], dialect: Dialect, context: dict[str, str] | None = None
    ) -> None:
        mapper: Mapper[Any] = inspect(model)
        self.model = model
        # the data set, path and origin that errors name
        self.context = context or {"dataset": getattr(model, "__dataset__", "?")}
        self.mapper = mapper
        columns: Any = tuple(prop.columns[0] for prop in mapper.column_attrs)
        self.columns: tuple[Column[Any], ...] = columns
        self.keys = tuple(prop.key for prop in mapper.column_attrs)
        primary_key = PrimaryKey.of(model).columns
        self.key_positions = tuple(
            next(index for index, column in enumerate(self.columns) if column is key)
            for key in primary_key
        )
        preparer: Any = dialect.identifier_preparer  # untyped in SQLAlchemy 2.0
        selected = ", ".join(preparer.format_column(column) for column in self.columns)
        select = f"SELECT {selected} FROM {preparer.format_table(mapper.local_table)} WHERE "
        key_names = [preparer.format_column(column) for column in primary_key]
        # the one statement `get` runs, with the primary key as positional parameters
        self.get_sql = select + " AND ".join(f"{name} = ?" for name in key_names)
        # `get_many`'s statement, followed by as many placeholders as keys
        self.in_sql = select + f"{key_names[0]} IN "
        self.processors: dict[int, Callable[[Any], Any]] = {
            index: processor
            for index, column in enumerate(self.columns)
            if (processor := column.type.dialect_impl(dialect).result_processor(dialect, None))
        }
        self.key_processors = tuple(
            column.type.dialect_impl(dialect).bind_processor(dialect) for column in primary_key
        )
        # keys whose types store values as given (integers, strings) skip per-value processing
        self.plain_key = not any(self.key_processors)
        self.single_key = len(self.key_positions) == 1
        # the builders' source, and the pseudo-file tracebacks and debuggers show it under
        self.source = self.builders_source()
        self.build_one, self.build_all = self.compile_builders()

    @staticmethod
    def supports(model: type[Any]) -> bool:
        """
        Plain one-table mappers of plain columns, with no load-time hooks or eager loads, of a
        data set's base (which can defer their ORM state: `sessions.defer_states`).

        """
        mapper: Mapper[Any] = inspect(model)
        return (
            dataset_base(model) is not None
            and mapper.inherits is None
            and not mapper.polymorphic_map
            and mapper.with_polymorphic is None
            and all(
                len(prop.columns) == 1
                and isinstance(prop.columns[0], Column)
                and prop.columns[0].table is mapper.local_table
                and not prop.deferred
                for prop in mapper.column_attrs
            )
            and all(relationship.lazy in LAZY_STRATEGIES for relationship in mapper.relationships)
            and not has_load_listeners(mapper)
        )

    # --- reads -----------------------------------------------------------------------------

    def get(self, session: FastReadSession, connection: sqlite3.Connection, key: Any) -> Any:
        """The instance with this primary key, read on a DB-API connection, or None."""
        row = connection.execute(self.get_sql, self.key_parameters(key)).fetchone()
        if row is None:
            return None
        return self.build_one(row, *self.known_to(session))

    def get_many(
        self, session: FastReadSession, connection: sqlite3.Connection, keys: Sequence[Any]
    ) -> Iterator[tuple[Any, Any]]:
        """(key, instance) for each of these distinct single-column keys that has a row."""
        stored = self.stored_keys(keys)
        placeholders = ", ".join("?" * len(stored))
        rows = connection.execute(f"{self.in_sql}({placeholders})", stored).fetchall()
        position = self.key_positions[0]
        # stored form -> the keys as given (they differ for types such as enums and decimals,
        # and `7` and `"7"` may name one row of a decimal key)
        given: dict[Any, list[Any]] = {}
        if stored is not keys:
            for stored_key, key in zip(stored, keys, strict=True):
                given.setdefault(stored_key, []).append(key)
        instances = self.instances(session, rows)
        for row, instance in zip(rows, instances, strict=True):
            stored_key = row[position]
            for key in given.get(stored_key, (stored_key,)):
                yield key, instance

    def instances(
        self, session: FastReadSession, rows: Iterable[Sequence[Any]], remember: bool = True
    ) -> Iterator[Any]:
        """
        Instances for raw rows, in row order: the one the session already has, or a new one,
        which the session remembers unless told not to (a stream of the whole table).

        """
        return self.build_all(rows, *self.known_to(session), remember)

    def known_to(self, session: FastReadSession) -> tuple[Any, ...]:
        """What the builders look rows up in, and mark new instances with: `fast, holds, known,
        mark`. The session's record is pruned here, once per read."""
        fast = session.instances_of(self.model)
        fast.prune()
        return fast, session.holds, identity_states(session.identity_map), session.mark

    # --- keys ------------------------------------------------------------------------------

    def key_parameters(self, key: Any) -> tuple[Any, ...]:
        """`get_sql`'s parameters for a key (a tuple for composite keys), as stored."""
        values = key if isinstance(key, tuple) else (key,)
        if self.plain_key:
            return values
        return tuple(
            value if processor is None or value is None else processor(value)
            for processor, value in zip(self.key_processors, values, strict=True)
        )

    def stored_keys(self, keys: Sequence[Any]) -> Sequence[Any]:
        """Single-column keys as the column type stores them."""
        processor = self.key_processors[0]
        if processor is None:
            return keys
        return [None if key is None else processor(key) for key in keys]

    # --- generated builders ----------------------------------------------------------------

    def builders_source(self) -> str:
        """
        `build_one(row, fast, holds, known, mark)` and `build_all(rows, fast, holds, known,
        mark, remember)`, written out for this model's columns: a row is unpacked into locals,
        processed, and becomes an instance's `__dict__` in one dict display, with no
        per-column loop. `fast` is the session's `FastInstances` for the model (entries count
        only while the session `holds` them), `known` the identity map's dict of states.

        """
        names = [f"v{index}" for index in range(len(self.columns))]
        unpack = ", ".join(names) + ("," if len(names) == 1 else "")
        process = [f"{names[index]} = p{index}({names[index]})" for index in self.processors]
        if process:
            # a value its type cannot read (a damaged file) fails naming the column
            process = [
                "try:",
                *(f"    {line}" for line in process),
                "except Exception as error:",
                "    raise unreadable(row, error) from error",
            ]
        key = ", ".join(names[position] for position in self.key_positions)
        identity = f"({key},)" if self.single_key else f"({key})"
        registry_key = key if self.single_key else f"({key})"
        values = ", ".join(
            f"{attribute!r}: {name}" for attribute, name in zip(self.keys, names, strict=True)
        )
        make = [
            "instance = new(model)",
            f"instance.__dict__ = {{{values}, {SESSION_MARK_KEY!r}: mark}}",
        ]
        return f"""\
def build_one(row, fast, holds, known, mark):
    {unpack} = row{block(process, 1)}
    ref = fast.get({registry_key})
    instance = None if ref is None else ref()
    if instance is not None and holds(instance):
        return instance
    state = known.get((identity_class, {identity}, None)) if known else None
    if state is not None:
        instance = state.obj()
        if instance is not None:
            return instance{block(make, 1)}
    fast[{registry_key}] = weak(instance)
    return instance


def build_all(rows, fast, holds, known, mark, remember):
    for row in rows:
        {unpack} = row{block(process, 2)}
        ref = fast.get({registry_key}) if fast else None
        instance = None if ref is None else ref()
        if instance is None or not holds(instance):
            # the identity map holds only what the ORM loaded or state was built for: often
            # nothing, and then there is no key to build
            state = known.get((identity_class, {identity}, None)) if known else None
            if state is None or (instance := state.obj()) is None:{block(make, 4)}
                if remember:
                    fast[{registry_key}] = weak(instance)
        yield instance
"""

    def compile_builders(self) -> tuple[Callable[..., Any], Callable[..., Iterator[Any]]]:
        """`build_one` and `build_all` compiled from `source`, which tracebacks show."""
        namespace: dict[str, Any] = {
            "new": self.model.__new__,
            "model": self.model,
            "identity_class": identity_class(self.mapper),
            "weak": weakref.ref,
            "unreadable": self.unreadable,
            **{f"p{index}": processor for index, processor in self.processors.items()},
        }
        name = f"microcosm_sqlite row reader {self.model.__module__}.{self.model.__qualname__}"
        exec(compile_generated(self.source, name), namespace)
        return namespace["build_one"], namespace["build_all"]

    def unreadable(self, row: Sequence[Any], error: Exception) -> UnreadableValueError:
        """The error for a row one of whose values its column's type cannot read."""
        for index, processor in self.processors.items():
            try:
                processor(row[index])
            except Exception as failure:
                column = f"{self.model.__name__}.{self.keys[index]}"
                reason = f"{column} holds {row[index]!r}, which it cannot read: {failure}"
                break
        else:
            reason = f"a value of {self.model.__name__} cannot be read: {error}"
        return UnreadableValueError(reason, **self.context)


def block(lines: list[str], depth: int) -> str:
    """Generated source lines, each on its own line at this indentation depth."""
    return "".join(f"\n{'    ' * depth}{line}" for line in lines)
