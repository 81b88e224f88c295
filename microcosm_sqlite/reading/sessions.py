"""
Sessions that read fast: instances without ORM state until asked, and the ORM's identity kept.

Fast-loaded instances (see `reading.rows`) hold their column values and a mark naming the session
that read them. The model class's `_sa_instance_state` descriptor builds the real state on first
access and registers the instance in that session, as the ORM's own loader would have. The
session keeps weak references to the instances it loaded, and its identity map finds them, so
a row read twice (or reached through a relationship) is one object while it is in use.

The SQLAlchemy internals this needs (the state attribute, the identity map class, how a state
is attached) live in `_sqla_internals`; `probe` checks them before the fast path is used.

"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any
from weakref import WeakValueDictionary

from sqlalchemy import inspect
from sqlalchemy.orm import DeclarativeBase, Mapper, Session, configure_mappers

from microcosm_sqlite._keys import PrimaryKey
from microcosm_sqlite._sqla_internals import (
    STATE_ATTR,
    InstanceState,
    WeakInstanceDict,
    attach_new_state,
    instance_state,
)

__all__ = [
    "SESSION_MARK_KEY",
    "DeferredState",
    "FastIdentityMap",
    "FastInstances",
    "FastReadSession",
    "attach_state",
    "copy_state",
    "dataset_base",
    "defer_states",
    "restore_state",
]

# where a fast-loaded instance keeps its session's mark until its ORM state is built
SESSION_MARK_KEY = "_microcosm_session"


# session mark -> session. Marks are random, so an instance unpickled in another process
# names no session there and comes back detached, as a pickled ORM instance does.
marked_sessions: WeakValueDictionary[int, FastReadSession] = WeakValueDictionary()
# the mark of copies (pickled, copied) and of instances whose session let them go
NO_SESSION = 0
# entries a session keeps per model before it looks for instances gone
PRUNE_FLOOR = 4096
# held while an instance's state is built, so two threads never build two
ATTACHING = threading.RLock()


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


def restore_state(instance: Any, values: dict[str, Any]) -> None:
    """
    Fill an unpickled or copied instance. A copy of one read fast (`copy_state`) gets its
    state on first use, detached, as an unpickled ORM instance is: in a process whose fast
    engines never read its model too.

    """
    instance.__dict__.update(values)
    if SESSION_MARK_KEY in values:
        base = dataset_base(type(instance))
        if base is not None:
            defer_states(base)


class DeferredState:
    """
    `_sa_instance_state` of a data set's models once a fast engine reads them (`defer_states`):
    the ORM state of an instance read fast, built on first access. Any other instance without a
    state (one being constructed) gets AttributeError at once, as the ORM expects.

    """

    def __get__(self, instance: Any, owner: type[Any] | None = None) -> InstanceState[Any]:
        if instance is None:
            raise AttributeError(STATE_ATTR)
        values = instance.__dict__
        if SESSION_MARK_KEY not in values:
            # not read fast (one being constructed has no state yet, and takes no lock), or
            # its state was just built by another thread: the mark goes once the state is set
            built: InstanceState[Any] | None = values.get(STATE_ATTR)
            if built is None:
                raise AttributeError(STATE_ATTR)
            return built
        # one thread builds it; another asking meanwhile waits and gets the same state
        with ATTACHING:
            state: InstanceState[Any] | None = values.get(STATE_ATTR)
            if state is not None:
                return state
            state = attach_state(instance, marked_sessions.get(values[SESSION_MARK_KEY]))
            del values[SESSION_MARK_KEY]
            return state


def dataset_base(model: type[Any]) -> type[Any] | None:
    """The data set base a model was declared on (`DataSetBase` with its name), or None."""
    for klass in model.__mro__:
        if "__dataset__" in vars(klass) and DeclarativeBase in klass.__bases__:
            return klass
    return None


def defer_states(base: type[Any]) -> None:
    """
    Let a base's models be read fast: their instances get their ORM state only when asked.
    Done when a fast engine first reads one of them, never before, so that with the fast path
    off the models stay plain SQLAlchemy models.

    """
    if not isinstance(vars(base).get(STATE_ATTR), DeferredState):
        setattr(base, STATE_ATTR, DeferredState())


def attach_state(instance: Any, session: Session | None) -> InstanceState[Any]:
    """The state the ORM's loader would have given the instance, in its session if alive."""
    mapper: Mapper[Any] = inspect(type(instance))
    if not mapper.configured:  # unpickled before this process used the ORM
        configure_mappers()
    values = instance.__dict__
    key = mapper.identity_key_from_primary_key(
        tuple(values[name] for name in PrimaryKey.of(type(instance)).names)
    )
    state: InstanceState[Any] = attach_new_state(instance, key, session)
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
        """The instances this session read fast for `model`, by primary key."""
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
        state = values.get(STATE_ATTR)
        if state is None:
            return bool(values.get(SESSION_MARK_KEY) == self.mark)
        return bool(state.session_id == self.hash_key and state.key is not None)

    def find(self, model: type[Any], key: Any) -> Any:
        """The live instance this session loaded fast for this key, or None."""
        ref = self.fast[model].get(key) if model in self.fast else None
        instance = None if ref is None else ref()
        return instance if instance is not None and self.holds(instance) else None


class FastIdentityMap(WeakInstanceDict):
    """The identity map of a `FastReadSession`: a miss looks among its fast-loaded instances."""

    def __init__(self, session: FastReadSession) -> None:
        super().__init__()
        self.session = weakref.ref(session)

    def get(self, key: Any, default: Any = None) -> Any:
        """The instance for an identity key, from the ORM's map or else the fast reads."""
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
