"""
What `diff` says of a JSON column (`tools._documents`): the keys and values that changed inside a
document, at their paths, in text; and in `--json`, documents as JSON values (`{"json": ...}`),
never strings holding JSON, with the changes inside them.

"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from fixtures import library
from fixtures.tools import run_console_script

from microcosm_sqlite.building import build_artifact

TABLE = "CREATE TABLE t (k TEXT PRIMARY KEY, names JSON)"


def crafted(path: Path, rows: list[tuple[str, Any]]) -> Path:
    """A file made with raw sqlite3: a table with a JSON column, and its rows."""
    connection = sqlite3.connect(path)
    connection.execute(TABLE)
    connection.executemany("INSERT INTO t VALUES (?, ?)", rows)
    connection.commit()
    connection.close()
    return path


def diff(
    tmp_path: Path, old: list[tuple[str, Any]], new: list[tuple[str, Any]]
) -> tuple[list[str], Any]:
    """The text diff's row lines, and the JSON diff's rows of table t."""
    paths = crafted(tmp_path / "old.sqlite", old), crafted(tmp_path / "new.sqlite", new)
    text = run_console_script("diff", *paths)
    document = run_console_script("diff", "--json", *paths)
    assert text.returncode == document.returncode == 1, text.stderr
    lines = [line for line in text.stdout.splitlines() if line[:1] in "~+-"]
    return lines, json.loads(document.stdout)["tables"]["t"]["rows"]


def test_changed_keys_show_at_their_paths(tmp_path: Path) -> None:
    """A changed value, an added key and a removed key each show at their path, old -> new;
    --json gives both documents as JSON values and the changes with their paths."""
    old = [("la", '{"common_name": "Latin", "flag": "x"}')]
    new = [("la", '{"common_name": "Latin (classical)", "official": "Lingua Latina"}')]

    lines, rows = diff(tmp_path, old, new)

    assert lines == [
        '~ t (k="la"): names.common_name "Latin" -> "Latin (classical)";'
        ' names.flag removed (was "x"); names.official added "Lingua Latina"'
    ]
    assert rows[0]["values"]["names"] == {
        "old": {"json": {"common_name": "Latin", "flag": "x"}},
        "new": {"json": {"common_name": "Latin (classical)", "official": "Lingua Latina"}},
        "changes": [
            {"op": "changed", "path": ["common_name"], "old": "Latin", "new": "Latin (classical)"},
            {"op": "removed", "path": ["flag"], "old": "x"},
            {"op": "added", "path": ["official"], "new": "Lingua Latina"},
        ],
    }


def test_nested_values_items_and_odd_keys(tmp_path: Path) -> None:
    """Paths go down objects and arrays of one length (`[1]`); a key that is no plain name is
    quoted in brackets; an array that changed its length is one change; 1 is not 1.0."""
    old = [("a", '{"a": {"b c": [1, 2]}, "tags": ["x"], "n": 1}')]
    new = [("a", '{"a": {"b c": [1, 3]}, "tags": ["x", "y"], "n": 1.0}')]

    lines, rows = diff(tmp_path, old, new)

    assert lines == [
        '~ t (k="a"): names.a["b c"][1] 2 -> 3; names.tags ["x"] -> ["x", "y"]; names.n 1 -> 1.0'
    ]
    assert [change["path"] for change in rows[0]["values"]["names"]["changes"]] == [
        ["a", "b c", 1],
        ["tags"],
        ["n"],
    ]


def test_a_whole_document_changed_or_text_that_is_no_json(tmp_path: Path) -> None:
    """An object that became an array is one change of the whole; the same keys in another
    order too, and an array that grew; text that is no JSON (NaN, a cut document) shows as
    text, in JSON as strings."""
    old = [("a", '{"x": 1}'), ("b", '{"x": 1, "y": 2}'), ("c", '{"x": NaN}'), ("d", "[1]")]
    new = [("a", "[1]"), ("b", '{"y": 2, "x": 1}'), ("c", '{"x": '), ("d", "[1, 2]")]

    lines, rows = diff(tmp_path, old, new)

    assert lines == [
        '~ t (k="a"): names {"x": 1} -> [1]',
        '~ t (k="b"): names {"x": 1, "y": 2} -> {"y": 2, "x": 1}',
        '~ t (k="c"): names "{\\"x\\": NaN}" -> "{\\"x\\": "',
        '~ t (k="d"): names [1] -> [1, 2]',
    ]
    assert rows[0]["values"]["names"] == {"old": {"json": {"x": 1}}, "new": {"json": [1]}}
    assert rows[3]["values"]["names"] == {"old": {"json": [1]}, "new": {"json": [1, 2]}}
    assert rows[2]["values"]["names"] == {"old": '{"x": NaN}', "new": '{"x": '}


def test_added_rows_show_documents_as_json(tmp_path: Path) -> None:
    """An added row's document is its JSON, not an escaped string; an object stored in the
    column is wrapped, so it never looks like a blob; a number stored as one stays a number."""
    lines, rows = diff(tmp_path, [], [("a", '{"blob": "00"}'), ("b", 5), ("c", None)])

    assert lines == [
        '+ t (k="a"): names={"blob": "00"}',
        '+ t (k="b"): names=5',
        '+ t (k="c"): names=NULL',
    ]
    assert [row["values"]["names"] for row in rows] == [{"json": {"blob": "00"}}, 5, None]


def test_keys_and_values_cannot_forge_a_line(tmp_path: Path) -> None:
    """A key or value holding a newline or ESC is escaped: each change stays on its line."""
    old = [("a", json.dumps({'x\n~ t (k="b"): forged': "\x1b[31m"}))]
    new = [("a", json.dumps({'x\n~ t (k="b"): forged': "y"}))]

    lines, _ = diff(tmp_path, old, new)

    assert lines == ['~ t (k="a"): names["x\\n~ t (k=\\"b\\"): forged"] "\\u001b[31m" -> "y"']


def test_a_changed_document_of_a_built_artifact(tmp_path: Path) -> None:
    """Built from sources, a book's tags changed in one key: diff names that key."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "authors.csv").write_text((library.SOURCES / "authors.csv").read_text())
    books = (library.SOURCES / "books.jsonl").read_text()
    (sources / "books.jsonl").write_text(books)
    build_artifact(library.Base, sources, tmp_path / "old.sqlite")
    (sources / "books.jsonl").write_text(books.replace('"from": "es"', '"from": "es-AR"'))
    build_artifact(library.Base, sources, tmp_path / "new.sqlite")

    result = run_console_script("diff", tmp_path / "old.sqlite", tmp_path / "new.sqlite")

    assert '~ books (isbn="9780142437889"): tags.from "es" -> "es-AR"' in result.stdout
