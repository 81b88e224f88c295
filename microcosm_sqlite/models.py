"""
Mixins for models of shipped data.

"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import inspect

__all__ = ["IdentityMixin"]


class IdentityMixin:
    """Equality and hashing by primary key, so instances from different sessions compare equal."""

    def _identity(self) -> tuple[Any, ...]:
        # read as attributes, so comparing fast-loaded instances never builds their ORM state
        return tuple(getattr(self, name) for name in primary_key_names(type(self)))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash((type(self), self._identity()))

    def __repr__(self) -> str:
        identity = ", ".join(repr(value) for value in self._identity())
        return f"{type(self).__name__}({identity})"


# model -> its primary key's attribute names; weak, so models made at runtime can go
KEY_NAMES: WeakKeyDictionary[type[Any], tuple[str, ...]] = WeakKeyDictionary()


def primary_key_names(model: type[Any]) -> tuple[str, ...]:
    """The attribute names of a model's primary key columns, in key order."""
    names = KEY_NAMES.get(model)
    if names is None:
        mapper = inspect(model)
        names = KEY_NAMES[model] = tuple(
            mapper.get_property_by_column(column).key for column in mapper.primary_key
        )
    return names
