"""
What a file must hold before a model is read from it: every table and column the model maps, and
nothing standing in one of its tables' place. A view or virtual table named as a model's table
would run its SQL on every read, so it is refused (`UntrustedArtifactError`) rather than read.

An engine checks each model once per version of its file (`DataSetEngine.check_model`), and a
read-only engine checks every model again before it reads a new file renamed over its path.

"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from sqlalchemy import inspect

from microcosm_sqlite.artifact.contents import IS_VIRTUAL
from microcosm_sqlite.artifact.model_schema import schema_differences
from microcosm_sqlite.errors import DataSetError, SchemaMismatchError, UntrustedArtifactError

__all__ = ["model_problem"]

# objects of the schema that a query of their name would run: views and virtual tables
POSING = (
    "SELECT type, name FROM sqlite_schema WHERE name = ? COLLATE NOCASE"
    f" AND (type = 'view' OR (type = 'table' AND {IS_VIRTUAL}))"
)


def model_problem(
    connection: sqlite3.Connection, model: type[Any], context: Mapping[str, str]
) -> DataSetError | None:
    """What keeps `model` from being read from the file behind `connection`, or None."""
    tables = inspect(model).tables
    posing = [
        f"{'a view' if kind == 'view' else 'a virtual table'} {name}"
        for table in tables
        for kind, name in connection.execute(POSING, (table.name,))
    ]
    if posing:
        return UntrustedArtifactError(
            f"{', '.join(posing)} stands where {model.__name__}'s table should be; it is not"
            " read, so none of its SQL runs (`microcosm-sqlite verify` lists what no build"
            " writes)",
            **context,
        )
    differences = schema_differences(connection, tables, complete=False)
    if differences:
        return SchemaMismatchError(differences, **context)
    return None
