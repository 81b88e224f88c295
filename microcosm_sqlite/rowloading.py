"""
Raw rows -> model instances, without the ORM's query machinery: the read hot path.

The ORM loads a row through layers built for arbitrary queries, and gives every instance a
state object with a weak reference, a set and a dict: objects the garbage collector walks
again and again while results are held. For plain mappers (one table, plain columns) of data
that cannot change, a row maps straight onto a new instance whose `__dict__` holds the column
values and a mark naming the session that read it; the session keeps a weak reference to it.
That is two objects for the collector, not eight.

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
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from inspect import getattr_static
from typing import Any
from weakref import WeakValueDictionary

from sqlalchemy import Column, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapper, Session, configure_mappers
from sqlalchemy.orm.base import DEFAULT_STATE_ATTR, instance_state, manager_of_class
from sqlalchemy.orm.identity import _WeakInstanceDict
from sqlalchemy.orm.state import InstanceState

from microcosm_sqlite.models import primary_key_names

# relationship loading that leaves the attribute to load on first access, as ours does
LAZY_STRATEGIES = frozenset({"select", True, "raise", "raise_on_sql", "noload"})
# where a fast-loaded instance keeps its session's mark until its ORM state is built
SESSION_MARK_KEY = "_microcosm_session"


# session mark -> session. Marks are random, so an instance unpickled in another process
# names no session there and comes back detached, as a pickled ORM instance does.
marked_sessions: WeakValueDictionary[int, FastReadSession] = WeakValueDictionary()
# the mark of copies (pickled, copied) and of instances whose session let them go
NO_SESSION = 0
# entries a session keeps per model before it looks for instances gone
PRUNE_FLOOR = 4096


def new_mark(session: FastReadSession) -> int:
    """A random mark for a session, unused in this process."""
    mark = NO_SESSION
    while mark == NO_SESSION or mark in marked_sessions:
        mark = int.from_bytes(os.urandom(8), "big")
    marked_sessions[mark] = session
    return mark


def copy_state(values: dict[str, Any]) -> dict[str, Any]:
    """An instance's `__dict__` as a copy of it gets it: with no claim on the session."""
    if SESSION_MARK_KEY not in values:
        return values
    return {**values, SESSION_MARK_KEY: NO_SESSION}


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


class FastInstances(dict[Any, "weakref.ref[Any]"]):
    """
    One model's fast-loaded instances in one session, by primary key (a tuple for composite
    keys), held weakly: what makes a row read twice one object while it is in use, as the
    identity map does for the instances the ORM loads.

    """

    def __init__(self) -> None:
        super().__init__()
        self.limit = PRUNE_FLOOR

    def prune(self) -> None:
        """Drop the entries of instances gone, once they may outnumber the live ones."""
        if len(self) > self.limit:
            for key in [key for key, ref in self.items() if ref() is None]:
                del self[key]
            self.limit = max(PRUNE_FLOOR, 2 * len(self))


class FastReadSession(Session):
    """
    A session that keeps track of the instances it loaded fast, and whose identity map finds
    them (giving them their ORM state then): a row read by a Store and then reached through a
    relationship, `session.get` or any ORM query is one object, as the ORM alone would make it.

    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fast: dict[type[Any], FastInstances] = {}
        self.identity_map = FastIdentityMap(self)
        # what every instance this session loads fast carries, in place of its ORM state
        self.mark = new_mark(self)

    def instances_of(self, model: type[Any]) -> FastInstances:
        try:
            return self.fast[model]
        except KeyError:
            return self.fast.setdefault(model, FastInstances())

    def expunge_all(self) -> None:
        """Let every instance go, fast-loaded ones too: they come back detached, as the rest."""
        super().expunge_all()
        self.identity_map = FastIdentityMap(self)
        self.fast.clear()
        del marked_sessions[self.mark]
        self.mark = new_mark(self)

    def holds(self, instance: Any) -> bool:
        """Whether an instance it loaded is still this session's (not expunged, not copied)."""
        values = instance.__dict__
        state = values.get(DEFAULT_STATE_ATTR)
        if state is None:
            return bool(values.get(SESSION_MARK_KEY) == self.mark)
        return bool(state.session_id == self.hash_key and state.key is not None)

    def find(self, model: type[Any], key: Any) -> Any:
        """The live instance this session loaded fast for this key, or None."""
        ref = self.fast[model].get(key) if model in self.fast else None
        instance = None if ref is None else ref()
        return instance if instance is not None and self.holds(instance) else None


