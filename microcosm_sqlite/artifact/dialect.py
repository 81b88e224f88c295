"""
The SQL dialect an artifact's schema is written in, and compared in by `verify`.

It declares JSON columns with TEXT affinity and floats as `DOUBLE`, the same on every
SQLAlchemy we support, so a build's bytes do not depend on the version.

"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.sqlite.base import SQLiteTypeCompiler
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Dialect

__all__ = ["FLOAT_DECLARED_TYPE", "JSON_DECLARED_TYPE", "ArtifactDialect", "artifact_dialect"]

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


class ArtifactTypeCompiler(SQLiteTypeCompiler):
    """SQLite's type names, but JSON columns declared with TEXT affinity, floats as `DOUBLE`."""

    def visit_JSON(self, type_: Any, **kw: Any) -> str:
        """`JSON TEXT`: TEXT affinity keeps a document the text it is."""
        return JSON_DECLARED_TYPE

    def visit_float(self, type_: Any, **kw: Any) -> str:
        """`DOUBLE` for a generic float, as SQLAlchemy 2.1 spells it."""
        return FLOAT_DECLARED_TYPE


class ArtifactDialect(SQLiteDialect_pysqlite):
    """The SQLite dialect that writes an artifact's schema."""

    type_compiler_cls = ArtifactTypeCompiler


# typed as Any first: SQLAlchemy 2.0 leaves the constructor untyped
new_artifact_dialect: Any = ArtifactDialect


def artifact_dialect() -> Dialect:
    """The dialect whose DDL the build writes, and that `verify` compares types with."""
    dialect: Dialect = new_artifact_dialect()
    return dialect
