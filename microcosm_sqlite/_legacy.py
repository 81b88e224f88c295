"""
The seam where 2.x's call styles reach core objects, so that no core module imports the 2.x
layer (`microcosm_sqlite.compat`).

A handful of old call styles arrive at core classes: `Base.session`, `Store(get_session=...)`,
unpacking `graph.sqlite(name)`, `graph.sqlite[name] = path`, `new_context(graph).open()`...
The core hands each to the handler registered under its name; `microcosm_sqlite.compat`
registers every handler, imported when a process makes its first old call (a service written
for 3.x never loads it). Each handler warns (through compat's one `deprecated()` helper) and
answers as 2.x did.

"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy.orm import Session

__all__ = [
    "TWO_X_CONTEXT",
    "LegacyAttribute",
    "LegacyMember",
    "answered_in",
    "answers",
    "legacy",
    "legacy_session_class",
]

F = TypeVar("F", bound=Callable[..., Any])
S = TypeVar("S", bound=Session)

# the 2.x layer, which registers its answers when imported
_COMPAT = "microcosm_sqlite.compat"
# old call style -> the 2.x layer's answer to it; filled once, when compat is imported
_handlers: dict[str, Callable[..., Any]] = {}
# old call style -> the module of the 2.x layer that registers its answer when imported, for
# answers whose imports reading must not pay for (2.x's builder loads the build)
_answered_in: dict[str, str] = {}

# the `Session.info` key marking the session of a 2.x-style context (`new_context(graph).open()`,
# `SessionContext`), inside which Stores keep 2.x's results
TWO_X_CONTEXT = "microcosm_sqlite.2x_context"


def answers(call_style: str) -> Callable[[F], F]:
    """Register the decorated function as the 2.x layer's answer to `call_style`."""

    def register(handler: F) -> F:
        if call_style in _handlers:
            raise RuntimeError(f"two handlers for the 2.x call style {call_style!r}")
        _handlers[call_style] = handler
        return handler

    return register


def answered_in(module: str, *call_styles: str) -> None:
    """Note that `module`, imported when first needed, registers the answers to `call_styles`."""
    for call_style in call_styles:
        _answered_in[call_style] = module


def legacy(call_style: str) -> Callable[..., Any]:
    """The 2.x layer's answer to an old call style (its module imported first, if need be)."""
    try:
        return _handlers[call_style]
    except KeyError:
        pass
    importlib.import_module(_COMPAT)
    if call_style not in _handlers and call_style in _answered_in:
        importlib.import_module(_answered_in[call_style])
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


class LegacyMember:
    """
    A 2.x attribute of instances (`context.open`, `store.get_session`), answered by the 2.x
    layer: reading it calls the handler of `call_style` with the instance; assigning it, the
    handler of `call_style + " ="` with the instance and the value.

    """

    def __init__(self, call_style: str) -> None:
        self.call_style = call_style

    def __get__(self, instance: object, owner: type[Any] | None = None) -> Any:
        if instance is None:
            return self
        return legacy(self.call_style)(instance)

    def __set__(self, instance: object, value: Any) -> None:
        legacy(f"{self.call_style} =")(instance, value)


# a session class -> the same with 2.x's `context.session`
_session_classes: dict[type[Session], type[Session]] = {}


def legacy_session_class(session_class: type[S]) -> type[S]:
    """
    `session_class` with 2.x's `context.session`: inside `with Base.new_context(graph) as
    context:`, 2.x code reaches the session as `context.session` (deprecated), the session itself.

    """
    if session_class not in _session_classes:
        namespace = {"session": LegacyMember("context.session"), "__module__": __name__}
        _session_classes[session_class] = type(session_class.__name__, (session_class,), namespace)
    return cast(type[S], _session_classes[session_class])
