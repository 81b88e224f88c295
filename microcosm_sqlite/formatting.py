"""
How the command line writes numbers, sizes, counts and JSON: one way, in every command.

    number(300004)              '300,004'
    size(32448512)              '30.9 MiB'
    plural(1, "problem")        '1 problem'
    plural(2, "problem")        '2 problems'
    json_text({"a": "€"})       '{"a": "€"}'

Text is written as it is (UTF-8), escaped only where JSON needs it; exact byte counts stay in
`--json` output, where a script reads them.

"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["json_text", "number", "plural", "size", "unescape_json"]

# binary units, as `ls -h` and SQLite's page sizes count
SIZE_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB")

# one escape of a JSON string at a time, so that `\\u20ac` (a backslash, then `u20ac`) is
# never read as an escape; a surrogate pair is one escape of two halves
JSON_ESCAPE = re.compile(
    r"\\(?:u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|.)"
)


def number(value: int) -> str:
    """A count with thousands separators: `300,004`."""
    return f"{value:,}"


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`1 problem`, `2 problems`, `1,024 rows`: the count, then the noun that agrees with it."""
    if count == 1:
        return f"1 {noun}"
    return f"{number(count)} {plural_noun or noun + 's'}"


def size(count: int) -> str:
    """A size in bytes for people: `512 bytes`, `4.0 KiB`, `30.9 MiB` (binary units)."""
    if abs(count) < 1024:
        return plural(count, "byte")
    value = float(count)
    for unit in SIZE_UNITS:
        value /= 1024
        if abs(value) < 1024 or unit == SIZE_UNITS[-1]:
            break
    return f"{value:,.1f} {unit}"


def json_text(value: Any, **options: Any) -> str:
    """
    `json.dumps` with text as it is, not `\\uXXXX` escapes; but a lone surrogate (in a file
    name that is not UTF-8, or a JSON document's `"\\ud800"`), which UTF-8 cannot hold, stays
    escaped, so the text can always be written.

    """
    text = json.dumps(value, ensure_ascii=False, **options)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return unescape_json(json.dumps(value, **options))
    return text


def unescape_json(document: str) -> str:
    """
    A JSON document's text with its `\\uXXXX` escapes of printable characters written as the
    characters; the same document, byte for byte otherwise.

    Escapes that JSON needs stay: control characters, `"` and `\\`, and lone surrogates,
    which UTF-8 cannot hold. A surrogate pair becomes the one character it encodes.

    """
    if "\\u" not in document:
        return document
    return JSON_ESCAPE.sub(_unescape, document)


def _unescape(match: re.Match[str]) -> str:
    high, low, single = match.groups()
    if high is not None:
        code = 0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00)
        return chr(code)
    if single is None:
        return match.group(0)
    code = int(single, 16)
    if code < 0x20 or code in (0x22, 0x5C) or 0xD800 <= code <= 0xDFFF:
        return match.group(0)
    return chr(code)
