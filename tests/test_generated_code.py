"""
Code generated at run time (the fast path's row builders, the build's CSV loop) is registered with
linecache under a stable pseudo-file name, so tracebacks and debuggers show its lines.

"""

from __future__ import annotations

import inspect
import linecache
import sqlite3
import traceback
from pathlib import Path
from typing import Any

import pytest
from fixtures import library
from fixtures.runtime import Country, CountryStore
from fixtures.tools import SOURCES
from sqlalchemy.dialects import sqlite

from microcosm_sqlite._generated_code import compile_generated
from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.errors import UnreadableValueError
from microcosm_sqlite.reading.rows import RowReader

PINNED = Path(__file__).parent / "fixtures" / "generated"
COUNTRY_READER = "<microcosm_sqlite row reader fixtures.runtime.Country>"


def test_the_row_builders_of_a_model_are_pinned() -> None:
    """Country's builders are exactly the pinned source: a change to them shows in review."""
    reader = RowReader(Country, sqlite.dialect())
    assert reader.source == (PINNED / "country_row_reader.py.txt").read_text()
    assert reader.build_one.__code__.co_filename == COUNTRY_READER
    assert inspect.getsource(reader.build_one).startswith("def build_one(row, fast, holds")
    assert "".join(linecache.getlines(COUNTRY_READER)) == reader.source


def test_a_traceback_through_generated_code_shows_its_lines(
    make_graph: Any, artifact: Path, fast_read_path: None
) -> None:
    """A value the builder cannot read fails with the generated line in the traceback."""
    with sqlite3.connect(artifact) as connection:
        connection.execute("UPDATE country SET continent = 'A\x07IA' WHERE code = 'JP'")
    connection.close()
    with pytest.raises(UnreadableValueError) as caught:
        CountryStore(make_graph({"runtime": str(artifact)})).get("JP")
    shown = "".join(traceback.format_exception(caught.value))
    assert f'File "{COUNTRY_READER}", line 4, in build_one\n    v2 = p2(v2)' in shown
    assert f'File "{COUNTRY_READER}", line 7, in build_one\n' in shown
    assert "    raise unreadable(row, error) from error" in shown


def test_two_sources_under_one_name_keep_both() -> None:
    """Two models of one name (two data sets') get two pseudo-files; one source, one file."""
    first = compile_generated("x = 1\n", "microcosm_sqlite test twins")
    second = compile_generated("x = 2\n", "microcosm_sqlite test twins")
    again = compile_generated("x = 1\n", "microcosm_sqlite test twins")
    assert first.co_filename == again.co_filename == "<microcosm_sqlite test twins>"
    assert second.co_filename == "<microcosm_sqlite test twins -2>"
    assert linecache.getline(second.co_filename, 1) == "x = 2\n"
    linecache.checkcache()  # what tracebacks call: it keeps entries no file backs
    assert linecache.getline(first.co_filename, 1) == "x = 1\n"


def test_the_build_registers_its_csv_loop(tmp_path: Path) -> None:
    """The generated loop a CSV build runs is registered too, under its table's name."""
    build_artifact(library.Base, SOURCES, tmp_path / "library.sqlite")
    names = [name for name in linecache.cache if name.startswith("<microcosm_sqlite csv loop")]
    assert names
    assert any("def loop(" in "".join(linecache.getlines(name)) for name in names)
