"""
How one model of one engine is read: a `Reader`, chosen once per model and engine.

`OrmReader` reads through the ORM's public API; `FastReader` reads plain models of read-only
data sets without its query machinery (`rows`, `sessions`), and hands statements it cannot read
(compound selects, loader options) to an `OrmReader`. Both return the same instances, with the
same identity, for the same calls.

Readers raise what SQLite and SQLAlchemy raise about the input (the Store that gave it maps
that), and map what they meet while reading rows themselves, through `_error_mapping`.

"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from microcosm_sqlite._error_mapping import translating
from microcosm_sqlite._keys import PrimaryKey, names_a_row, usable_keys
from microcosm_sqlite._sqla_internals import has_loader_options, has_modified, raw_cursor
from microcosm_sqlite.reading.rows import RowReader
from microcosm_sqlite.reading.sessions import FastReadSession
from microcosm_sqlite.reading.threads import ThreadReads

__all__ = ["FastReader", "OrmReader", "Reader"]

ModelT = TypeVar("ModelT")


class Reader(ABC, Generic[ModelT]):
    """
    Reads one model of one data set: a key's row, a batch of keys' rows, a statement's rows.

    Keys come normalized (`_keys.PrimaryKey.normalize`); a key that can name no row (a NULL in
    it, an integer beyond 64 bits) finds nothing. Statements run in the session the caller's
    Store call holds.

    """

    model: type[ModelT]

    @abstractmethod
    def get(self, key: Any) -> ModelT | None:
        """The instance with this key, or None."""

    @abstractmethod
    def get_many(self, keys: Sequence[Any], found: dict[Hashable, ModelT]) -> None:
        """Add the instance of each of these distinct keys that has a row to `found`."""

    @abstractmethod
    def instances(
        self, session: Session, statement: Select[Any], remember: bool = True
    ) -> Iterator[ModelT]:
        """The statement's instances, which the session remembers unless told not to."""

    @abstractmethod
    def stream(self, session: Session, statement: Select[Any], batch_size: int) -> Iterator[ModelT]:
        """The statement's instances with memory bounded however many rows match."""


class OrmReader(Reader[ModelT]):
    """Reads through the ORM's public API: `session.get`, `select()`, `scalars()`."""

    def __init__(
        self,
        model: type[ModelT],
        session: Callable[[], AbstractContextManager[Session]],
        context: Mapping[str, str],
    ) -> None:
        self.model = model
        # the session a `get` or `get_many` reads in, for one call
        self.session = session
        # the data set, path and origin that errors name
        self.context = context

    def get(self, key: Any) -> ModelT | None:
        """The instance with this key: the session's own, or one row by primary key."""
        # a NULL in a key names no row (and makes the ORM warn)
        if not names_a_row(key):
            return None
        with self.session() as session, translating(self.context, reading=self.model.__name__):
            return session.get(self.model, key)

    def get_many(self, keys: Sequence[Any], found: dict[Hashable, ModelT]) -> None:
        """One batch of keys through a select, composite keys as tuples."""
        read_keys(self, self.session, keys, found)

    def instances(
        self, session: Session, statement: Select[Any], remember: bool = True
    ) -> Iterator[ModelT]:
        """The statement's models; a compound a custom `_filter` built reads them too."""
        if not isinstance(statement, Select):
            statement = select(self.model).from_statement(statement)
        result = session.scalars(statement)
        with translating(self.context, reading=self.model.__name__):
            yield from result

    def stream(self, session: Session, statement: Select[Any], batch_size: int) -> Iterator[ModelT]:
        """The statement's models, fetched `batch_size` rows at a time."""
        return self.instances(session, statement.execution_options(yield_per=batch_size))


