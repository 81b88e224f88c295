"""
2.x's `microcosm_sqlite.constants`, kept for this major version (see UPGRADING.md).

3.x bases do not apply `naming_convention`: artifacts are built from the models, never migrated
by alembic, so constraint names need no stable convention. A team that wants it passes it to its
own `MetaData(naming_convention=...)`.

"""

from __future__ import annotations

from typing import Any

from microcosm_sqlite.compat import deprecated

__all__ = ["naming_convention"]  # noqa: F822 (a module __getattr__ answers it, with a warning)

_NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def __getattr__(name: str) -> Any:
    if name == "naming_convention":
        deprecated(
            "microcosm_sqlite.constants.naming_convention, which DataSet bases no longer apply",
            "pass your own MetaData(naming_convention=...) if you need one",
        )
        return dict(_NAMING_CONVENTION)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
