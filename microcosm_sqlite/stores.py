"""
`Store`: typed reads of one model (get, search, count, iterate...) through the graph's sessions.

A Store builds statements and offers the read API. What it is given is checked before any SQL
runs (`_keys` for identifiers; `_filters` for keywords, values and pages); the engine's `Reader`
for the model (`microcosm_sqlite.reading`) turns rows into instances; errors are mapped by the
one table in `_error_mapping`, input SQLite cannot take becoming a 400 that names the store.

"""

from __future__ import annotations

import sqlite3
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from microcosm_sqlite._error_mapping import translating
from microcosm_sqlite._filters import AutoFilters, accepted_keywords, check_known, check_page
from microcosm_sqlite._keys import PrimaryKey, batches
from microcosm_sqlite._legacy import TWO_X_CONTEXT, LegacyMember, legacy
from microcosm_sqlite.dataset import context_session
from microcosm_sqlite.engines import ENGINE_INFO_KEY, DataSetEngine
from microcosm_sqlite.errors import (
    InvalidFilterValueError,
    InvalidIdentifierError,
    ModelNotFoundError,
    MultipleModelsFoundError,
    SQLiteError,
)
from microcosm_sqlite.reading import OrmReader, Reader

if TYPE_CHECKING:  # loaded by the first search: a service that never searches never loads it
    from microcosm_sqlite._matching import FullTextMatch

__all__ = ["Store"]

ModelT = TypeVar("ModelT")


