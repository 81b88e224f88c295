"""
`Store`: typed reads of one model (get, search, count, iterate...) through the graph's sessions.

"""

from __future__ import annotations

import inspect
import sqlite3
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from decimal import InvalidOperation
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy import inspect as inspect_model
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Mapper, Session

from microcosm_sqlite._error_mapping import translate_error
from microcosm_sqlite._legacy import TWO_X_CONTEXT, LegacyMember, legacy
from microcosm_sqlite.dataset import context_session
from microcosm_sqlite.engines import ENGINE_INFO_KEY, DataSetEngine
from microcosm_sqlite.errors import (
    InvalidFilterValueError,
    InvalidIdentifierError,
    ModelNotFoundError,
    MultipleModelsFoundError,
    SQLiteError,
    UnknownFilterError,
    UnreadableValueError,
)
from microcosm_sqlite.models import primary_key_names
from microcosm_sqlite.reading import FastReader

__all__ = ["Store"]

ModelT = TypeVar("ModelT")


def __getattr__(name: str) -> Any:
    """2.x's `GetOrCreateSession` and `get_session`, deprecated, answered by `compat`."""
    if name in ("GetOrCreateSession", "get_session"):
        return legacy(f"microcosm_sqlite.stores.{name}")()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


IN_VALUE_TYPES = (list, tuple, set, frozenset)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# typed as Any first: SQLAlchemy 2.0 leaves the dialect's constructor untyped
new_sqlite_dialect: Any = sqlite_dialect.dialect
SQLITE_DIALECT: Dialect = new_sqlite_dialect()
# marks a filter whose bind processor is not looked up yet (None means "stored as given")
NO_PROCESSOR: Any = object()


