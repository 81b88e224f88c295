"""
Raw rows -> model instances, without the ORM's query machinery: the read hot path.

The ORM loads a row through layers built for arbitrary queries, and gives every instance a
state object with a weak reference, a set and a dict: objects the garbage collector walks
again and again while results are held. For plain mappers (one table, plain columns) of data
that cannot change, a row maps straight onto a new instance whose `__dict__` holds the column
values and a mark naming the session that read it: one object for the collector, not eight.

The ORM state comes only when something asks for it. The model class gets a
`_sa_instance_state` descriptor that builds the state on first access (a relationship, an
`inspect()`, a change) and registers the instance in its session's identity map, as the ORM's
own loader would have. Column attributes never ask: SQLAlchemy reads them from `__dict__`.

This module reaches into SQLAlchemy's internals (the state attribute, the identity map, the
session registry), so it is kept small, checked against ORM-loaded instances by tests, and
used only for mappers that `RowLoader.supports` accepts; everything else takes the ORM path.

"""
from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from inspect import getattr_static
from typing import Any
from weakref import WeakValueDictionary

from sqlalchemy import Column, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapper, Session, configure_mappers
from sqlalchemy.orm.base import DEFAULT_STATE_ATTR, instance_state, manager_of_class
from sqlalchemy.orm.state import InstanceState

from microcosm_sqlite.models import primary_key_names

# relationship loading that leaves the attribute to load on first access, as ours does
LAZY_STRATEGIES = frozenset({"select", True, "raise", "raise_on_sql", "noload"})
# where a fast-loaded instance keeps its session's mark until its ORM state is built
SESSION_MARK_KEY = "_microcosm_session"

# looks up a cached instance by primary key value (a tuple for composite keys), or None
Lookup = Callable[[Any], Any]


# session mark -> session. Marks are random, so an instance unpickled in another process
# names no session there and comes back detached, as a pickled ORM instance does.
marked_sessions: WeakValueDictionary[int, FastReadSession] = WeakValueDictionary()


def new_mark(session: FastReadSession) -> int:
    """A random mark for a session, unused in this process."""
    while (mark := int.from_bytes(os.urandom(8), "big")) in marked_sessions:
        pass
    marked_sessions[mark] = session
    return mark


class DeferredState:
    """
    `_sa_instance_state` of every data set model, for instances read fast: their ORM state,
    built on first access. Any other instance without a state (one being constructed) gets
    AttributeError, as the ORM expects; models take the fast path only with this in place.

    """

    def __get__(self, instance: Any, owner: type[Any] | None = None) -> InstanceState[Any]:
        mark = None if instance is None else instance.__dict__.pop(SESSION_MARK_KEY, None)
        if mark is None:
            raise AttributeError(DEFAULT_STATE_ATTR)
        return attach_state(instance, marked_sessions.get(mark))


def attach_state(instance: Any, session: Session | None) -> InstanceState[Any]:
    """The state the ORM's loader would have given the instance, in its session if alive."""
    manager = manager_of_class(type(instance))
    if not manager.mapper.configured:  # unpickled before this process used the ORM
        configure_mappers()
    state: InstanceState[Any] = manager._state_constructor(instance, manager)
    manager.setup_instance(instance, state)
    values = instance.__dict__
    state.key = manager.mapper.identity_key_from_primary_key(
        tuple(values[name] for name in primary_key_names(type(instance)))
    )
    state.identity_token = None
    if session is not None:
        state.session_id = session.hash_key
        # another object may hold this identity already; this one still loads lazily
        if state.key not in session.identity_map:
            session.identity_map.add(state)
    return state


