"""
The data set's schema as a build writes it: which models, in which order, with which DDL.

`find_base` turns `package.module[:Base]` (what `build` and `verify --models` take) into the
data set base; `load_order` puts tables after the tables they reference; the DDL is written in
the artifact's dialect (`microcosm_sqlite.artifact.dialect`).

"""

from __future__ import annotations

import importlib
import logging
import sqlite3
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from sqlalchemy import Index, MetaData, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from microcosm_sqlite.artifact.contents import quote
from microcosm_sqlite.errors import BuildError

logger = logging.getLogger(__name__)


# --- finding the models ---------------------------------------------------------------------


def is_dataset_base(value: object) -> bool:
    """A base from `DataSet.create`: it defines `__dataset__` itself and holds the metadata."""
    return (
        isinstance(value, type)
        and "__dataset__" in vars(value)
        and isinstance(getattr(value, "metadata", None), MetaData)
    )


def dataset_base_of(value: object) -> type[Any] | None:
    """The data set base a model (or base) descends from, if any."""
    if not isinstance(value, type):
        return None
    for klass in value.__mro__:
        if is_dataset_base(klass):
            return klass
    return None


def find_base(models: str) -> type[Any]:
    """
    The data set base named by `package.module` or `package.module:Base`.

    A module alone must define models of exactly one data set (or hold exactly one base),
    so a build never guesses between two. Raises `BuildError` when the module does not import
    or names no single base.

    """
    module_name, _, attribute = models.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise BuildError(f"cannot import models module {module_name!r}: {error}") from error
    if attribute:
        value = getattr(module, attribute, None)
        base = dataset_base_of(value)
        if base is None:
            raise BuildError(
                f"{models!r} is not a data set base (a class from DataSet.create) or its model"
            )
        return base
    return _single_base(module)


def _single_base(module: ModuleType) -> type[Any]:
    values = list(vars(module).values())
    defined = {
        base
        for value in values
        if isinstance(value, type) and value.__module__ == module.__name__
        if (base := dataset_base_of(value)) is not None
    }
    bases = defined or {value for value in values if is_dataset_base(value)}
    if len(bases) == 1:
        return bases.pop()
    if not bases:
        raise BuildError(
            f"module {module.__name__!r} defines no data set models"
            " (classes of a base from DataSet.create)"
        )
    names = ", ".join(sorted(f"{module.__name__}:{base.__name__}" for base in bases))
    raise BuildError(
        f"module {module.__name__!r} holds models of several data sets; name one: {names}"
    )


# --- load order -----------------------------------------------------------------------------


def load_order(tables: Iterable[Table]) -> list[Table]:
    """
    Tables with the ones they reference first; ties in name order.

    Tables in a reference cycle load in name order after their other dependencies: foreign
    keys are checked after everything loads, so the order only keeps the checks readable.

    """
    pending = {table.name: table for table in sorted(tables, key=lambda table: table.name)}
    depends = {
        name: {
            key.column.table.name
            for key in table.foreign_keys
            if key.column.table.name in pending and key.column.table.name != name
        }
        for name, table in pending.items()
    }
    ordered: list[Table] = []
    while pending:
        ready = [name for name in pending if not depends[name] & set(pending)]
        if not ready:
            cycle = sorted(pending)
            logger.info("tables %s reference each other; loading in name order", cycle)
            ready = cycle[:1]
        for name in ready:
            ordered.append(pending.pop(name))
    return ordered


# --- the schema -----------------------------------------------------------------------------


# typed as Any first: SQLAlchemy 2.0 leaves the constructor untyped
new_create_index: Any = CreateIndex


def table_ddl(table: Table, dialect: Dialect) -> str:
    """The `CREATE TABLE` statement the build runs for `table`."""
    return str(CreateTable(table).compile(dialect=dialect)).strip()


def index_ddl(index: Index, dialect: Dialect) -> str:
    """The `CREATE INDEX` statement the build runs for `index`."""
    return str(new_create_index(index).compile(dialect=dialect)).strip()


def sorted_indexes(table: Table) -> list[Index]:
    """A table's indexes by name: a fixed order keeps the build's bytes the same."""
    return sorted(table.indexes, key=lambda index: index.name or "")


def server_defaults(connection: sqlite3.Connection, table: str) -> dict[str, Any]:
    """
    Each column's `server_default` as SQLite evaluates it, for sources that leave it out.

    Raises `sqlite3.Error` when SQLite cannot evaluate one.

    """
    defaults: dict[str, Any] = {}
    for _, name, _, _, default, _ in connection.execute(f"PRAGMA table_info({quote(table)})"):
        if default is not None:
            defaults[name] = connection.execute(f"SELECT {default}").fetchone()[0]
    return defaults
