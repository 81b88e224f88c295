"""
Binary columns (`LargeBinary`, `BLOB`): hexadecimal in sources, BLOBs in the artifact, `bytes`
back on both read paths, hexadecimal again in dumps, which build the same bytes.

"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from fixtures.roundtrip import Base, build_items, read_items, refusals, stored
from fixtures.tools import alter

from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.errors import UnreadableValueError
from microcosm_sqlite.tools.diff import diff_artifacts
from microcosm_sqlite.tools.dump import dump_artifact


def test_hex_in_a_csv_source_reads_back_as_bytes(tmp_path: Path, make_graph: Any) -> None:
    """Hexadecimal text of either case is stored as a BLOB and read back as those bytes."""
    artifact = build_items(tmp_path, "id,blob\n1,DEADBEEF\n2,dead00\n3,\n")

    assert stored(artifact, "blob") == [
        (b"\xde\xad\xbe\xef", "blob"),
        (b"\xde\xad\x00", "blob"),
        (None, "null"),
    ]
    assert [item.blob for item in read_items(make_graph, artifact)] == [
        b"\xde\xad\xbe\xef",
        b"\xde\xad\x00",
        None,
    ]


def test_json_lines_give_bytes_as_a_hex_string(tmp_path: Path, make_graph: Any) -> None:
    """In JSON Lines a hexadecimal string is the bytes, `""` empty bytes and `null` NULL."""
    rows: list[dict[str, Any]] = [
        {"id": 1, "blob": "00ff"},
        {"id": 2, "blob": ""},
        {"id": 3, "blob": None},
    ]
    artifact = build_items(tmp_path, rows)

    assert [item.blob for item in read_items(make_graph, artifact)] == [b"\x00\xff", b"", None]


@pytest.mark.parametrize("given", ["zz", "abc", "de ad", "0xdead", "dé"])
def test_text_that_is_not_hex_is_a_located_problem(tmp_path: Path, given: str) -> None:
    """Odd digits, spaces, a prefix or letters beyond f are refused at their line and column."""
    assert refusals(tmp_path, f"id,blob\n1,00\n2,{given}\n") == [
        (3, "blob", f"{given!r} is not hexadecimal bytes (pairs of digits 0-9 and a-f, no spaces)")
    ]


@pytest.mark.parametrize("given", [12, ["de", "ad"], True])
def test_a_json_value_that_is_not_a_string_is_a_located_problem(tmp_path: Path, given: Any) -> None:
    """Numbers, lists and booleans are no bytes."""
    [(line, column, reason)] = refusals(tmp_path, [{"id": 1, "blob": given}])

    assert (line, column) == (1, "blob")
    assert reason.endswith("does not fit a LargeBinary() column")


@pytest.mark.parametrize("format", ["csv", "jsonl"])
def test_a_dump_writes_hex_that_builds_the_same_bytes(tmp_path: Path, format: str) -> None:
    """Blobs dump as hexadecimal, and the dump builds the very same BLOBs again: `diff`
    finds no change."""
    blobs = ["dead00", "00", "ff" * 300]
    artifact = build_items(tmp_path, [{"id": i, "blob": blob} for i, blob in enumerate(blobs)])
    dumped = tmp_path / "dumped"
    dump_artifact(artifact, dumped, format=format)  # type: ignore[arg-type]

    text = (dumped / f"items.{format}").read_text()
    assert all(blob in text for blob in blobs)
    rebuilt = tmp_path / "rebuilt.sqlite"
    build_artifact(Base, dumped, rebuilt)
    assert stored(rebuilt, "blob") == stored(artifact, "blob")
    assert [kind for _, kind in stored(rebuilt, "blob")] == ["blob"] * len(blobs)
    assert diff_artifacts(artifact, rebuilt, io.StringIO()) is False


def test_hex_text_an_earlier_build_stored_reads_back_as_its_bytes(
    tmp_path: Path, make_graph: Any
) -> None:
    """Builds before 3.1 stored a binary column's hexadecimal as text: it reads as bytes."""
    artifact = build_items(tmp_path, "id,blob\n1,00\n")
    alter(artifact, "UPDATE items SET blob = 'DEADBEEF'")

    assert [item.blob for item in read_items(make_graph, artifact)] == [b"\xde\xad\xbe\xef"]


def test_text_that_no_bytes_spell_is_an_unreadable_value(tmp_path: Path, make_graph: Any) -> None:
    """A binary column holding text that is not hexadecimal fails naming the column."""
    artifact = build_items(tmp_path, "id,blob\n1,00\n")
    alter(artifact, "UPDATE items SET blob = 'zz'")

    with pytest.raises(UnreadableValueError) as error:
        read_items(make_graph, artifact)
    assert "'zz'" in str(error.value)
