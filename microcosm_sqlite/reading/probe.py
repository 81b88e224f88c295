"""
Whether this process may read fast: once per process, before the first fast engine opens.

The fast path leans on SQLAlchemy internals (`_sqla_internals` lists them). The probe checks
that each exists, then reads rows of a small in-memory database the fast way and through the
ORM and compares what the ORM sees: a `get`, an ORM `select()`, a lazy many-to-one and a lazy
collection, identity, session membership, change tracking, loader options and the raw cursor.
When anything fails, or when `MICROCOSM_SQLITE_FAST_PATH=0` is set, the fast path is off for the
process: one warning names the SQLAlchemy version and the piece that failed, and every read goes
through the ORM's public API instead, with the same results.

"""

from __future__ import annotations

import os
import sqlite3
import threading
import warnings
from functools import cache
from typing import Any

import sqlalchemy
from sqlalchemy import Column, ForeignKey, Integer, String, create_engine, inspect, select
from sqlalchemy.orm import DeclarativeBase, defer, relationship
from sqlalchemy.pool import StaticPool

from microcosm_sqlite._sqla_internals import (
    STATE_ATTR,
    has_loader_options,
    has_modified,
    instance_state,
    missing_names,
    raw_cursor,
)
from microcosm_sqlite.reading.rows import RowReader
from microcosm_sqlite.reading.sessions import FastReadSession, defer_states

__all__ = ["FAST_PATH_VARIABLE", "fast_path_available", "forced_off"]

# set to 0 (or false, no, off) to read through the ORM's public API in this process
FAST_PATH_VARIABLE = "MICROCOSM_SQLITE_FAST_PATH"
OFF_SPELLINGS = frozenset({"0", "false", "no", "off"})
PROBE_LOCK = threading.Lock()


class FastPathUnavailable(Exception):
    """What the probe found wrong, in words."""


def forced_off() -> bool:
    """Whether the environment turns the fast path off for this process."""
    return os.environ.get(FAST_PATH_VARIABLE, "").strip().lower() in OFF_SPELLINGS


@cache
def fast_path_available() -> bool:
    """
    Once per process: whether the fast read path may be used. Off when the environment says
    so, or (with one warning) when this SQLAlchemy does not behave as the fast path needs.

    """
    if forced_off():
        return False
    with PROBE_LOCK:
        try:
            missing = missing_names()
            if missing:
                raise FastPathUnavailable(f"missing {', '.join(missing)}")
            compare_fast_and_orm_reads()
        except Exception as error:  # anything unforeseen means: do not trust the internals
            warnings.warn(
                f"microcosm-sqlite: SQLAlchemy {sqlalchemy.__version__} does not offer what"
                f" the fast read path needs ({error}); reads go through the ORM instead",
                RuntimeWarning,
                stacklevel=2,
            )
            return False
    return True


PROBE_ROWS = """
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id));
INSERT INTO parent VALUES (7, 'seven'), (8, 'eight'), (9, 'nine');
INSERT INTO child VALUES (1, 9);
"""


def compare_fast_and_orm_reads() -> None:
    """
    Read rows the fast way and through the ORM in another session; raise
    `FastPathUnavailable` where the two differ in what the ORM sees.

    """
    parent_model, child_model = probe_models()
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    connection.executescript(PROBE_ROWS)
    engine = create_engine("sqlite://", creator=lambda: connection, poolclass=StaticPool)
    try:
        # the key the ORM looks an instance up by (the checks below look it up so)
        expected_key = inspect(parent_model).identity_key_from_primary_key((7,))
        session = FastReadSession(engine)
        parents = RowReader(parent_model, engine.dialect)
        fast = parents.get(session, connection, 7)
        check(fast is not None and fast.name == "seven", "a fast-loaded column reads back")
        check(STATE_ATTR not in fast.__dict__, "a fast-loaded instance waits for its state")
        check(session.get(parent_model, 7) is fast, "the identity map finds a fast-loaded instance")
        state = instance_state(fast)
        check(state.key == expected_key, f"identity key {state.key!r} is {expected_key!r}")
        check(state.identity_token is None, "the identity token is the ORM's (none)")
        check(state.session_id == session.hash_key and fast in session, "it is in the session")
        check(not state.expired and state.persistent, "it is persistent and not expired")
        compare_loads(session, connection, parent_model, child_model)
        fast.name = "changed"
        check(has_modified(session.identity_map), "a change shows in the identity map")
        check(fast in session.dirty, "a change makes the instance dirty")
        session.rollback()
        session.close()
        plain = select(parent_model)
        check(not has_loader_options(plain), "a plain select has no loader options")
        check(has_loader_options(plain.options(defer(parent_model.name))), "options are seen")
        with engine.connect() as raw_connection:
            result = raw_connection.execute(plain.where(parent_model.id == 7))
            rows = [tuple(row) for row in raw_cursor(result)]
            result.close()
        check(rows == [(7, "seven")], f"the raw cursor gives the rows, not {rows!r}")
    finally:
        engine.dispose()
        connection.close()
        parent_model.registry.dispose()


def compare_loads(
    session: FastReadSession,
    connection: sqlite3.Connection,
    parent_model: type[Any],
    child_model: type[Any],
) -> None:
    """An ORM select and lazy loads, both ways, return the instances read fast, not twins."""
    dialect = session.get_bind().dialect
    parents = RowReader(parent_model, dialect)
    eight = parents.get(session, connection, 8)
    selected = session.scalars(select(parent_model).where(parent_model.id == 8)).one()
    check(selected is eight, "an ORM select returns the instance read fast")
    nine = parents.get(session, connection, 9)
    child = RowReader(child_model, dialect).get(session, connection, 1)
    check(STATE_ATTR not in nine.__dict__, "a parent read fast waits for its state")
    check(child.parent is nine, "a lazy many-to-one returns the parent read fast")
    check(nine.children == [child] and nine.children[0] is child, "a lazy collection too")


def probe_models() -> tuple[type[Any], type[Any]]:
    """A parent and a child model, on a base of their own whose instances defer their state."""

    class ProbeBase(DeclarativeBase):
        pass

    defer_states(ProbeBase)

    class ProbeParent(ProbeBase):
        __tablename__ = "parent"

        id = Column(Integer, primary_key=True)
        name = Column(String, nullable=False)
        children = relationship("ProbeChild", back_populates="parent")

    class ProbeChild(ProbeBase):
        __tablename__ = "child"

        id = Column(Integer, primary_key=True)
        parent_id = Column(Integer, ForeignKey("parent.id"), nullable=False)
        parent = relationship(ProbeParent, back_populates="children")

    return ProbeParent, ProbeChild


def check(condition: bool, what: str) -> None:
    """Raise FastPathUnavailable naming `what` unless the probe's condition holds."""
    if not condition:
        raise FastPathUnavailable(f"probe failed: {what}")