class Store(Generic[ModelT]):
    """
    Reads one model of a data set.

    Subclasses set `model_class`, optionally `auto_filter_fields` (equality by column name,
    IN for collections, no filter for None), and may override `_filter` and `_order_by`.
    Keywords an override accepts are the parameters it names; any other keyword is an error.

    """

    model_class: type[ModelT]
    auto_filter_fields: Sequence[Any] = ()
    # how many ids one `get_many` query asks for, and how many rows the ORM path of `iterate`
    # fetches at a time (the fast path reads the cursor row by row)
    batch_size = 1000

    if not TYPE_CHECKING:  # 2.x's `store.get_session = GetOrCreateSession(graph)`, deprecated
        get_session = LegacyMember("store.get_session")

    def __init__(self, graph: Any = None, get_session: Any = None) -> None:
        if get_session is not None or getattr(type(graph), "legacy_session_source", False):
            graph = legacy("Store(get_session=...)")(graph, get_session)  # 2.x, deprecated
        self.graph = graph

    @property
    def session(self) -> Session:
        """Deprecated (2.x): the session this store reads through; Store calls need none."""
        session: Session = legacy("Store.session")(self)
        return session

    # --- reads ---------------------------------------------------------------------------

    def get(self, identifier: Any) -> ModelT:
        """The model with this primary key (a tuple for composite keys)."""
        reader = self._fast_reader
        try:
            if reader is not None:
                instance = self._get_fast(reader, identifier)
            else:
                instance = self._get_orm(identifier)
        except OverflowError:  # an integer beyond SQLite's 64 bits: no row has that key
            instance = None
        except (TypeError, StatementError) as error:
            raise self._invalid_identifier(identifier, error) from error
        if instance is None:
            raise ModelNotFoundError(
                f"{self.model_class.__name__} {identifier!r} not found in data set {self.dataset!r}"
            )
        return instance

    def get_many(self, identifiers: Iterable[Any]) -> list[ModelT]:
        """The models found, in the order given; identifiers with no model are left out."""
        wanted = [self._key(identifier) for identifier in identifiers]
        try:
            unique = list(dict.fromkeys(wanted))
        except TypeError as error:
            raise self._invalid_identifier(first_unhashable(wanted), error) from error
        found: dict[Hashable, ModelT] = {}
        reader = self._fast_reader
        read = (
            self._get_many_fast if reader is not None and reader.single_key else self._get_many_orm
        )
        for batch in batches(unique, self.batch_size):
            try:
                read(batch, found)
            except OverflowError:  # keys beyond 64 bits name no row: ask for the others only
                read([key for key in batch if fits_sqlite(key)], found)
            except StatementError as error:
                raise self._invalid_identifier(batch, error) from error
        return [found[key] for key in wanted if key in found]

    def search(
        self, offset: int | None = None, limit: int | None = None, **filters: Any
    ) -> list[ModelT]:
        """Every match, ordered by `_order_by`, one page of them when offset or limit is set."""
        statement = self._ordered(**filters).offset(offset).limit(limit)
        with self._session() as session, self._refusing_bad_values(filters):
            return list(self._instances(session, statement))

    def count(self, **filters: Any) -> int:
        """How many rows match; raises UnknownFilterError or InvalidFilterValueError as search."""
        if "offset" in filters or "limit" in filters:  # 2.x ignored them, deprecated
            filters = legacy("Store.count(offset=, limit=)")(self, filters)
        matches = self._filtered(**filters).subquery()
        with self._session() as session, self._refusing_bad_values(filters):
            return int(session.scalar(select(func.count()).select_from(matches)) or 0)

    def exists(self, **filters: Any) -> bool:
        """Whether any row matches; raises as `count` does."""
        statement = select(self._filtered(**filters).exists())
        with self._session() as session, self._refusing_bad_values(filters):
            return bool(session.scalar(statement))

    def first(
        self, offset: int | None = None, limit: int | None = None, **filters: Any
    ) -> ModelT | None:
        """The first match in `_order_by` order (after `offset` rows), or None."""
        if limit == 0:
            return None
        # any other limit leaves the first match first, as it did in 2.x
        matches = self.search(offset=offset, limit=1, **filters)
        return matches[0] if matches else None

    def one(self, offset: int | None = None, limit: int | None = None, **filters: Any) -> ModelT:
        """The only match (in the page `offset` and `limit` give, as `search`); an error when
        there is none or more than one."""
        matches = self.search(offset=offset, limit=2 if limit is None else min(limit, 2), **filters)
        if not matches:
            raise ModelNotFoundError(
                f"no {self.model_class.__name__} in data set {self.dataset!r} matches {filters!r}"
            )
        if len(matches) > 1:
            raise MultipleModelsFoundError(
                f"more than one {self.model_class.__name__} in data set {self.dataset!r}"
                f" matches {filters!r}"
            )
        return matches[0]

    def iterate(self, **filters: Any) -> Iterator[ModelT]:
        """Every match in order, streamed: memory stays bounded however many rows match."""
        # built here, not in the generator, so a bad keyword fails at the call
        statement = self._ordered(**filters)
        if self._fast_reader is None:
            statement = statement.execution_options(yield_per=self.batch_size)
        return self._stream(statement, filters)

    # --- writes (writable data sets only) ------------------------------------------------

    def create(self, instance: ModelT) -> ModelT:
        """
        Add and flush `instance`, returned with its keys set. Raises ReadOnlyDataSetError on a
        read-only data set, DuplicateModelError or ModelIntegrityError when SQLite refuses it.

        """
        with self._session(write="create") as session:
            session.add(instance)
            session.flush()
        return instance

    def delete(self, **filters: Any) -> int:
        """Delete every match; returns how many were deleted."""
        statement = self._filtered(**filters)
        with self._session(write="delete") as session:
            doomed = list(self._instances(session, statement, remember=False))
            for instance in doomed:
                session.delete(instance)
            session.flush()
            in_2x_context = session.info.get(TWO_X_CONTEXT, False)
        if not doomed and in_2x_context:  # 2.x raised, deprecated
            legacy("Store.delete() matching nothing")(self, filters)
        return len(doomed)

    # --- hooks for subclasses ------------------------------------------------------------

    def _filter(self, query: Select[Any], **kwargs: Any) -> Select[Any]:
        """Apply `auto_filter_fields`: equality, IN for collections, nothing for None."""
        for name, value in kwargs.items():
            column = self._auto_filters.get(name)
            if column is None or value is None:
                continue
            if isinstance(value, IN_VALUE_TYPES):
                values = list(value)
                self._check_filter_values(name, value, column, values)
                query = query.where(column.in_(values))
            else:
                self._check_filter_values(name, value, column, [value])
                query = query.where(column == value)
        return query

    def _order_by(self, query: Select[Any], **kwargs: Any) -> Select[Any]:
        """Primary key order by default, so pages never overlap or skip."""
        return query.order_by(*self._primary_key)

    # --- machinery -----------------------------------------------------------------------

    @property
    def dataset(self) -> str:
        """The name of the data set the model lives in."""
        name: str = self.model_class.__dataset__  # type: ignore[attr-defined]
        return name

    @cached_property
    def _mapper(self) -> Mapper[Any]:
        found: Any = inspect_model(self.model_class)  # SQLAlchemy 2.0 types it as optional
        mapper: Mapper[Any] = found
        return mapper

    @cached_property
    def _primary_key(self) -> tuple[Any, ...]:
        return tuple(self._mapper.primary_key)

    @cached_property
    def _auto_filters(self) -> dict[str, Any]:
        return {
            field if isinstance(field, str) else field.key: (
                getattr(self.model_class, field) if isinstance(field, str) else field
            )
            for field in self.auto_filter_fields
        }

    @cached_property
    def accepted_filters(self) -> tuple[str, ...]:
        """
        Every keyword some `_filter` or `_order_by` of the class or its bases names, and the
        auto filters, sorted: an override that hands `**kwargs` to `super()` still accepts
        what its parents do.

        """
        named = set(self._auto_filters)
        for klass in type(self).__mro__:
            for hook in (vars(klass).get("_filter"), vars(klass).get("_order_by")):
                if hook is None:
                    continue
                # after `self` and `query`, what the hook names is what it accepts
                parameters = inspect.signature(getattr(hook, "__func__", hook)).parameters
                named.update(
                    parameter.name
                    for parameter in list(parameters.values())[2:]
                    if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
                )
        return tuple(sorted(named))

    def _filtered(self, **filters: Any) -> Select[Any]:
        unknown = sorted(set(filters) - set(self.accepted_filters))
        if unknown:
            raise UnknownFilterError(type(self).__name__, unknown, self.accepted_filters)
        try:
            return self._filter(select(self.model_class), **filters)
        except AttributeError as error:  # perhaps a `_filter` written for 2.x's ORM Query
            statement: Select[Any] = legacy("Store._filter(query) on 2.x's Query")(
                self, filters, error
            )
            return statement

    def _ordered(self, **filters: Any) -> Select[Any]:
        return self._order_by(self._filtered(**filters), **filters)

    def _key(self, identifier: Any) -> Any:
        """
        An identifier in the one form every read keys by: the value of a one-column key (a
        1-tuple unwrapped), else a tuple; converted only where SQLite finds the same row.

        """
        if not isinstance(identifier, tuple | list):
            if len(self._primary_key) == 1:  # the common case, kept short: it is every get
                return coerce(self._key_kinds[0], identifier)
            identifier = (identifier,)
        if len(identifier) != len(self._primary_key):
            raise InvalidIdentifierError(
                type(self).__name__,
                identifier,
                f"{self.model_class.__name__} has a primary key of {len(self._primary_key)}"
                f" column(s)",
            )
        values = tuple(
            coerce(kind, value) for kind, value in zip(self._key_kinds, identifier, strict=True)
        )
        return values[0] if len(values) == 1 else values

    @cached_property
    def _key_kinds(self) -> tuple[type | None, ...]:
        """Primary key columns' Python types, where a mismatched identifier can be converted."""
        kinds: list[type | None] = []
        for column in self._primary_key:
            try:
                kind = column.type.python_type
            except NotImplementedError:
                kind = None
            kinds.append(kind if kind in (int, str, float) else None)
        return tuple(kinds)

    def _stream(self, statement: Select[Any], filters: dict[str, Any]) -> Iterator[ModelT]:
        with self._session() as session, self._refusing_bad_values(filters):
            yield from self._instances(session, statement, remember=False)

    @contextmanager
    def _reading_values(self) -> Iterator[None]:
        """A stored value the ORM cannot read back (a damaged file), as an SQLiteError."""
        try:
            yield
        except SQLiteError:
            raise
        except (ValueError, TypeError, LookupError, InvalidOperation) as error:
            context = self._engine.context() if self.graph is not None else {}
            raise UnreadableValueError(
                f"a value of {self.model_class.__name__} cannot be read: {error}",
                **{"dataset": self.dataset, **context},
            ) from error

    # --- input SQLite cannot take: 400s that name the store, never raw errors or SQL -----

    def _invalid_identifier(self, identifier: Any, error: BaseException) -> SQLiteError:
        if isinstance(error, SQLiteError):
            return error
        reason = str(getattr(error, "orig", None) or error).split("\n")[0]
        return InvalidIdentifierError(type(self).__name__, identifier, reason)

    def _check_filter_values(self, name: str, given: Any, column: Any, values: list[Any]) -> None:
        """Each value of an auto filter as its column would store it, or a 400 naming it."""
        processor = self._bind_processors.get(name, NO_PROCESSOR)
        if processor is NO_PROCESSOR:
            processor = self._bind_processors[name] = bind_processor(column)
        for value in values:
            try:
                if value is not None and processor is not None:
                    value = processor(value)
                reason = unusable_reason(value)
            except (TypeError, ValueError, LookupError, OverflowError) as error:
                reason = str(error)
            if reason is not None:
                raise InvalidFilterValueError(type(self).__name__, {name: given}, reason)

    @cached_property
    def _bind_processors(self) -> dict[str, Callable[[Any], Any] | None]:
        return {}

    @contextmanager
    def _refusing_bad_values(self, filters: dict[str, Any]) -> Iterator[None]:
        """Values a custom `_filter` compared that SQLite cannot take, as a 400 without SQL."""
        try:
            yield
        except (OverflowError, TypeError) as error:
            raise InvalidFilterValueError(type(self).__name__, filters, str(error)) from error
        except StatementError as error:
            if isinstance(error, DBAPIError):
                raise
            reason = str(error.orig).split("\n")[0]
            raise InvalidFilterValueError(type(self).__name__, filters, reason) from error
        except SQLiteError as error:
            if not refused_binding(error.__cause__):
                raise
            raise InvalidFilterValueError(
                type(self).__name__, filters, str(error.__cause__)
            ) from error

    # --- how rows are read: the fast path where it can, else the ORM ---------------------

    @cached_property
    def _fast_reader(self) -> FastReader | None:
        """The fast path's reader for this model, when the model and the engine allow it."""
        if self.graph is None or not FastReader.supports(self._engine, self.model_class):
            return None
        return FastReader(self._engine, self.model_class)

    def _get_orm(self, identifier: Any) -> ModelT | None:
        key = self._key(identifier)
        hash(key)  # a dict or list in a key is refused here, as on the fast path
        # a NULL in a key names no row (and makes the ORM warn)
        if key is None or (isinstance(key, tuple) and None in key):
            return None
        try:
            with self._session() as session, self._reading_values():
                return session.get(self.model_class, key)
        except SQLiteError as error:
            if not refused_binding(error.__cause__):
                raise
            raise self._invalid_identifier(identifier, error.__cause__ or error) from error

    def _get_fast(self, reader: FastReader, identifier: Any) -> ModelT | None:
        """A cached instance, or one row by primary key on this thread's own connection."""
        key = self._key(identifier)
        try:  # as engine.translating_errors(), without a context manager on the hot path
            instance: ModelT | None = reader.get(key)
        except sqlite3.Error as error:
            if refused_binding(error):
                raise self._invalid_identifier(identifier, error) from error
            raise translate_error(error, self._engine.context()) from error
        return instance

    def _get_many_fast(self, keys: Sequence[Any], found: dict[Hashable, ModelT]) -> None:
        """One batch of single-column keys, as one `IN` query on this thread's connection."""
        try:
            cast(FastReader, self._fast_reader).get_many(keys, found)
        except sqlite3.Error as error:
            if refused_binding(error):
                raise self._invalid_identifier(keys, error) from error
            raise translate_error(error, self._engine.context()) from error

    def _get_many_orm(self, keys: Sequence[Any], found: dict[Hashable, ModelT]) -> None:
        """One batch of keys through a select, composite keys as tuples."""
        composite = len(self._primary_key) > 1
        key = tuple_(*self._primary_key) if composite else self._primary_key[0]
        names = primary_key_names(self.model_class)
        with self._session() as session:
            matching = select(self.model_class).where(key.in_(keys))
            try:
                for instance in self._instances(session, matching):
                    # read as attributes: a fast-loaded instance needs no ORM state for this
                    values = tuple(getattr(instance, name) for name in names)
                    found[values if composite else values[0]] = instance
            except SQLiteError as error:
                if not refused_binding(error.__cause__):
                    raise
                raise self._invalid_identifier(keys, error.__cause__ or error) from error

    def _instances(
        self, session: Session, statement: Select[Any], remember: bool = True
    ) -> Iterator[ModelT]:
        """
        The statement's models: raw rows straight into instances when the fast reader can read
        them, which the session remembers unless they are a stream (`iterate`).

        """
        reader = self._fast_reader
        if not isinstance(statement, Select):
            # a compound (`union`, `except_`...) a custom `_filter` built: the ORM reads its rows
            statement = select(self.model_class).from_statement(statement)
            reader = None
        if reader is None or not reader.reads(session, statement):
            with self._reading_values():
                yield from session.scalars(statement)
            return
        try:
            yield from reader.instances(session, statement, remember)
        except sqlite3.Error as error:
            raise translate_error(error, self._engine.context()) from error

    @contextmanager
    def _session(self, write: str | None = None) -> Iterator[Session]:
        """
        The session to use: this thread's for `Store(graph)`, the open context's for `Store()`.

        Writes are refused up front on read-only data sets. (The engine itself turns SQLite's
        errors into `SQLiteError`s that name the data set.)

        """
        if self.graph is not None:
            engine = self._engine
            if write is not None:
                engine.refuse_write(write)
            with engine.thread_session() as session:
                yield session
            return
        opened = context_session(self.dataset)
        if opened is None:
            raise SQLiteError(
                f"{type(self).__name__}() has no graph: pass one, or call it inside"
                f" an open new_context(graph) for data set {self.dataset!r}"
            )
        context_engine: DataSetEngine = opened.info[ENGINE_INFO_KEY]
        if write is None:
            yield opened
            return
        context_engine.refuse_write(write)
        try:
            yield opened
        except BaseException:
            # a failed write rolls the context back and leaves it usable, as in 2.x
            opened.rollback()
            raise

    @cached_property
    def _engine(self) -> DataSetEngine:
        """The graph's engine for the data set, once the artifact is known to fit the model."""
        engine: DataSetEngine = self.graph.sqlite(self.dataset)
        if engine.read_only:
            engine.check_model(self.model_class)
        return engine