class FastReadSession(Session):
    """
    A session whose identity lookups (`session.get`, many-to-one lazy loads) also find the
    instances its thread's `get` cache holds, giving them their ORM state then: a row read
    by `get` and reached through a relationship is one object, as the ORM alone would make it.

    """

    # model -> primary key (a tuple for composite keys) -> instance, set by the owning thread
    fast_caches: Mapping[type[Any], Mapping[Any, Any]] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # what every instance this session loads fast carries, in place of its ORM state
        self.mark = new_mark(self)

    def _identity_lookup(
        self, mapper: Mapper[Any], primary_key_identity: Any, *args: Any, **kwargs: Any
    ) -> Any:
        found = super()._identity_lookup(mapper, primary_key_identity, *args, **kwargs)
        cache = None if self.fast_caches is None else self.fast_caches.get(mapper.class_)
        if found is not None or not cache:
            return found
        key = tuple(primary_key_identity)
        instance = cache.get(key[0] if len(key) == 1 else key)
        if instance is not None:
            instance_state(instance)  # builds its state, in this session's identity map
        return instance


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
        self.key_positions = tuple(
            next(index for index, column in enumerate(self.columns) if column is key)
            for key in mapper.primary_key
        )
        preparer = dialect.identifier_preparer
        selected = ", ".join(preparer.format_column(column) for column in self.columns)
        select = f"SELECT {selected} FROM {preparer.format_table(mapper.local_table)} WHERE "
        key_names = [preparer.format_column(column) for column in mapper.primary_key]
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
            column.type.dialect_impl(dialect).bind_processor(dialect)
            for column in mapper.primary_key
        )
        # keys whose types store values as given (integers, strings) skip per-value processing
        self.plain_key = not any(self.key_processors)
        self.single_key = len(self.key_positions) == 1
        self.build_one, self.build_all = self.compile_builders()

    @staticmethod
    def supports(model: type[Any]) -> bool:
        """Plain one-table data set mappers of plain columns, no load-time hooks or eager loads."""
        mapper: Mapper[Any] = inspect(model)
        return (
            isinstance(getattr_static(model, DEFAULT_STATE_ATTR, None), DeferredState)
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
            and not mapper.class_manager.dispatch.load
            and not mapper.class_manager.dispatch.refresh
        )

    # --- reads -----------------------------------------------------------------------------

    def get(
        self, session: FastReadSession, connection: sqlite3.Connection, identifier: Any
    ) -> Any:
        """The instance with this primary key, read on a DB-API connection, or None."""
        row = connection.execute(self.get_sql, self.key_parameters(identifier)).fetchone()
        if row is None:
            return None
        return self.build_one(row, session.identity_map._dict, session.mark)

    def get_many(
        self,
        session: FastReadSession,
        connection: sqlite3.Connection,
        keys: Sequence[Any],
        cached: Lookup,
    ) -> Iterator[tuple[Any, Any]]:
        """(key, instance) for each of these distinct single-column keys that has a row."""
        stored = self.stored_keys(keys)
        placeholders = ", ".join("?" * len(stored))
        rows = connection.execute(f"{self.in_sql}({placeholders})", stored).fetchall()
        position = self.key_positions[0]
        given = dict(zip(stored, keys, strict=True))
        instances = self.instances(session, rows, cached)
        for row, instance in zip(rows, instances, strict=True):
            yield given[row[position]], instance

    def instances(
        self, session: FastReadSession, rows: Iterable[Sequence[Any]], cached: Lookup
    ) -> Iterator[Any]:
        """
        Instances for raw rows, in row order: the cached one, the session's own, or a new one.

        `cached` finds an instance `get` already holds, by primary key.

        """
        return self.build_all(rows, cached, session.identity_map._dict, session.mark)

    # --- keys ------------------------------------------------------------------------------

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

    def stored_keys(self, keys: Sequence[Any]) -> Sequence[Any]:
        """Single-column keys as the column type stores them."""
        processor = self.key_processors[0]
        if processor is None:
            return keys
        return [None if key is None else processor(key) for key in keys]

    # --- generated builders ----------------------------------------------------------------

    def compile_builders(self) -> tuple[Callable[..., Any], Callable[..., Iterator[Any]]]:
        """
        `build_one(row, known, mark)` and `build_all(rows, cached, known, mark)`, written out
        for this model's columns: a row is unpacked into locals, processed, and becomes an
        instance's `__dict__` in one dict display, with no per-column loop. `known` is the
        identity map's dict of states, `cached` looks up the `get` cache.

        """
        names = [f"v{index}" for index in range(len(self.columns))]
        unpack = ", ".join(names) + ("," if len(names) == 1 else "")
        process = [f"{names[index]} = p{index}({names[index]})" for index in self.processors]
        key = ", ".join(names[position] for position in self.key_positions)
        identity = f"({key},)" if self.single_key else f"({key})"
        cache_key = key if self.single_key else f"({key})"
        values = ", ".join(
            f"{attribute!r}: {name}" for attribute, name in zip(self.keys, names, strict=True)
        )
        make = [
            "instance = new(model)",
            f"instance.__dict__ = {{{values}, {SESSION_MARK_KEY!r}: mark}}",
        ]
        source = f"""
def build_one(row, known, mark):
    {unpack} = row{block(process, 1)}
    state = known.get((identity_class, {identity}, None)) if known else None
    if state is not None:
        instance = state.obj()
        if instance is not None:
            return instance{block(make, 1)}
    return instance


def build_all(rows, cached, known, mark):
    for row in rows:
        {unpack} = row{block(process, 2)}
        instance = cached({cache_key})
        if instance is None:
            # the identity map holds only what the ORM loaded or state was built for: often
            # nothing, and then there is no key to build
            state = known.get((identity_class, {identity}, None)) if known else None
            if state is None or (instance := state.obj()) is None:{block(make, 4)}
        yield instance
"""
        namespace: dict[str, Any] = {
            "new": self.model.__new__,
            "model": self.model,
            "identity_class": self.mapper._identity_class,
            **{f"p{index}": processor for index, processor in self.processors.items()},
        }
        exec(compile(source, f"<row loader for {self.model.__name__}>", "exec"), namespace)
        return namespace["build_one"], namespace["build_all"]


def block(lines: list[str], depth: int) -> str:
    """Generated source lines, each on its own line at this indentation depth."""
    return "".join(f"\n{'    ' * depth}{line}" for line in lines)
