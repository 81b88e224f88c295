"""
2.x's `microcosm_sqlite.constants`, kept for this major version (see UPGRADING.md).

3.x bases do not apply `naming_convention`: artifacts are built from the models, never migrated
by alembic, so constraint names need no stable convention. A team that wants it passes it to its
own `MetaData(naming_convention=...)`.

"""

from __future__ import annotations

import warnings
from typing import Any

_NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def __getattr__(name: str) -> Any:
    if name == "naming_convention":
        warnings.warn(
            "microcosm_sqlite.constants.naming_convention is deprecated and no longer applied"
            " by DataSet bases; pass your own MetaData(naming_convention=...) if you need one"
            " (see UPGRADING.md)",
            DeprecationWarning,
            stacklevel=2,
        )
        return dict(_NAMING_CONVENTION)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
