"""
A JSON column's stored text as a JSON Lines dump writes it: `json_text` of its document, the
same text as decoding it and encoding it again, but without building the document when the
stored text already is that JSON.

A build stores a document as `json.dumps` writes it: ASCII, `", "` and `": "`, numbers as
Python writes them. Such text, with its `\\uXXXX` escapes of printable characters written as
the characters (`unescape_json`), is what `json_text` makes of the document, so it is written
as it is. It is recognised in two passes that keep little beside the text: its tokens are
those `json.dumps` writes (one regular expression), and the decoder checks its structure, its
numbers and its keys through hooks that build no number and no object: a dump of a 62 MB
document of 720,000 objects peaks 121 MiB above a tiny one's (the text, and SQLite's copy of
it), where decoding it and encoding it again took 472 MiB. Other text (a crafted file's
`{"a":1}`) is decoded and encoded again, as it always was; text that is not JSON is a
`ValueError` saying why.

"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from microcosm_sqlite.formatting import json_text, unescape_json

__all__ = ["document_text"]

# the escapes `json.dumps` writes: the short ones, else `\u` and four lowercase hexadecimal
# digits for a character that is not printable ASCII (the short ones' characters excepted)
ESCAPE = (
    r'\\(?:["\\bfnrt]|u(?:(?!000[89acd])00[01][0-9a-f]|007f|00[89a-f][0-9a-f]'
    r"|0[1-9a-f][0-9a-f]{2}|[1-9a-f][0-9a-f]{3}))"
)
# a string's content: printable ASCII but `"` and `\`, and those escapes
CONTENT = rf"(?:[ !#-\[\]-~]++|{ESCAPE})*+"
# text made only of the tokens `json.dumps` writes, in any order: the decoder checks the
# order and the numbers, whose characters alone are checked here
DUMPS_TOKENS = re.compile(
    rf'(?:"{CONTENT}"|[,:] |[-+.eE0-9]++|[\[\]{{}}]|true|false|null|NaN|Infinity)*+'
)


class NotAsDumped(Exception):
    """Raised by the decoder's hooks: the text is not what `json.dumps` writes."""


def document_text(stored: str) -> str:
    """
    The JSON a dump writes for a JSON column's stored text: `json_text(json.loads(stored))`.
    Raises `ValueError` (or `RecursionError`, for nesting deeper than Python decodes) for
    text that is not JSON.

    """
    if written_by_dumps(stored):
        return unescape_json(stored)
    return json_text(json.loads(stored))


def written_by_dumps(text: str) -> bool:
    """
    Whether `text` is exactly what `json.dumps` writes for the document it holds. Raises what
    `json.loads` raises for text made of its tokens that is not JSON (a truncated document).

    """
    if DUMPS_TOKENS.fullmatch(text) is None:
        return False
    try:
        json.loads(
            text,
            parse_int=_dumped_int,
            parse_float=_dumped_float,
            parse_constant=_nothing,
            object_pairs_hook=_distinct_keys,
        )
    except NotAsDumped:
        return False
    return True


def _dumped_int(literal: str) -> None:
    """An integer as Python writes it: never `-0`, nor more digits than `int()` reads."""
    limit = sys.get_int_max_str_digits()
    if literal == "-0" or (limit and len(literal.lstrip("-")) > limit):
        raise NotAsDumped(literal)


def _dumped_float(literal: str) -> None:
    """A float as Python writes it: its shortest text (`1e+16`, `0.1`, not `1E16` or `0.10`)."""
    if repr(float(literal)) != literal:
        raise NotAsDumped(literal)


def _nothing(literal: str) -> None:
    """`NaN`, `Infinity` and `-Infinity`, which `json.dumps` writes as they are."""


def _distinct_keys(pairs: list[tuple[str, Any]]) -> None:
    """An object's keys, each once: the decoder keeps only the last of a repeated key."""
    if len(pairs) > 1 and len({key for key, _ in pairs}) < len(pairs):
        raise NotAsDumped("a repeated key")
