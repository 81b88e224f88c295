"""
Column types for shipped data: values arrive as text from CSV, so types are tolerant of spellings.

"""

from __future__ import annotations

from enum import Enum
from typing import Any

from sqlalchemy import Boolean, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from microcosm_sqlite._legacy import legacy

__all__ = ["EnumType", "Truthy"]

TRUE_SPELLINGS = frozenset({"1", "t", "true", "y", "yes", "on"})
FALSE_SPELLINGS = frozenset({"0", "f", "false", "n", "no", "off"})


def to_bool(value: object) -> bool | None:
    """Read a boolean from a bool, a number or one of the usual spellings; else ValueError."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        spelling = value.strip().lower()
        if spelling in TRUE_SPELLINGS:
            return True
        if spelling in FALSE_SPELLINGS:
            return False
    spellings = ", ".join(sorted(TRUE_SPELLINGS | FALSE_SPELLINGS))
    raise ValueError(f"{value!r} is not a boolean (use one of: {spellings})")


class Truthy(TypeDecorator[bool]):
    """A boolean that also accepts "yes", "T", "1" and friends when written."""

    impl = Boolean
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bool | None:
        """The boolean for a spelling; raises ValueError for one it does not know."""
        if value == "":  # 2.x's False, deprecated (see microcosm_sqlite.compat)
            empty: bool = legacy('Truthy("")')()
            return empty
        return to_bool(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> bool | None:
        """The stored 0 or 1 as a bool (None stays None)."""
        return None if value is None else bool(value)

    @property
    def python_type(self) -> type[bool]:
        """bool: what reads give back."""
        return bool


class EnumType(TypeDecorator[Enum]):
    """Stores an enum member by name, so the artifact reads well and survives value changes."""

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[Enum], **kwargs: Any) -> None:
        self.enum_class = enum_class
        kwargs.setdefault("length", max(len(name) for name in enum_class.__members__))
        super().__init__(**kwargs)

    def to_member(self, value: Any) -> Enum | None:
        """The member for a member or its name; ValueError names the choices otherwise."""
        if value is None or isinstance(value, self.enum_class):
            return value
        try:
            return self.enum_class[value]
        except KeyError:
            choices = ", ".join(self.enum_class.__members__)
            raise ValueError(
                f"{value!r} is not a {self.enum_class.__name__} (choose from: {choices})"
            ) from None

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """The member's name, stored; raises ValueError naming the choices for a non-member."""
        member = self.to_member(value)
        return None if member is None else member.name

    def process_result_value(self, value: Any, dialect: Dialect) -> Enum | None:
        """The member for a stored name; a name the enum no longer has is a ValueError."""
        return None if value is None else self.to_member(value)

    @property
    def python_type(self) -> type[Enum]:
        """The enum class: what reads give back."""
        return self.enum_class

    def __repr__(self) -> str:
        return f"EnumType({self.enum_class.__name__})"
