"""
A declarative base per data set, whose models know which file they live in:
`class Base(DataSetBase, DeclarativeBase, dataset="name")`, which type checkers follow, or
`DataSet.create("name")` at run time.

The base holds the data set's name and nothing else: engines and sessions belong to a graph,
so two graphs can map one name to two files in the same process.

"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from contextvars import ContextVar, Token
from types import MappingProxyType, TracebackType, new_class
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session

from microcosm_sqlite._legacy import LegacyAttribute, LegacyMember, legacy
from microcosm_sqlite.engines import DataSetEngine
from microcosm_sqlite.reading.sessions import copy_state, restore_state

__all__ = ["DataSet", "DataSetBase", "DataSetContext", "data_set_bases"]

# data set name -> the session of the innermost open `new_context` for it, in this context
open_sessions: ContextVar[Mapping[str, Session]] = ContextVar(
    "microcosm_sqlite_open_sessions", default=MappingProxyType({})
)


# every data set base declared in this process, in the order declared (the values mean nothing)
_declared: weakref.WeakKeyDictionary[type[Any], None] = weakref.WeakKeyDictionary()


def context_session(dataset: str) -> Session | None:
    """The session `new_context` opened for a data set here, if one is open."""
    return open_sessions.get().get(dataset)


def data_set_bases(dataset: str | None = None) -> list[type[Any]]:
    """
    The data set bases declared in this process (those of one data set, when named), in the
    order declared; a base may subclass an intermediate class of the application's, so these
    are not simply `DataSetBase.__subclasses__()`.

    """
    return [base for base in list(_declared) if dataset in (None, base.__dataset__)]


class DataSetBase:
    """
    A data set's base, declared with SQLAlchemy's `DeclarativeBase` and the data set's name:

        class Base(DataSetBase, DeclarativeBase, dataset="airports"):
            pass

    Its class methods take the graph holding the engine. Raises TypeError when the declaration
    lacks `DeclarativeBase` or a `dataset` name.

    """

    __dataset__: ClassVar[str]
    metadata: ClassVar[MetaData]

    if not TYPE_CHECKING:  # so models may still name a column `session` or `local`
        # 2.x's class attributes, deprecated (answered by microcosm_sqlite.compat)
        session = LegacyAttribute("Base.session")
        local = LegacyAttribute("Base.local")

    def __init_subclass__(cls, dataset: str | None = None, **kwargs: Any) -> None:
        if dataset is not None:
            declare_dataset(cls, dataset)
        elif DeclarativeBase in cls.__bases__ and "__dataset__" not in vars(cls):
            raise TypeError(
                f"{cls.__name__} declares a data set base without its name: write"
                f' class {cls.__name__}(DataSetBase, DeclarativeBase, dataset="name")'
            )
        super().__init_subclass__(**kwargs)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled or copied before its state is built, an instance keeps no claim on a session."""
        return copy_state(self.__dict__)

    def __setstate__(self, values: dict[str, Any]) -> None:
        """Unpickled (in any process) or copied, an instance read fast gets its state on use."""
        restore_state(self, values)

    @classmethod
    def engine_for(cls, graph: Any) -> DataSetEngine:
        """This data set's engine in `graph`; raises DataSetNotConfiguredError if it has none."""
        engine: DataSetEngine = graph.sqlite(cls.__dataset__)
        return engine

    @classmethod
    def create_all(cls, graph: Any) -> None:
        """Create the models' tables; raises ReadOnlyDataSetError on a read-only data set."""
        engine = cls.engine_for(graph)
        engine.refuse_write("create tables")
        cls.metadata.create_all(engine.engine)

    @classmethod
    def drop_all(cls, graph: Any) -> None:
        """Drop the models' tables; raises ReadOnlyDataSetError on a read-only data set."""
        engine = cls.engine_for(graph)
        engine.refuse_write("drop tables")
        cls.metadata.drop_all(engine.engine)

    @classmethod
    def recreate_all(cls, graph: Any) -> None:
        """Drop and create the models' tables (writable data sets only, as `create_all`)."""
        cls.drop_all(graph)
        cls.create_all(graph)

    @classmethod
    def new_session(cls, graph: Any) -> Session:
        """A new session the caller owns and closes."""
        return cls.engine_for(graph).new_session()

    @classmethod
    def new_context(cls, graph: Any, **options: Any) -> DataSetContext:
        """
        `with Base.new_context(graph) as session:` gives a session that `Store()` calls made
        inside the block share (the microcosm-sqlite 2.0 way); see `DataSetContext`.
        `options` are 2.x's (`expire_on_commit`, `defer_foreign_keys`), deprecated.

        """
        if options:
            options = legacy("Base.new_context(graph, **options)")(options)
        return DataSetContext(cls, graph, options)

    @classmethod
    def resolve(cls) -> type[Any]:
        """Deprecated (2.x): the data set's base; 3.x bases hold no engine to resolve."""
        base: type[Any] = legacy("Base.resolve()")(cls)
        return base

    @classmethod
    def dispose(cls, graph: Any) -> None:
        """Close this data set's connections in this graph (they reopen on next use)."""
        cls.engine_for(graph).dispose()


