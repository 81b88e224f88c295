"""
What `diff` says of values: strict JSON that tells SQLite's types apart, values compared with
their types, rows whose key holds NULL matched by the whole row, and names and values that
cannot forge a line or reach the terminal.

"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fixtures.tools import run_console_script

TABLE = "CREATE TABLE t (k TEXT PRIMARY KEY, v)"


def crafted(path: Path, rows: list[tuple[Any, ...]], table: str = TABLE, name: str = "t") -> Path:
    """A new file made with raw sqlite3: one table and its rows (of two values), in order."""
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    connection.execute(table)
    quoted = name.replace('"', '""')
    for row in rows:
        connection.execute(f'INSERT INTO "{quoted}" VALUES (?, ?)', row)
    connection.commit()
    connection.close()
    return path


def strict(text: str) -> Any:
    """JSON as a strict parser reads it: NaN and Infinity are errors."""

    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def diff(tmp_path: Path, old: list[tuple[Any, ...]], new: list[tuple[Any, ...]], *args: str) -> Any:
    """The console script's diff of two crafted files."""
    return run_console_script(
        "diff",
        *args,
        crafted(tmp_path / "old.sqlite", old),
        crafted(tmp_path / "new.sqlite", new),
    )


def test_a_blob_and_text_of_the_same_characters_differ(tmp_path: Path) -> None:
    """A blob turned into text with its hex digits is a change, and JSON tells which is which."""
    old, new = [("a", b"\xde\xad\x00")], [("a", "dead00")]

    text = diff(tmp_path, old, new)
    document = diff(tmp_path, old, new, "--json")

    assert text.returncode == document.returncode == 1
    assert '~ t (k="a"): v x\'dead00\' -> "dead00"' in text.stdout.splitlines()
    assert strict(document.stdout)["tables"]["t"]["rows"] == [
        {
            "op": "changed",
            "key": {"k": "a"},
            "values": {"v": {"old": {"blob": "dead00"}, "new": "dead00"}},
        }
    ]


def test_infinite_reals_are_strict_json(tmp_path: Path) -> None:
    """REAL 1e999 and -1e999 are objects naming their type, never `Infinity`."""
    result = diff(tmp_path, [], [("a", 1e999), ("b", -1e999), ("c", 2.5)], "--json")

    rows = strict(result.stdout)["tables"]["t"]["rows"]
    assert [row["values"]["v"] for row in rows] == [
        {"real": "Infinity"},
        {"real": "-Infinity"},
        2.5,
    ]


def test_an_integer_and_a_real_of_the_same_value_differ(tmp_path: Path) -> None:
    """1 stored as an integer, then as a real, is a change; JSON writes the real with its point."""
    result = diff(tmp_path, [("a", 1)], [("a", 1.0)], "--json")

    assert result.returncode == 1
    assert '"v": {"old": 1, "new": 1.0}' in result.stdout


def test_rows_whose_key_holds_null_match_by_the_whole_row(tmp_path: Path) -> None:
    """Rows keyed by NULL (a hand-made key SQLite allows) in another order are the same rows;
    one of them edited is one removed and one added."""
    rows = [(None, "a"), ("x", 1), (None, "b"), (None, "a")]

    same = diff(tmp_path, rows, list(reversed(rows)))
    edited = diff(tmp_path, rows, [(None, "a"), ("x", 1), (None, "c"), (None, "a")])

    assert (same.returncode, same.stdout) == (0, "t: 0 added, 0 removed, 0 changed, 4 unchanged\n")
    assert edited.stdout.splitlines() == [
        '- t (k=NULL): v="b"',
        '+ t (k=NULL): v="c"',
        "t: 1 added, 1 removed, 0 changed, 3 unchanged",
    ]


# a table and a column whose names would forge lines and drive the terminal, and values too
FORGING_TABLE = "t\n+ evil (id=9): injected"
FORGING = f'CREATE TABLE "{FORGING_TABLE}" (id INTEGER PRIMARY KEY, "\x1b[2J\x1b[31m")'


@pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
def test_names_and_values_cannot_forge_a_line_or_reach_the_terminal(
    tmp_path: Path, json_output: bool
) -> None:
    """Every line diff writes is printable, one per change, and JSON reads the names back."""
    old = crafted(tmp_path / "old.sqlite", [(1, "a\n+ x")], FORGING, FORGING_TABLE)
    new = crafted(
        tmp_path / "new.sqlite", [(1, "b\x1b[31m\x9b"), (2, b"\x00")], FORGING, FORGING_TABLE
    )

    result = run_console_script("diff", *(["--json"] if json_output else []), old, new)

    assert result.returncode == 1
    assert all(line.isprintable() for line in result.stdout.splitlines())
    if json_output:
        table = strict(result.stdout)["tables"][FORGING_TABLE]
        assert table["rows"][0]["values"]["\x1b[2J\x1b[31m"]["new"] == "b\x1b[31m\x9b"
    else:
        assert result.stdout.splitlines() == [
            '~ "t\\n+ evil (id=9): injected" (id=1): "\\u001b[2J\\u001b[31m"'
            ' "a\\n+ x" -> "b\\u001b[31m\\u009b"',
            '+ "t\\n+ evil (id=9): injected" (id=2): "\\u001b[2J\\u001b[31m"=x\'00\'',
            '"t\\n+ evil (id=9): injected": 1 added, 0 removed, 1 changed, 0 unchanged',
        ]
