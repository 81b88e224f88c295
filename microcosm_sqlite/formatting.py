"""
How the command line writes numbers, sizes, counts and JSON: one way, in every command.

    number(300004)              '300,004'
    size(32448512)              '30.9 MiB'
    plural(1, "problem")        '1 problem'
    plural(2, "problem")        '2 problems'
    json_text({"a": "€"})       '{"a": "€"}'
    quote_text("a\nb")          '"a\\nb"'
    name_text("books")          'books'
    name_text("t\n+ evil")      '"t\\n+ evil"'

Text is written as it is (UTF-8), escaped only where JSON needs it; exact byte counts stay in
`--json` output, where a script reads them.

What a file holds never reaches a reader's terminal raw. Artifacts are untrusted, and a name or
value holding a newline could forge a line of a diff, an escape sequence (ESC, CSI) could drive
the terminal, and a bidirectional override could reorder what is shown. So in the text the tools
write for people (diff, textconv, inspect, verify, and every error), a character that is not
printable (`str.isprintable`), spaces apart, is escaped: `\\n`, `\\r`, `\\t`, or `\\uXXXX` (two
of them, a surrogate pair, past U+FFFF), as JSON escapes it. Names are shown as they are when
they are printable and unambiguous, and otherwise quoted as a JSON string (`name_text`); text
values always are (`quote_text`), SQL when it must be (`code_text`); messages are escaped in
place (`one_line`). `--json` output escapes the same characters (`json_safe`), which leaves
every value the same to a JSON parser.

"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import IO, Any

__all__ = [
    "code_text",
    "json_safe",
    "json_text",
    "name_text",
    "number",
    "one_line",
    "plural",
    "quote_text",
    "size",
    "unescape_json",
    "write_quoted",
]

# binary units, as `ls -h` and SQLite's page sizes count
SIZE_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB")

# one escape of a JSON string at a time, so that `\\u20ac` (a backslash, then `u20ac`) is
# never read as an escape; a surrogate pair is one escape of two halves
JSON_ESCAPE = re.compile(
    r"\\(?:u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|.)"
)


# a lone surrogate, which UTF-8 cannot hold (a file name that is not UTF-8, a JSON "\ud800")
SURROGATE = re.compile("[\ud800-\udfff]")
# how many characters of a long text `write_quoted` escapes at a time
QUOTE_SLICE = 1 << 20


class _Escapes(dict[int, str]):
    """
    `str.translate`'s table escaping what is not printable, spaces apart: each character is
    looked at once, then found in the table.

    """

    def __missing__(self, code: int) -> str:
        character = chr(code)
        if character.isprintable() or unicodedata.category(character) == "Zs":
            escaped = character
        elif character in SHORT_ESCAPES:
            escaped = SHORT_ESCAPES[character]
        elif code > 0xFFFF:
            high, low = divmod(code - 0x10000, 0x400)
            escaped = f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"
        else:
            escaped = f"\\u{code:04x}"
        self[code] = escaped
        return escaped


SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
ESCAPES = _Escapes()
# in a JSON document, a newline is the layout's (`indent`): JSON escapes those of its strings
DOCUMENT_ESCAPES = _Escapes({ord("\n"): "\n"})


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
    if not text.isascii() and SURROGATE.search(text):
        return unescape_json(json.dumps(value, **options))
    return text


def json_safe(value: Any, **options: Any) -> str:
    """
    Strict JSON for a terminal: `json_text`, with every character that is not printable
    (spaces apart) escaped, and no `NaN` or `Infinity`, which JSON does not have (ValueError).

    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, **options)
    return text if text.isprintable() else text.translate(DOCUMENT_ESCAPES)


def quote_text(text: str) -> str:
    """Text as a JSON string, with every character that is not printable (spaces apart) escaped."""
    quoted = json.dumps(text, ensure_ascii=False)
    return quoted if quoted.isprintable() else quoted.translate(ESCAPES)


def write_quoted(stream: IO[str], text: str) -> None:
    """`quote_text(text)` written to a stream a slice at a time: a long value is never copied."""
    if len(text) <= QUOTE_SLICE:
        stream.write(quote_text(text))
        return
    stream.write('"')
    for start in range(0, len(text), QUOTE_SLICE):
        stream.write(quote_text(text[start : start + QUOTE_SLICE])[1:-1])
    stream.write('"')


def name_text(name: str) -> str:
    """
    A name (of a table, column, index, path...) in a line of text: as it is when it is
    printable, not empty and unambiguous, otherwise quoted as `quote_text` quotes it.

    """
    if name and name.isprintable() and name == name.strip() and not name.startswith('"'):
        return name
    return quote_text(name)


def code_text(text: str) -> str:
    """SQL (or other code) in a line of text: as it is when printable, otherwise quoted."""
    return text if text.isprintable() else quote_text(text)


def one_line(message: str) -> str:
    """A message on one line: every character that is not printable (spaces apart) escaped."""
    return message if message.isprintable() else message.translate(ESCAPES)


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