def declare_dataset(base: type[Any], name: str) -> None:
    """Make `base` the base of the data set `name`; raises TypeError for a misdeclared base."""
    if not name or not isinstance(name, str):
        raise TypeError(f"a data set needs a non-empty name, not {name!r}")
    if DeclarativeBase not in base.__bases__:
        raise TypeError(
            f"the base of data set {name!r} needs DeclarativeBase among its bases: write"
            f' class {base.__name__}(DataSetBase, DeclarativeBase, dataset="{name}")'
        )
    base.__dataset__ = name
    _declared[base] = None


class DataSetContext:
    """
    What `Base.new_context(graph)` gives: `with` it, a new session of the data set that
    `Store()` calls inside the block share. The block's changes commit when it ends without an
    error (on a read-only data set, pending changes raise `ReadOnlyDataSetError` instead), and
    roll back when it raises.

    2.x's session-context methods (`open()`, `close()`, `commit()`, `rollback()`, `session`)
    work too, deprecated, as 2.x's `SessionContext`: a session opened by `open()` stays until
    `close()`, and nothing commits by itself.

    """

    if not TYPE_CHECKING:  # 2.x's, deprecated: answered by microcosm_sqlite.compat
        open = LegacyMember("new_context(graph).open")
        close = LegacyMember("new_context(graph).close")
        commit = LegacyMember("new_context(graph).commit")
        rollback = LegacyMember("new_context(graph).rollback")
        session = LegacyMember("new_context(graph).session")

    def __init__(self, base: type[DataSetBase], graph: Any, options: Mapping[str, Any]) -> None:
        self.base = base
        self.graph = graph
        self.options = options
        # the sessions of the blocks this context is entered in, innermost last
        self._entered: list[tuple[Session, Token[Mapping[str, Session]]]] = []

    def __enter__(self) -> Session:
        session = self.base.engine_for(self.graph).new_session()
        if self.options:
            legacy("apply new_context options")(session, self.options)
        token = open_sessions.set({**open_sessions.get(), self.base.__dataset__: session})
        self._entered.append((session, token))
        return session

    def __exit__(
        self,
        error_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session, token = self._entered.pop()
        try:
            if error_type is None:
                # on a read-only data set this ends the read, or refuses changes left pending
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
        finally:
            open_sessions.reset(token)
            session.close()


class DataSet:
    """Namespace for `DataSet.create`."""

    @staticmethod
    def create(name: str) -> type[Any]:
        """
        A new declarative base for the data set `name`, built at run time; models subclass it.
        Type checkers cannot follow it: declare `DataSetBase` subclasses where types matter.
        Raises ValueError for an empty name.

        """
        if not name or not isinstance(name, str):
            raise ValueError(f"a data set needs a non-empty name, not {name!r}")
        return new_class(
            f"{name.title().replace('_', '')}Base",
            (DataSetBase, DeclarativeBase),
            {"dataset": name},
            lambda namespace: namespace.update(__module__=__name__),
        )
