"""
`FastReader`: one model's reads on the fast path (get, get many, a statement's rows).

It raises SQLite's own errors as they come: the Store maps them, as it maps every other.

"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Select
from sqlalchemy.orm import Session

from microcosm_sqlite._sqla_internals import has_loader_options, has_modified, raw_cursor
from microcosm_sqlite.reading.rows import RowReader
from microcosm_sqlite.reading.sessions import FastReadSession

if TYPE_CHECKING:
    from microcosm_sqlite.engines import DataSetEngine


class FastReader:
    """Reads one model of one read-only data set without the ORM's query machinery."""

    def __init__(self, engine: DataSetEngine, model: type[Any]) -> None:
        self.engine = engine
        self.model = model
        self.rows = RowReader(model, engine.engine.dialect, engine.context())

    @property
    def single_key(self) -> bool:
        """Whether `get_many` can ask for a batch in one `IN` query (a one-column key)."""
        return self.rows.single_key

    @staticmethod
    def supports(engine: DataSetEngine, model: type[Any]) -> bool:
        """Whether this engine reads fast and the model is plain enough for it."""
        return engine.fast_path and RowReader.supports(model)

    def get(self, key: Any) -> Any:
        """The instance with this (normalized) key, from this thread's cache or one query."""
        reads = self.engine.thread_reads()
        session = self.session_of(reads.session)
        cache = reads.cache(self.model)
        instance = cache.get(key)
        if instance is not None:
            if session.holds(instance):
                cache.move_to_end(key)
                return instance
            del cache[key]  # expunged or made transient since: read it again
        instance = self.rows.get(session, reads.connection, key)
        if instance is not None:
            reads.remember(self.model, key, instance)
        return instance

    def get_many(self, keys: Sequence[Any], found: dict[Hashable, Any]) -> None:
        """Add the instances of these distinct single-column keys to `found`: one `IN` query."""
        reads = self.engine.thread_reads()
        session = self.session_of(reads.session)
        found.update(self.rows.get_many(session, reads.connection, keys))

    def reads(self, session: Session, statement: Select[Any]) -> bool:
        """Whether `instances` can read this statement in this session."""
        return isinstance(session, FastReadSession) and not has_loader_options(statement)

    def instances(
        self, session: Session, statement: Select[Any], remember: bool = True
    ) -> Iterator[Any]:
        """
        The statement's instances: SQLAlchemy compiles, binds and executes it, and the rows are
        read off the DB-API cursor; the session remembers them unless they are a stream.

        """
        fast = cast(FastReadSession, session)  # as `reads` found
        result = fast.connection().execute(statement.with_only_columns(*self.rows.columns))
        try:
            yield from self.rows.instances(fast, raw_cursor(result), remember)
        finally:
            result.close()

    def session_of(self, session: Session) -> FastReadSession:
        """The thread's session, once a change pending in it has failed, as at every other call."""
        fast = cast(FastReadSession, session)  # the engine's, as its fast_path is on
        if has_modified(fast.identity_map):
            with self.engine.thread_session():
                pass  # ending the call flushes, and the flush is refused
        return fast