def bind_processor(column: Any) -> Callable[[Any], Any] | None:
    """How a column's type turns a Python value into what SQLite stores (None: as it is)."""
    dialect = SQLITE_DIALECT
    processor: Callable[[Any], Any] | None = column.type.dialect_impl(dialect).bind_processor(
        dialect
    )
    return processor


def unusable_reason(value: Any) -> str | None:
    """Why SQLite cannot take a value as a parameter, or None when it can."""
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        return f"{value} is beyond SQLite's 64-bit integers"
    if value is None or isinstance(value, int | float | str | bytes | bytearray | memoryview):
        return None
    return f"a {type(value).__name__} cannot be compared with a column"


def fits_sqlite(key: Any) -> bool:
    """Whether every integer in a key is one SQLite can hold."""
    values = key if isinstance(key, tuple) else (key,)
    return not any(
        isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX for value in values
    )


def first_unhashable(keys: Sequence[Any]) -> Any:
    """The first key that cannot be hashed (a dict, a list inside a tuple...)."""
    for key in keys:
        try:
            hash(key)
        except TypeError:
            return key
    return keys


def refused_binding(error: BaseException | None) -> bool:
    """Whether sqlite3 refused a parameter's type, before running anything."""
    return isinstance(error, sqlite3.InterfaceError | sqlite3.ProgrammingError) and (
        "binding parameter" in str(error)
    )


def batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def coerce(kind: type | None, value: Any) -> Any:
    """
    A key value as the key column's Python type `kind` where SQLite would find the same row
    ("7" for 7, 7.0 for 7), else unchanged: then it matches what SQLite matches, never a row
    a lossy conversion picked.

    """
    if kind is None or value is None or isinstance(value, kind | bool | bytes):
        return value
    if kind is int:
        if isinstance(value, float):
            return int(value) if value.is_integer() else value
        if isinstance(value, str):
            with suppress(ValueError):
                if str(converted := int(value)) == value:
                    return converted
        return value
    if kind is str:
        return str(value) if isinstance(value, int | float) else value
    if kind is float and isinstance(value, int | str):
        with suppress(ValueError):
            return float(value)
    return value
