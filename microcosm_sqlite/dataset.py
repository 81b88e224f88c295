"""
A declarative base per data set, whose models know which file they live in:
`class Base(DataSetBase, DeclarativeBase, dataset="name")`, which type checkers follow, or
`DataSet.create("name")` at run time.

The base holds the data set's name and nothing else: engines and sessions belong to a graph,
so two graphs can map one name to two files in the same process.

"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType, new_class
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session

from microcosm_sqlite._legacy import LegacyAttribute, legacy
from microcosm_sqlite.engines import DataSetEngine
from microcosm_sqlite.reading.sessions import copy_state, restore_state

__all__ = ["DataSet", "DataSetBase"]

# data set name -> the session of the innermost open `new_context` for it, in this context
open_sessions: ContextVar[Mapping[str, Session]] = ContextVar(
    "microcosm_sqlite_open_sessions", default=MappingProxyType({})
)


def context_session(dataset: str) -> Session | None:
    """The session `new_context` opened for a data set here, if one is open."""
    return open_sessions.get().get(dataset)


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
    @contextmanager
    def new_context(cls, graph: Any) -> Iterator[Session]:
        """
        A session for `Store()` calls made inside the block (the microcosm-sqlite 2.0 way).

        The block's changes commit when it ends without an error: on a writable data set;
        on a read-only one, pending changes raise `ReadOnlyDataSetError` instead.

        """
        engine = cls.engine_for(graph)
        session = engine.new_session()
        token = open_sessions.set({**open_sessions.get(), cls.__dataset__: session})
        try:
            yield session
            # on a read-only data set this ends the read, or refuses changes left pending
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            open_sessions.reset(token)
            session.close()

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