def __getattr__(name: str) -> Any:
    """2.x's `GetOrCreateSession` and `get_session`, deprecated, answered by `compat`."""
    if name in ("GetOrCreateSession", "get_session"):
        return legacy(f"microcosm_sqlite.stores.{name}")()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
        key = self._key.normalize(identifier, self)
        try:
            instance = self._reader.get(key)
        except SQLiteError:
            raise
        except Exception:
            # mapped as every call's errors are, with no context manager on the hot path
            with self._refusing_key(identifier):
                raise
        if instance is None:
            raise ModelNotFoundError(
                f"{self.model_class.__name__} {identifier!r} not found"
                f" in data set {self.dataset!r}",
                dataset=self.dataset,
            )
        return instance

    def get_many(self, identifiers: Iterable[Any]) -> list[ModelT]:
        """The models found, in the order given; identifiers with no model are left out."""
        wanted = [self._key.normalize(identifier, self) for identifier in identifiers]
        found: dict[Hashable, ModelT] = {}
        reader = self._reader
        for batch in batches(list(dict.fromkeys(wanted)), self.batch_size):
            with self._refusing_key(batch):
                reader.get_many(batch, found)
        return [found[key] for key in wanted if key in found]

    def search(
        self, offset: int | None = None, limit: int | None = None, **filters: Any
    ) -> list[ModelT]:
        """Every match, ordered by `_order_by`, one page of them when offset or limit is set."""
        check_page(type(self).__name__, self.dataset, offset=offset, limit=limit)
        statement = self._ordered(**filters).offset(offset).limit(limit)
        with self._session() as session, self._refusing(filters):
            return list(self._reader.instances(session, statement))

    def count(self, **filters: Any) -> int:
        """How many rows match; raises UnknownFilterError or InvalidFilterValueError as search."""
        if "offset" in filters or "limit" in filters:  # 2.x ignored them, deprecated
            filters = legacy("Store.count(offset=, limit=)")(self, filters)
        matches = self._filtered(**filters).subquery()
        with self._session() as session, self._refusing(filters):
            return int(session.scalar(select(func.count()).select_from(matches)) or 0)

    def exists(self, **filters: Any) -> bool:
        """Whether any row matches; raises as `count` does."""
        statement = select(self._filtered(**filters).exists())
        with self._session() as session, self._refusing(filters):
            return bool(session.scalar(statement))

    def first(
        self, offset: int | None = None, limit: int | None = None, **filters: Any
    ) -> ModelT | None:
        """The first match in `_order_by` order (after `offset` rows), or None."""
        check_page(type(self).__name__, self.dataset, offset=offset, limit=limit)
        if limit == 0:
            return None
        # any other limit leaves the first match first, as it did in 2.x
        matches = self.search(offset=offset, limit=1, **filters)
        return matches[0] if matches else None

    def one(self, offset: int | None = None, limit: int | None = None, **filters: Any) -> ModelT:
        """
        The only match within the page `offset` and `limit` select, as in 2.x: an error when
        the page holds none (ModelNotFoundError) or more than one (MultipleModelsFoundError).

        """
        check_page(type(self).__name__, self.dataset, offset=offset, limit=limit)
        # two rows tell "more than one" apart; a smaller page is honoured as it is
        page = 2 if limit is None else min(limit, 2)
        matches = self.search(offset=offset, limit=page, **filters)
        if not matches:
            raise ModelNotFoundError(
                f"no {self.model_class.__name__} in data set {self.dataset!r} matches {filters!r}",
                dataset=self.dataset,
            )
        if len(matches) > 1:
            raise MultipleModelsFoundError(
                f"more than one {self.model_class.__name__} in data set {self.dataset!r}"
                f" matches {filters!r}",
                dataset=self.dataset,
            )
        return matches[0]

    def match(
        self,
        text: str,
        offset: int | None = None,
        limit: int | None = None,
        *,
        prefix: bool = True,
        syntax: bool = False,
        ranked: bool = True,
        **filters: Any,
    ) -> list[ModelT]:
        """
        Rows whose searchable text (the model's `FullText`) matches all the words of `text`,
        the last as a prefix unless not `prefix` (with `syntax`, `text` is FTS5's query
        syntax), filtered as `search` filters; most relevant first (bm25), ties in `_order_by`
        order, which alone orders them when not `ranked`.
        """
        check_page(type(self).__name__, self.dataset, offset=offset, limit=limit)
        # how many rows the index alone may rank, where ties go in the default (key) order
        default_order = type(self)._order_by is Store._order_by
        top = None if limit is None or not default_order else (offset or 0) + limit
        statement = self._matching(text, prefix, syntax, filters, ranked=ranked, top=top)
        if statement is None:
            return []
        statement = self._order_by(statement, **filters).offset(offset).limit(limit)
        with self._session() as session, self._refusing(filters):
            return list(self._reader.instances(session, statement))

    def count_matches(
        self, text: str, *, prefix: bool = True, syntax: bool = False, **filters: Any
    ) -> int:
        """How many rows `match` would return for the same text and filters, unpaged."""
        counted = self._matching(text, prefix, syntax, filters, count=True)
        if counted is None:
            return 0
        with self._session() as session, self._refusing(filters):
            return int(session.scalar(counted) or 0)

    def iterate(self, **filters: Any) -> Iterator[ModelT]:
        """Every match in order, streamed: memory stays bounded however many rows match."""
        # built here, not in the generator, so a bad keyword fails at the call
        return self._stream(self._ordered(**filters), filters)

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
            doomed = list(self._reader.instances(session, statement))
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
        return self._auto_filters.apply(type(self).__name__, query, kwargs)

    def _order_by(self, query: Select[Any], **kwargs: Any) -> Select[Any]:
        """Primary key order by default, so pages never overlap or skip."""
        return query.order_by(*self._key.columns)

    # --- statements ----------------------------------------------------------------------

    @property
    def dataset(self) -> str:
        """The name of the data set the model lives in."""
        name: str = self.model_class.__dataset__  # type: ignore[attr-defined]
        return name

    @cached_property
    def accepted_filters(self) -> tuple[str, ...]:
        """
        Every keyword some `_filter` or `_order_by` of the class or its bases names, and the
        auto filters, sorted: an override that hands `**kwargs` to `super()` still accepts
        what its parents do.

        """
        return accepted_keywords(type(self), self._auto_filters.columns)

    @cached_property
    def _key(self) -> PrimaryKey:
        return PrimaryKey.of(self.model_class)

    @cached_property
    def _auto_filters(self) -> AutoFilters:
        return AutoFilters(self.model_class, self.auto_filter_fields)

    def _filtered(self, **filters: Any) -> Select[Any]:
        """A select of the model with the filters applied (unknown keywords refused)."""
        check_known(type(self).__name__, filters, self.accepted_filters, self.dataset)
        try:
            return self._filter(select(self.model_class), **filters)
        except AttributeError as error:  # perhaps a `_filter` written for 2.x's ORM Query
            statement: Select[Any] = legacy("Store._filter(query) on 2.x's Query")(
                self, filters, error
            )
            return statement

    def _matching(
        self, text: str, prefix: bool, syntax: bool, filters: dict[str, Any], **how: Any
    ) -> Select[Any] | None:
        """The filtered rows matching `text` (see `FullTextMatch.matching`), None if no word."""
        statement = self._filtered(**filters)
        store = type(self).__name__
        return self._fulltext.matching(store, statement, text, prefix, syntax, **how)

    @cached_property
    def _fulltext(self) -> FullTextMatch:
        """The model's full-text index, once the artifact is known to hold the one declared."""
        from microcosm_sqlite._matching import FullTextMatch

        with self._session() as session, translating(self._error_context):
            raw = session.connection().connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            return FullTextMatch.checked(self, self.model_class, raw, self._error_context)

    def _ordered(self, **filters: Any) -> Select[Any]:
        """The filtered select in `_order_by` order."""
        return self._order_by(self._filtered(**filters), **filters)

    def _stream(self, statement: Select[Any], filters: dict[str, Any]) -> Iterator[ModelT]:
        with self._session() as session, self._refusing(filters):
            yield from self._reader.stream(session, statement, self.batch_size)

    # --- input SQLite cannot take: 400s that name the store, never raw errors or SQL -----

    def _refusing_key(self, identifier: Any) -> AbstractContextManager[None]:
        """Errors mapped, a key SQLite cannot take (a lone surrogate...) as a 400 naming it."""
        store = type(self).__name__
        return translating(
            self._error_context,
            refused=lambda reason: InvalidIdentifierError(
                store, identifier, reason, dataset=self.dataset
            ),
        )

    def _refusing(self, filters: dict[str, Any]) -> AbstractContextManager[None]:
        """Errors mapped, a value a custom `_filter` compared that SQLite cannot take as a 400."""
        store = type(self).__name__
        return translating(
            self._error_context,
            refused=lambda reason: InvalidFilterValueError(
                store, filters, reason, dataset=self.dataset
            ),
        )

    # --- where rows come from ------------------------------------------------------------

    @property
    def _reader(self) -> Reader[ModelT]:
        """How rows of the model become instances: the engine's reader for the model."""
        if self.graph is None:
            # Store() inside new_context: the ORM, in the context's session
            return OrmReader(self.model_class, self._session, self._error_context)
        return self._engine_reader

    @cached_property
    def _engine_reader(self) -> Reader[ModelT]:
        """The reader the engine chose for the model, once per model and engine."""
        return self._engine.reader(self.model_class)

    @property
    def _error_context(self) -> Mapping[str, str]:
        """What errors about the data set name: its name, path and the path's origin."""
        if self.graph is not None:
            return self._engine.error_context
        opened = context_session(self.dataset)
        if opened is None:
            return {"dataset": self.dataset}
        engine: DataSetEngine = opened.info[ENGINE_INFO_KEY]
        return engine.error_context

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