class FastIdentityMap(_WeakInstanceDict):
    """The identity map of a `FastReadSession`: a miss looks among its fast-loaded instances."""

    def __init__(self, session: FastReadSession) -> None:
        super().__init__()
        self.session = weakref.ref(session)

    def get(self, key: Any, default: Any = None) -> Any:
        found = super().get(key)
        session = self.session()
        if found is not None or session is None or not session.fast:
            return default if found is None else found
        model, identity, _ = key
        instance = session.find(model, identity[0] if len(identity) == 1 else identity)
        if instance is None:
            return default
        instance_state(instance)  # builds its state, in this identity map
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
        fast = session.instances_of(self.model)
        fast.prune()
        return self.build_one(row, fast, session.holds, session.identity_map._dict, session.mark)

    def get_many(
        self, session: FastReadSession, connection: sqlite3.Connection, keys: Sequence[Any]
    ) -> Iterator[tuple[Any, Any]]:
        """(key, instance) for each of these distinct single-column keys that has a row."""
        stored = self.stored_keys(keys)
        placeholders = ", ".join("?" * len(stored))
        rows = connection.execute(f"{self.in_sql}({placeholders})", stored).fetchall()
        position = self.key_positions[0]
        # stored form -> the key as given (they differ for types such as enums)
        given = {} if stored is keys else dict(zip(stored, keys, strict=True))
        instances = self.instances(session, rows)
        for row, instance in zip(rows, instances, strict=True):
            key = row[position]
            yield given.get(key, key), instance

    def instances(
        self, session: FastReadSession, rows: Iterable[Sequence[Any]], remember: bool = True
    ) -> Iterator[Any]:
        """
        Instances for raw rows, in row order: the one the session already has, or a new one,
        which the session remembers unless told not to (a stream of the whole table).

        """
        fast = session.instances_of(self.model)
        fast.prune()
        return self.build_all(
            rows, fast, session.holds, session.identity_map._dict, session.mark, remember
        )

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
        `build_one(row, fast, holds, known, mark)` and `build_all(rows, fast, holds, known,
        mark, remember)`, written out for this model's columns: a row is unpacked into locals,
        processed, and becomes an instance's `__dict__` in one dict display, with no
        per-column loop. `fast` is the session's `FastInstances` for the model (entries count
        only while the session `holds` them), `known` the identity map's dict of states.

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
def build_one(row, fast, holds, known, mark):
    {unpack} = row{block(process, 1)}
    ref = fast.get({cache_key})
    instance = None if ref is None else ref()
    if instance is not None and holds(instance):
        return instance
    state = known.get((identity_class, {identity}, None)) if known else None
    if state is not None:
        instance = state.obj()
        if instance is not None:
            return instance{block(make, 1)}
    fast[{cache_key}] = weak(instance)
    return instance


def build_all(rows, fast, holds, known, mark, remember):
    for row in rows:
        {unpack} = row{block(process, 2)}
        ref = fast.get({cache_key}) if fast else None
        instance = None if ref is None else ref()
        if instance is None or not holds(instance):
            # the identity map holds only what the ORM loaded or state was built for: often
            # nothing, and then there is no key to build
            state = known.get((identity_class, {identity}, None)) if known else None
            if state is None or (instance := state.obj()) is None:{block(make, 4)}
                if remember:
                    fast[{cache_key}] = weak(instance)
        yield instance
"""
        namespace: dict[str, Any] = {
            "new": self.model.__new__,
            "model": self.model,
            "identity_class": self.mapper._identity_class,
            "weak": weakref.ref,
            **{f"p{index}": processor for index, processor in self.processors.items()},
        }
        exec(compile(source, f"<row loader for {self.model.__name__}>", "exec"), namespace)
        return namespace["build_one"], namespace["build_all"]


def block(lines: list[str], depth: int) -> str:
    """Generated source lines, each on its own line at this indentation depth."""
    return "".join(f"\n{'    ' * depth}{line}" for line in lines)
