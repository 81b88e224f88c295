"""
Every private SQLAlchemy name this package uses, in one place, checked before it is trusted.

The fast read path (`microcosm_sqlite.reading`) builds instances without the ORM's loader and
gives them their ORM state only when asked. That leans on these SQLAlchemy internals:

- `orm.base.DEFAULT_STATE_ATTR`: the attribute (`_sa_instance_state`) the ORM reads an
  instance's state from; data set models put a descriptor there that builds it on demand.
- `orm.base.instance_state` and `manager_of_class`: an instance's state, a class's manager.
- `orm.identity.WeakInstanceDict` (2.0; `_WeakInstanceDict` in 2.1): the identity map class,
  subclassed so that a miss looks among the instances a session loaded fast.
- `IdentityMap._dict` (identity key -> state) and `IdentityMap._modified` (changed states).
- `ClassManager._state_constructor` and `ClassManager.setup_instance`: how the loader makes a
  state and attaches it to an instance.
- writes to `InstanceState.key`, `.identity_token` and `.session_id`: what the loader sets on
  an instance it loaded into a session.
- `Mapper._identity_class` and the identity key shape `(class, primary key tuple, None)`.
- `InstrumentedAttribute.__get__` reading a column from `instance.__dict__` before it asks for
  the state, so an instance made with `__new__` and a filled `__dict__` reads like a loaded one.
- `ClassManager.dispatch.load` / `.refresh`: whether a model has load-time event listeners.
- `Select._with_options`: whether a statement carries loader options the fast path cannot honour.
- `CursorResult.cursor`: the DB-API cursor under a result, read directly.
- `TypeEngine._type_affinity`: a column type's generic type (builds use it; it has a public
  fallback of its own and is not part of the fast path).

This module only names them. `missing_names()` says which this SQLAlchemy lacks; the fast
path's probe (`microcosm_sqlite.reading.probe`) calls it, then checks how they behave, once per
process, before any fast engine opens; when anything fails the fast path is off and every read
goes through the ORM's public API instead.

"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Select, types
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapper, Session, instrumentation
from sqlalchemy.orm import base as orm_base
from sqlalchemy.orm import identity as orm_identity
from sqlalchemy.types import TypeDecorator, TypeEngine


class Missing:
    """Stands in for an internal this SQLAlchemy lacks; the fast path is then off."""


STATE_ATTR: str = getattr(orm_base, "DEFAULT_STATE_ATTR", "_sa_instance_state")

if TYPE_CHECKING:
    from sqlalchemy.orm.identity import IdentityMap as WeakInstanceDict
    from sqlalchemy.orm.state import InstanceState
else:
    WeakInstanceDict = (
        getattr(orm_identity, "WeakInstanceDict", None)
        or getattr(orm_identity, "_WeakInstanceDict", None)
        or Missing
    )
    InstanceState = Any

__all__ = ["InstanceState", "WeakInstanceDict"]  # the rest is imported by name


# --- the internals, one function each ------------------------------------------------------


def instance_state(instance: Any) -> InstanceState[Any]:
    """The ORM state of an instance (building it, for a fast-loaded one)."""
    state: InstanceState[Any] = orm_base.instance_state(instance)
    return state


def attach_new_state(instance: Any, key: tuple[Any, ...], session: Session | None) -> Any:
    """
    Give an instance the state the ORM's loader would have: identity `key`, and membership in
    `session`'s identity map when it has none for that key yet.

    """
    manager = orm_base.manager_of_class(type(instance))
    state = manager._state_constructor(instance, manager)
    manager.setup_instance(instance, state)
    state.key = key
    state.identity_token = None
    if session is not None:
        state.session_id = session.hash_key
        # another object may hold this identity already; this one still loads lazily
        if key not in session.identity_map:
            session.identity_map.add(state)
    return state


def identity_states(identity_map: Any) -> dict[Any, Any]:
    """The identity map's own dict: identity key -> state."""
    states: dict[Any, Any] = identity_map._dict
    return states


def has_modified(identity_map: Any) -> bool:
    """Whether any instance in the identity map has unflushed changes."""
    return bool(identity_map._modified)


def identity_class(mapper: Mapper[Any]) -> type[Any]:
    """The class that leads this mapper's identity keys: `(class, primary key, None)`."""
    found: type[Any] = mapper._identity_class
    return found


def has_load_listeners(mapper: Mapper[Any]) -> bool:
    """Whether the model has `load` or `refresh` event listeners, which the fast path skips."""
    dispatch = mapper.class_manager.dispatch
    return bool(dispatch.load) or bool(dispatch.refresh)


def has_loader_options(statement: Select[Any]) -> bool:
    """Whether a statement carries loader options (eager loads...), which need the ORM."""
    return bool(statement._with_options)


def raw_cursor(result: Any) -> Iterable[Sequence[Any]]:
    """The DB-API cursor under a result, to read rows off without SQLAlchemy's processing."""
    return cast(Iterable[Sequence[Any]], cast(CursorResult[Any], result).cursor)


# the generic types builds convert by, most specific first
GENERIC_TYPES: tuple[type[TypeEngine[Any]], ...] = (
    types.Boolean,
    types.Integer,
    types.Float,
    types.Numeric,
    types.DateTime,
    types.Date,
    types.Time,
    types.JSON,
    types.Uuid,
    types.LargeBinary,
    types.Interval,
    types.Enum,
    types.String,
)


def type_affinity(type_: TypeEngine[Any]) -> type[TypeEngine[Any]] | None:
    """A column type's generic type (`Integer` for `BigInteger`...), or None for NullType."""
    if hasattr(type_, "_type_affinity"):
        affinity: type[TypeEngine[Any]] | None = type_._type_affinity
        return affinity
    # public fallback: the nearest generic type among the classes the type derives from
    stored = type_.impl_instance if isinstance(type_, TypeDecorator) else type_
    for kind in type(stored).__mro__:
        if kind in GENERIC_TYPES:
            return kind
    return None


# --- which of them exist ---------------------------------------------------------------------

# names looked up on modules and classes; the probe checks the rest on real objects
NAMES_NEEDED: tuple[tuple[Any, str], ...] = (
    (orm_base, "DEFAULT_STATE_ATTR"),
    (orm_base, "instance_state"),
    (orm_base, "manager_of_class"),
    (instrumentation.ClassManager, "_state_constructor"),
    (instrumentation.ClassManager, "setup_instance"),
    (Select, "_with_options"),
)


def missing_names(needed: Iterable[tuple[Any, str]] = NAMES_NEEDED) -> list[str]:
    """The needed names this SQLAlchemy lacks, as `module.name` or `module.Class.name`."""
    missing = [
        ".".join(
            part
            for part in (getattr(owner, "__module__", None), getattr(owner, "__name__", None), name)
            if part
        )
        for owner, name in needed
        if not hasattr(owner, name)
    ]
    if cast(type, WeakInstanceDict) is Missing:
        missing.append("sqlalchemy.orm.identity.WeakInstanceDict (or _WeakInstanceDict)")
    return missing