class FastReader(Reader[ModelT]):
    """
    Reads a plain model of a read-only data set without the ORM's query machinery, on this
    thread's `ThreadReads` (given by `thread_reads`): its session, its own connection and its
    cache of recent `get`s. A change left pending in the thread's session fails the call, as
    it fails every Store call, through `refuse_changes`.

    """

    def __init__(
        self,
        rows: RowReader,
        thread_reads: Callable[[], ThreadReads],
        refuse_changes: Callable[[Session], None],
        orm: OrmReader[ModelT],
    ) -> None:
        self.model: type[ModelT] = rows.model
        self.rows = rows
        self.thread_reads = thread_reads
        self.refuse_changes = refuse_changes
        # what reads the statements this reader cannot
        self.orm = orm

    def get(self, key: Any) -> ModelT | None:
        """The instance with this key, from this thread's cache or one query."""
        reads = self.thread_reads()
        session = self.session_of(reads)
        cache = reads.cache(self.model)
        instance: ModelT | None = cache.get(key)
        if instance is not None:
            if session.holds(instance):
                cache.move_to_end(key)
                return instance
            del cache[key]  # expunged or made transient since: read it again
        try:
            instance = self.rows.get(session, reads.connection, key)
        except OverflowError:  # an integer beyond SQLite's 64 bits: no row has that key
            return None
        if instance is not None:
            reads.remember(self.model, key, instance)
        return instance

    def get_many(self, keys: Sequence[Any], found: dict[Hashable, ModelT]) -> None:
        """Distinct single-column keys in one `IN` query; composite keys through the ORM."""
        if not self.rows.single_key:
            read_keys(self, self.orm.session, keys, found)
            return
        reads = self.thread_reads()
        session = self.session_of(reads)
        try:
            found.update(self.rows.get_many(session, reads.connection, keys))
        except OverflowError:  # keys beyond 64 bits name no row: ask for the others only
            found.update(self.rows.get_many(session, reads.connection, usable_keys(keys)))

    def instances(
        self, session: Session, statement: Select[Any], remember: bool = True
    ) -> Iterator[ModelT]:
        """
        The statement's instances: SQLAlchemy compiles, binds and executes it, and the rows are
        read off the DB-API cursor; the session remembers them unless they are a stream.

        """
        if not self.reads(session, statement):
            return self.orm.instances(session, statement, remember)
        return self.read_cursor(session, statement, remember)

    def stream(self, session: Session, statement: Select[Any], batch_size: int) -> Iterator[ModelT]:
        """The statement's instances, row by row off the cursor, not remembered."""
        if not self.reads(session, statement):
            return self.orm.stream(session, statement, batch_size)
        return self.read_cursor(session, statement, remember=False)

    def reads(self, session: Session, statement: Select[Any]) -> bool:
        """Whether this reader can read the statement's rows itself, in this session."""
        return (
            isinstance(statement, Select)
            and isinstance(session, FastReadSession)
            and not has_loader_options(statement)
        )

    def read_cursor(
        self, session: Session, statement: Select[Any], remember: bool
    ) -> Iterator[ModelT]:
        """The rows of the statement, selecting this model's columns, as instances."""
        assert isinstance(session, FastReadSession)  # as `reads` found
        result = session.connection().execute(statement.with_only_columns(*self.rows.columns))
        try:
            with translating(self.rows.context):
                yield from self.rows.instances(session, raw_cursor(result), remember)
        finally:
            result.close()

    def session_of(self, reads: ThreadReads) -> FastReadSession:
        """The thread's session, once a change pending in it has failed, as at every call."""
        session = cast(FastReadSession, reads.session)  # the engine's, as it reads fast
        if not reads.depth and has_modified(session.identity_map):
            self.refuse_changes(session)
        return session


def read_keys(
    reader: Reader[ModelT],
    session: Callable[[], AbstractContextManager[Session]],
    keys: Sequence[Any],
    found: dict[Hashable, ModelT],
) -> None:
    """
    A batch of keys through one select (`IN`, of tuples for composite keys) by a reader, each
    instance found under every key given for its row (`7` and `"7"` may name one).

    """
    key = PrimaryKey.of(reader.model)
    with session() as opened:
        stored = key.stored_form(opened.get_bind().dialect)
        # stored form -> the keys given for it; none needed when keys are stored as given
        given: dict[Hashable, list[Any]] = {}
        if stored is not None:
            for each in keys:
                given.setdefault(stored(each), []).append(each)
        try:
            instances = list(reader.instances(opened, select(reader.model).where(key.among(keys))))
        except OverflowError:  # keys beyond 64 bits name no row: ask for the others only
            usable = select(reader.model).where(key.among(usable_keys(keys)))
            instances = list(reader.instances(opened, usable))
        # read inside the session, whose instances stay loaded while it is open
        if stored is None:  # each key is its own stored form
            found.update((key.of_instance(instance), instance) for instance in instances)
            return
        for instance in instances:
            own = key.of_instance(instance)
            for each in given.get(stored(own), (own,)):
                found[each] = instance
