"""
How stored values show in `diff` and `textconv`, the same in both: one line of text each, or a
JSON value that tells SQLite's types apart.

In text, NULL is `NULL`, a number is itself (a real always with its point or exponent, `1.0`,
`inf`), text is a JSON string whose every character that is not printable is escaped (see
`microcosm_sqlite.formatting`), a blob is SQL's `x'00ff'`.

In JSON, NULL, integers, finite reals and text are JSON's null, numbers and strings (a real
always written with its point or exponent, `1.0`); what JSON has no value for is an object of
one member naming its type: a blob `{"blob": "00ff"}` (its bytes in hexadecimal), an infinite
real `{"real": "Infinity"}` or `{"real": "-Infinity"}`. Text is never an object, so a blob and
a string with the same characters never look alike, and the document stays strict JSON.

A JSON column's stored text is a `Document`: in `--json` it is the JSON value it holds, as the
one member of `{"json": ...}` (so an object stored there never looks like a blob), and `diff`
compares what is inside it (`_documents`); text that is no strict JSON stays text.

"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import IO, Any

from microcosm_sqlite.artifact.contents import ColumnInfo
from microcosm_sqlite.formatting import json_safe, quote_text, unescape_json, write_quoted
from microcosm_sqlite.tools._documents import parse_document

__all__ = [
    "Document",
    "documents",
    "readable",
    "same",
    "show",
    "show_document",
    "typed",
    "write_value",
]


class Document(str):
    """A JSON column's stored text (its `\\uXXXX` escapes written as the characters)."""

    __slots__ = ()

    def parsed(self) -> tuple[bool, Any]:
        """(True, the JSON value the text holds), or (False, None) when it is no strict JSON."""
        return parse_document(self)


# how many bytes of a long blob `write_value` writes at a time
BLOB_SLICE = 1 << 19


def show(value: Any) -> str:
    """A stored value on one line: text as a JSON string, blobs as SQL's x'..', NULL."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return quote_text(value)
    if isinstance(value, bytes):
        return f"x'{value.hex()}'"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_value(stream: IO[str], value: Any) -> None:
    """`show(value)` written to a stream a slice at a time, so a long value is never copied."""
    if isinstance(value, str):
        write_quoted(stream, value)
    elif isinstance(value, bytes) and len(value) > BLOB_SLICE:
        stream.write("x'")
        with memoryview(value) as view:
            for start in range(0, len(value), BLOB_SLICE):
                stream.write(view[start : start + BLOB_SLICE].hex())
        stream.write("'")
    else:
        stream.write(show(value))


def show_document(value: Any) -> str:
    """`show`, but a document as the JSON it holds (one line), not as a quoted string."""
    if isinstance(value, Document):
        ok, document = value.parsed()
        if ok:
            return json_safe(document)
    return show(value)


def typed(value: Any) -> Any:
    """A stored value as strict JSON holds it, its type told apart (see the module's doc)."""
    if isinstance(value, Document):
        ok, document = value.parsed()
        return {"json": document} if ok else str(value)
    if isinstance(value, bytes):
        return {"blob": value.hex()}
    if isinstance(value, float) and not math.isfinite(value):
        # SQLite stores no NaN (it reads back as NULL): only the infinities are left
        return {"real": "Infinity" if value > 0 else "-Infinity" if value < 0 else "NaN"}
    return value


def same(old: Any, new: Any) -> bool:
    """Whether two stored values are the same value of the same type: 1 is not 1.0."""
    return type(old) is type(new) and old == new


def documents(columns: Sequence[ColumnInfo]) -> frozenset[str]:
    """The JSON columns, whose stored documents show with their text as it is."""
    return frozenset(column.name for column in columns if column.declared_as("JSON"))


def readable(value: Any) -> Any:
    """A JSON column's stored value: text as a `Document`, its `\\uXXXX` escapes written as the
    characters; a number (the column's NUMERIC affinity stores `5` so) or NULL as it is."""
    return Document(unescape_json(value)) if isinstance(value, str) else value
