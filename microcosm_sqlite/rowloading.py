"""
Raw rows -> persistent model instances, without the ORM's query machinery: the read hot path.

The ORM spends most of a primary-key lookup compiling, executing and loading through layers
built for arbitrary queries. For the plain mappers that shipped data uses (one table, plain
columns), a row maps straight onto a new instance registered in the session's identity map,
just as the ORM's own loader would leave it: attributes, properties and lazy relationships work.

This module reaches into SQLAlchemy's instance state (the pieces its loader itself uses), so it
is kept small, checked against ORM-loaded instances by tests, and used only for mappers that
`RowLoader.supports` accepts; everything else takes the ORM path.

"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Column, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.base import instance_state

# relationship loading that leaves the attribute to load on first access, as ours does
LAZY_STRATEGIES = frozenset({"select", True, "raise", "raise_on_sql", "noload"})


class RowLoader:
    """Loads rows of one model's columns, in `columns` order, into one session."""

    def __init__(self, model: type[Any], dialect: Dialect) -> None:
        mapper: Mapper[Any] = inspect(model)
        self.model = model
        self.mapper = mapper
        self.columns: tuple[Column[Any], ...] = tuple(
            prop.columns[0] for prop in mapper.column_attrs  # type: ignore[misc]
        )
        self.keys = tuple(prop.key for prop in mapper.column_attrs)
        primary = set(mapper.primary_key)
        self.key_positions = tuple(
            index for index, column in enumerate(self.columns) if column in primary
        )
        preparer = dialect.identifier_preparer
        table = preparer.format_table(mapper.local_table)
        selected = ", ".join(preparer.format_column(column) for column in self.columns)
        where = " AND ".join(
            f"{preparer.format_column(column)} = ?" for column in mapper.primary_key
        )
        # the one statement `get` runs, with the primary key as positional parameters
        self.get_sql = f"SELECT {selected} FROM {table} WHERE {where}"
        self.processors: tuple[tuple[int, Callable[[Any], Any]], ...] = tuple(
            (index, processor)
            for index, column in enumerate(self.columns)
            if (processor := column.type.dialect_impl(dialect).result_processor(dialect, None))
        )
        self.key_processors = tuple(
            column.type.dialect_impl(dialect).bind_processor(dialect)
            for column in mapper.primary_key
        )
        # keys whose types store values as given (integers, strings) skip per-value processing
        self.plain_key = not any(self.key_processors)

    @staticmethod
    def supports(model: type[Any]) -> bool:
        """Plain single-table mappers of plain columns, no load-time hooks, no eager loads."""
        mapper: Mapper[Any] = inspect(model)
        return (
            mapper.inherits is None
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
            and not mapper.class_manager.dispatch.load
            and not mapper.class_manager.dispatch.refresh
        )

    def get(self, session: Session, connection: sqlite3.Connection, identifier: Any) -> Any:
        """The instance with this primary key, read on a DB-API connection, or None."""
        row = connection.execute(self.get_sql, self.key_parameters(identifier)).fetchone()
        return None if row is None else self.instance(session, self.process(row))

    def key_parameters(self, identifier: Any) -> tuple[Any, ...]:
        """`get_sql`'s parameters for a primary key, as the column types store them."""
        values = tuple(identifier) if isinstance(identifier, tuple | list) else (identifier,)
        if len(values) != len(self.key_processors):
            raise ValueError(
                f"{self.model.__name__} has a primary key of {len(self.key_processors)}"
                f" column(s); got {identifier!r}"
            )
        if self.plain_key:
            return values
        return tuple(
            value if processor is None or value is None else processor(value)
            for processor, value in zip(self.key_processors, values, strict=True)
        )

    def process(self, row: Sequence[Any]) -> Sequence[Any]:
        """A raw DB-API row with each column's result processor applied (dates, enums...)."""
        if not self.processors:
            return row
        values = list(row)
        for index, processor in self.processors:
            values[index] = processor(values[index])
        return values

    def instance(self, session: Session, values: Sequence[Any]) -> Any:
        """The session's instance for one row of processed column values."""
        return next(self.instances(session, (values,)))

    def instances(self, session: Session, rows: Iterable[Sequence[Any]]) -> Iterator[Any]:
        """
        The session's instances for processed rows, in row order: the one already in its
        identity map, or a new one registered there just as the ORM's loader would.

        This is the hot loop of every bulk read, so everything it needs is bound up front.

        """
        model = self.model
        keys = self.keys
        positions = self.key_positions
        single = positions[0] if len(positions) == 1 else None
        new_instance = self.mapper.class_manager.new_instance
        identity_map = session.identity_map
        existing = identity_map.get
        register = identity_map._add_unpresent
        session_id = session.hash_key
        for values in rows:
            if single is not None:
                identity = (model, (values[single],), None)
            else:
                identity = (model, tuple(values[index] for index in positions), None)
            instance = existing(identity)
            if instance is None:
                instance = new_instance()
                state = instance_state(instance)
                state.key = identity
                state.identity_token = None
                state.session_id = session_id
                instance.__dict__.update(zip(keys, values, strict=True))
                register(state, identity)
            yield instance
