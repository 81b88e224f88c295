"""
How stored values show in `diff` and `textconv`: one line each, the same in both.

"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microcosm_sqlite.artifact.contents import ColumnInfo
from microcosm_sqlite.formatting import json_text, unescape_json

__all__ = ["documents", "plain", "readable", "show"]


def show(value: Any) -> str:
    """A stored value on one line: text as a JSON string, blobs as SQL's x'..', NULL."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return json_text(value)
    if isinstance(value, bytes):
        return f"x'{value.hex()}'"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def plain(value: Any) -> Any:
    """A stored value as JSON can hold it: blobs as hexadecimal text."""
    return value.hex() if isinstance(value, bytes) else value


def documents(columns: Sequence[ColumnInfo]) -> frozenset[str]:
    """The JSON columns, whose stored documents show with their text as it is."""
    return frozenset(column.name for column in columns if column.declared_as("JSON"))


def readable(value: Any) -> Any:
    """A JSON column's stored document with `\\uXXXX` escapes of text written as the text."""
    return unescape_json(value) if isinstance(value, str) else value
