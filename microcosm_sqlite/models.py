"""
Mixins for models of shipped data.

"""
from __future__ import annotations

from typing import Any

from sqlalchemy import inspect


class IdentityMixin:
    """Equality and hashing by primary key, so instances from different sessions compare equal."""

    def _identity(self) -> tuple[Any, ...]:
        return tuple(inspect(self).mapper.primary_key_from_instance(self))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash((type(self), self._identity()))

    def __repr__(self) -> str:
        identity = ", ".join(repr(value) for value in self._identity())
        return f"{type(self).__name__}({identity})"
