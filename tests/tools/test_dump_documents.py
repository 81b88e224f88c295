"""
A JSON column's documents in a dump: the text a build stored is written as it is, the same JSON
as decoding and encoding it would give; text that is not JSON (a crafted file's) fails the
dump with a `DumpError` naming the table, the row and the column, and writes nothing.

"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fixtures.tools import alter, run_console_script
from hypothesis import given, settings
from hypothesis import strategies as st

from microcosm_sqlite.errors import DumpError
from microcosm_sqlite.formatting import json_text
from microcosm_sqlite.tools._stored_json import document_text, written_by_dumps
from microcosm_sqlite.tools.dump import dump_artifact

BOOK = "9780156011457"
NOT_JSON = {
    "truncated": ('{"a": [1, 2', "Expecting ',' delimiter"),
    "not a document": ("hello", "Expecting value"),
    "blank": (" ", "Expecting value"),
    "two documents": ("[1] [2]", "Extra data"),
    "nested too deep": ("[" * 100_000 + "]" * 100_000, "nested deeper than Python decodes"),
}


def reference(text: str) -> Any:
    """What a dump wrote before: the document decoded and encoded again, or the error's type."""
    try:
        return json_text(json.loads(text))
    except (ValueError, RecursionError) as error:
        return type(error)


def ours(text: str) -> Any:
    try:
        return document_text(text)
    except (ValueError, RecursionError) as error:
        return type(error)


@pytest.mark.parametrize("case", sorted(NOT_JSON))
@pytest.mark.parametrize("format", ["csv", "jsonl"])
def test_text_that_is_not_json_fails_the_dump_naming_the_row(
    built: Path, tmp_path: Path, case: str, format: Any
) -> None:
    """The DumpError names the artifact, the table, the row by its key and the column; the
    file already there is kept as it was, and no temporary file is left."""
    text, reason = NOT_JSON[case]
    alter(built, f"UPDATE books SET tags = '{text}' WHERE isbn = '{BOOK}'")
    output = tmp_path / "dump"
    output.mkdir()
    (output / f"books.{format}").write_text("kept")

    with pytest.raises(DumpError) as raised:
        dump_artifact(built, output, tables=["books"], format=format)

    assert str(raised.value).startswith(
        f"{built}: table books row (isbn='{BOOK}') column 'tags' holds text that is not JSON"
        f" ({reason}"
    )
    assert [path.name for path in output.iterdir()] == [f"books.{format}"]
    assert (output / f"books.{format}").read_text() == "kept"


def test_the_console_script_says_so_in_one_line_and_exits_1(built: Path, tmp_path: Path) -> None:
    """`dump --format jsonl` prints the error on one line, with no traceback, exits 1, and
    writes no file."""
    alter(built, "UPDATE books SET tags = '{\"a\": ' WHERE isbn = '9780156011457'")

    result = run_console_script(
        "dump", built, "-o", tmp_path / "dump", "--table", "books", "--format", "jsonl"
    )

    assert result.returncode == 1
    assert result.stderr == (
        f"Error: {built}: table books row (isbn='{BOOK}') column 'tags' holds text that is not"
        " JSON (Expecting value: line 1 column 7 (char 6))\n"
    )
    assert list((tmp_path / "dump").iterdir()) == []


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        ('{"a": [1, 2.5, "\\u00e9\\ud83d\\ude00"]}', '{"a": [1, 2.5, "é😀"]}'),
        ('{"a":1}', '{"a": 1}'),
        ('{"a": 1, "a": 2}', '{"a": 2}'),
        ("[1E5, -0, 0.10]", "[100000.0, 0, 0.1]"),
        ('"\\u00E9\\/"', '"é/"'),
        ('"\\ud800"', '"\\ud800"'),
        (" [true,null] ", "[true, null]"),
        ("1" * 5, "11111"),
    ],
    ids=[
        "as dumped",
        "compact",
        "a repeated key",
        "numbers",
        "escapes",
        "a lone surrogate",
        "spaces",
        "an integer",
    ],
)
def test_a_document_is_written_as_decoding_and_encoding_it_would(stored: str, written: str) -> None:
    """Text `json.dumps` wrote is written as it is; other JSON is decoded and encoded again."""
    assert document_text(stored) == written == reference(stored)
    assert written_by_dumps(stored) == (stored == json.dumps(json.loads(stored)))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
SPELLINGS = [{}, {"ensure_ascii": False}, {"separators": (",", ":")}, {"indent": 1}]


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.sampled_from(SPELLINGS), st.integers(min_value=0), st.text(max_size=2))
def test_any_stored_text_is_written_as_before(
    value: Any, spelling: dict[str, Any], at: int, inserted: str
) -> None:
    """For any document, however spelled, and the same text with a few characters inserted:
    the JSON written (or the error) is the one decoding and encoding gives."""
    text = json.dumps(value, **spelling)
    at %= len(text) + 1
    changed = text[:at] + inserted + text[at:]

    assert ours(text) == reference(text)
    assert ours(changed) == reference(changed)
    assert written_by_dumps(json.dumps(value))
