"""
What goes into a column a source leaves out (no CSV header, no JSON key, no key in a Python
row): the column's scalar `default=`, a callable `default=` that takes no context (called per
row), or its `server_default` (evaluated once by SQLite); NULL in a nullable column with none;
any other column is required. Defaults are values of the model, checked as a Python row's are.

"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from microcosm_sqlite.building.conversion import ColumnConverter

__all__ = ["Fill", "fill_for"]


@dataclass(frozen=True)
class Fill:
    """What goes into a column the source does not give: a constant, or a call per row."""

    value: Any = None
    call: Callable[[], Any] | None = None


def fill_for(converter: ColumnConverter, server_defaults: dict[str, Any]) -> Fill | str:
    """
    The fill for an omitted column, or the reason it cannot be left out. Raises `ValueError`
    when a scalar default does not fit the column.

    """
    column = converter.column
    default = column.default
    if default is not None:
        if default.is_scalar:
            return Fill(value=converter.from_row(default.arg))  # type: ignore[attr-defined]
        if default.is_callable:
            # SQLAlchemy wraps a callable that takes no arguments into one taking a context
            function = default.arg  # type: ignore[attr-defined]

            def call() -> Any:
                try:
                    value = function(None)
                except Exception as error:
                    raise ValueError(
                        f"its default could not run without a statement context ({error!r})"
                    ) from None
                return converter.from_row(value)

            return Fill(call=call)
        return "its default is an SQL expression, which build does not evaluate"
    if column.name in server_defaults:
        return Fill(value=server_defaults[column.name])
    if converter.accepts_null:
        return Fill()
    return "the column is required: not nullable and no default"
