"""
The seam where 2.x's call styles reach core objects, so that no core module imports the 2.x
layer (`microcosm_sqlite.compat`).

A handful of old call styles arrive at core classes: `Base.session`, `Store(get_session=...)`,
unpacking `graph.sqlite(name)`, `graph.sqlite[name] = path`... The core hands each to the
handler registered under its name; `microcosm_sqlite.compat`, imported with the package,
registers every handler. Each handler warns (through compat's one `deprecated()` helper) and
answers as 2.x did.

"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["LegacyAttribute", "answers", "legacy"]

F = TypeVar("F", bound=Callable[..., Any])

# old call style -> the 2.x layer's answer to it; filled once, when compat is imported
_handlers: dict[str, Callable[..., Any]] = {}


def answers(call_style: str) -> Callable[[F], F]:
    """Register the decorated function as the 2.x layer's answer to `call_style`."""

    def register(handler: F) -> F:
        if call_style in _handlers:
            raise RuntimeError(f"two handlers for the 2.x call style {call_style!r}")
        _handlers[call_style] = handler
        return handler

    return register


def legacy(call_style: str) -> Callable[..., Any]:
    """The 2.x layer's answer to an old call style."""
    try:
        return _handlers[call_style]
    except KeyError:
        raise RuntimeError(
            f"microcosm_sqlite.compat registered no answer to {call_style!r}"
        ) from None


class LegacyAttribute:
    """A 2.x class attribute of a data set base (`Base.session`), answered by the 2.x layer."""

    def __init__(self, call_style: str) -> None:
        self.call_style = call_style

    def __get__(self, instance: object, owner: type[Any]) -> Any:
        return legacy(self.call_style)(owner)
