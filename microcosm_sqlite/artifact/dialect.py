"""
The SQL dialect of artifacts: how their schema is declared (the build's DDL, and the types
`verify` compares), and how values are stored and read (every runtime engine's dialect, so the
ORM and the fast read path process values the same way).

It declares JSON columns with TEXT affinity, floats as `DOUBLE`, and decimals of more digits
than a double keeps with TEXT affinity, the same on every SQLAlchemy we support, so a build's
bytes do not depend on the version. Its `colspecs` give decimals, dates, times and binary
columns the exact stored forms of `storage`.

Engines use it through the URL driver `ARTIFACT_DRIVER` (`sqlite+microcosm_sqlite://`),
registered with SQLAlchemy's dialect registry when this module is imported.

"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import types as sqltypes
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.base import SQLiteTypeCompiler
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Dialect

from microcosm_sqlite.artifact.storage import (
    StoredBinary,
    StoredDate,
    StoredDateTime,
    StoredDecimal,
    StoredTime,
    decimal_as_text,
)

__all__ = [
    "ARTIFACT_DRIVER",
    "FLOAT_DECLARED_TYPE",
    "JSON_DECLARED_TYPE",
    "TEXT_AFFINITY",
    "ArtifactDialect",
    "artifact_dialect",
]

# How artifacts declare JSON columns. SQLite's affinity comes from the declared name: plain
# `JSON` has NUMERIC affinity, which turns a document such as `123456789012345678901234567890`
# or `-0.0` into a number and changes it; a name holding `TEXT` has TEXT affinity, which
# stores the document as the text it is. Artifacts built by 3.0.0 declare `JSON`.
JSON_DECLARED_TYPE = "JSON TEXT"

# How artifacts declare a generic `Float` column. `Mapped[float]` is `Float()` under
# SQLAlchemy 2.0 and `Double()` under 2.1, which SQLite spells `FLOAT` and `DOUBLE`: the same
# REAL affinity and Python float. One name keeps the bytes of a build the same on either
# version; `DOUBLE` is what 2.1 wrote already. The uppercase `FLOAT` type still says `FLOAT`.
FLOAT_DECLARED_TYPE = "DOUBLE"

# The word that gives a declared type TEXT affinity: `NUMERIC TEXT(30, 2)` keeps a decimal's
# text, where `NUMERIC(30, 2)` would turn it into a REAL of 15 digits. Artifacts built by
# 3.0.0 declare `NUMERIC(30, 2)`.
TEXT_AFFINITY = "TEXT"

# the URL driver of engines on artifacts: `sqlite+microcosm_sqlite://`
ARTIFACT_DRIVER = "sqlite+microcosm_sqlite"


class ArtifactTypeCompiler(SQLiteTypeCompiler):
    """SQLite's type names, but JSON and long decimals with TEXT affinity, floats `DOUBLE`."""

    def visit_JSON(self, type_: Any, **kw: Any) -> str:
        """`JSON TEXT`: TEXT affinity keeps a document the text it is."""
        return JSON_DECLARED_TYPE

    def visit_float(self, type_: Any, **kw: Any) -> str:
        """`DOUBLE` for a generic float, as SQLAlchemy 2.1 spells it."""
        return FLOAT_DECLARED_TYPE

    def visit_NUMERIC(self, type_: Any, **kw: Any) -> str:
        """`NUMERIC(p, s)`, or `NUMERIC TEXT(p, s)` for decimals stored as text."""
        base: Any = super()  # untyped in SQLAlchemy 2.0
        return _with_text_affinity(type_, base.visit_NUMERIC(type_, **kw))

    def visit_DECIMAL(self, type_: Any, **kw: Any) -> str:
        """`DECIMAL(p, s)`, or `DECIMAL TEXT(p, s)` for decimals stored as text."""
        base: Any = super()  # untyped in SQLAlchemy 2.0
        return _with_text_affinity(type_, base.visit_DECIMAL(type_, **kw))


def _with_text_affinity(type_: Any, declared: str) -> str:
    if not decimal_as_text(type_):
        return declared
    name, bracket, arguments = declared.partition("(")
    return f"{name} {TEXT_AFFINITY}{bracket}{arguments}"


def _stored_forms(sqlite: Mapping[Any, Any]) -> dict[Any, Any]:
    """SQLite's types for generic ones, but decimals, dates, times and bytes as `storage`'s."""
    return {
        **sqlite,
        # floats are numerics to SQLAlchemy, but not decimals: they keep their own processing
        sqltypes.Float: sqltypes.Float,
        sqltypes.Numeric: StoredDecimal,
        sqltypes.Date: StoredDate,
        sqltypes.DateTime: StoredDateTime,
        sqltypes.TIMESTAMP: StoredDateTime,
        sqltypes.Time: StoredTime,
        sqltypes.LargeBinary: StoredBinary,
        sqltypes.BINARY: StoredBinary,
        sqltypes.VARBINARY: StoredBinary,
    }


class ArtifactDialect(SQLiteDialect_pysqlite):
    """The SQLite dialect artifacts are written and read in."""

    supports_statement_cache = True
    type_compiler_cls = ArtifactTypeCompiler
    colspecs = _stored_forms(SQLiteDialect_pysqlite.colspecs)


registry.register(ARTIFACT_DRIVER.replace("+", "."), __name__, ArtifactDialect.__name__)

# typed as Any first: SQLAlchemy 2.0 leaves the constructor untyped
new_artifact_dialect: Any = ArtifactDialect


def artifact_dialect() -> Dialect:
    """The dialect whose DDL the build writes, and that `verify` compares types with."""
    dialect: Dialect = new_artifact_dialect()
    return dialect
