"""
Property tests over random rows of every column type the library supports: what a build takes
in, a read gives back exactly; a dump (CSV and JSON Lines) builds the same stored rows in a
byte-identical artifact; input a build refuses is a located problem.

Examples per property: a modest number by default, many with HYPOTHESIS_PROFILE=fuzz
(`make fuzz`, FUZZ_CASES=N). The profiles are this module's own, applied per test, so loading
them changes no other test's settings; neither writes an example database into the checkout.

"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from fixtures import roundtrip_rows as generated
from fixtures.roundtrip import COLUMNS, Base, Kind, stored
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from microcosm.api import create_object_graph, load_from_dict

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.errors import BuildError, BuildInputError, DumpError
from microcosm_sqlite.tools.dump import dump_artifact

settings.register_profile(
    "roundtrip",
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "roundtrip-fuzz",
    parent=settings.get_profile("roundtrip"),
    max_examples=int(os.environ.get("FUZZ_CASES", "1000")),
)
PROFILE = settings.get_profile(
    "roundtrip-fuzz" if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else "roundtrip"
)

Row = dict[str, Any]


# --- sources --------------------------------------------------------------------------------


def write_jsonl(path: Path, rows: list[Row]) -> list[int]:
    """The rows as JSON Lines, decimals as JSON numbers; each row's line."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        for row in rows:
            fields = (f"{json.dumps(name)}: {json_value(row[name])}" for name in COLUMNS)
            stream.write("{" + ", ".join(fields) + "}\n")
    return list(range(1, len(rows) + 1))


def json_value(value: Any) -> str:
    """A value's JSON text: a decimal as the number it is, written as its digits."""
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(source_value(value) if not isinstance(value, list | dict) else value)


def source_value(value: Any) -> Any:
    """A value as sources spell it: ISO 8601, hexadecimal, names, UUIDs' text."""
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Kind):
        return value.name
    if isinstance(value, Decimal) or type(value).__name__ == "UUID":
        return str(value)
    return value


def write_csv(path: Path, rows: list[Row]) -> tuple[list[int], int | None]:
    """
    The rows as CSV, every field quoted; each row's first line, and the line of the first
    lone surrogate, which UTF-8 cannot hold: it is written as the invalid bytes it would be.

    """
    lines: list[int] = []
    bad_line: int | None = None
    with path.open("w", encoding="utf-8", errors="surrogatepass", newline="") as stream:
        writer = csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(COLUMNS)
        line = 2
        for row in rows:
            fields = [csv_field(name, row[name]) for name in COLUMNS]
            lines.append(line)
            label = row["label"]
            if bad_line is None and label is not None and generated.has_surrogate(label):
                position = COLUMNS.index("label")
                before = label[: next(i for i, c in enumerate(label) if generated.surrogate(c))]
                bad_line = line + line_breaks(",".join(fields[:position])) + line_breaks(before)
            writer.writerow(fields)
            line += line_breaks(",".join(fields)) + 1
    return lines, bad_line


def csv_field(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "document":
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(source_value(value))


def line_breaks(text: str) -> int:
    """Line breaks as a reader with `newline=""` counts them: \\n, \\r\\n and a bare \\r."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


# --- reading back ---------------------------------------------------------------------------


@contextmanager
def workspace() -> Iterator[Path]:
    """A fresh directory per example (pytest's tmp_path is one per test, not per example)."""
    with tempfile.TemporaryDirectory(prefix="roundtrip-") as directory:
        yield Path(directory)


def read_back(path: Path, fast_path: bool) -> list[Row]:
    """Every row through the models' types and a Store, in id order."""
    from fixtures.roundtrip import ItemStore

    graph = create_object_graph(
        "roundtrip-test",
        testing=True,
        loader=load_from_dict(sqlite=dict(paths=dict(roundtrip=str(path)), fast_path=fast_path)),
    )
    try:
        items = sorted(ItemStore(graph).search(), key=lambda item: item.id)
        return [{name: getattr(item, name) for name in COLUMNS} for item in items]
    finally:
        dispose_sqlite_connections(graph)


def assert_reads_back(path: Path, rows: list[Row], format: str) -> None:
    """On both read paths, each value as `generated.expected` says, of the same type."""
    expected = [generated.expected(row, format) for row in sorted(rows, key=lambda r: r["id"])]
    for fast_path in (True, False):
        actual = read_back(path, fast_path)
        assert len(actual) == len(expected)
        for got, want in zip(actual, expected, strict=True):
            for name in COLUMNS:
                assert generated.same(name, got[name], want[name]), (name, got[name], want[name])


def assert_located(error: BuildError, source: Path, expected: set[tuple[int, str]]) -> None:
    """Every problem is a BuildInputError at a line and column the oracle expects."""
    found = set()
    for problem in error.problems:
        assert isinstance(problem, BuildInputError)
        assert problem.file == str(source)
        assert problem.line is not None and problem.column is not None, str(problem)
        found.add((problem.line, problem.column))
    assert found == expected


def build(sources: Path, output: Path) -> None:
    build_artifact(Base, sources, output, max_errors=10_000)


# --- the properties -------------------------------------------------------------------------


@PROFILE
@given(rows=st.one_of(generated.rows(spoiled=False), generated.rows()))
def test_json_lines_build_and_read_back_or_say_where_they_are_refused(rows: list[Row]) -> None:
    """JSON Lines rows read back exactly through the models, or the build fails with a problem
    at the line and column of each refused value."""
    rows = [generated.as_json_reads(row) for row in rows]
    with workspace() as directory:
        sources = directory / "sources"
        sources.mkdir()
        source = sources / "items.jsonl"
        lines = write_jsonl(source, rows)
        expected = {
            (line, column)
            for line, row in zip(lines, rows, strict=True)
            for column in generated.refused(row)
        }
        output = directory / "built.sqlite"
        try:
            build(sources, output)
        except BuildError as error:
            event("refused")
            assert expected, str(error.problems[:3])
            assert_located(error, source, expected)
            return
        event("built and read back")
        assert not expected
        assert_reads_back(output, rows, "jsonl")


@PROFILE
@given(rows=st.one_of(generated.rows(spoiled=False), generated.rows()))
def test_csv_builds_and_reads_back_or_says_where_it_is_refused(rows: list[Row]) -> None:
    """CSV rows read back exactly (an empty field as NULL), or the build fails with located
    problems; text UTF-8 cannot hold is reported on the line where its bytes are."""
    with workspace() as directory:
        sources = directory / "sources"
        sources.mkdir()
        source = sources / "items.csv"
        lines, bad_line = write_csv(source, rows)
        expected = {
            (line, column)
            for line, row in zip(lines, rows, strict=True)
            for column in generated.refused(row) - {"label"}
        }
        output = directory / "built.sqlite"
        try:
            build(sources, output)
        except BuildError as error:
            event("refused")
            not_utf8 = [problem for problem in error.problems if "not UTF-8" in problem.reason]
            others = [problem for problem in error.problems if problem not in not_utf8]
            if bad_line is None:
                assert not not_utf8
                assert_located(error, source, expected)
                return
            # reading stops at the bad bytes: some rows before them may be checked
            assert [problem.line for problem in not_utf8] == [bad_line]
            assert {(problem.line, problem.column) for problem in others} <= expected
            return
        event("built and read back")
        assert not expected and bad_line is None
        assert_reads_back(output, rows, "csv")


@PROFILE
@given(rows=generated.rows(spoiled=False).map(lambda rows: [generated.accepted(r) for r in rows]))
def test_a_dump_builds_the_same_rows_and_again_the_same_bytes(rows: list[Row]) -> None:
    """Dumped as JSON Lines and as CSV, an artifact builds again with the same stored rows into
    the same bytes, whatever order the rows came in, and so does the dump of that; CSV refuses
    a table holding empty strings or empty bytes, as the docs say."""
    with workspace() as directory:
        sources = directory / "sources"
        sources.mkdir()
        write_jsonl(sources / "items.jsonl", rows)
        built = directory / "built.sqlite"
        build(sources, built)
        original = stored(built, *COLUMNS)
        holds_empty = any(
            row[name] in ("", b"") for row in rows for name in ("label", "tag", "blob")
        )

        for format in ("jsonl", "csv"):
            dumped, rebuilt = directory / f"dump-{format}", directory / f"rebuilt-{format}.sqlite"
            try:
                dump_artifact(built, dumped, format=format)
            except DumpError:
                event("a CSV dump refused")
                assert format == "csv" and holds_empty
                continue
            assert not (format == "csv" and holds_empty)
            build(dumped, rebuilt)
            assert stored(rebuilt, *COLUMNS) == original
            assert rebuilt.read_bytes() == built.read_bytes()
            again, twice = directory / f"again-{format}", directory / f"twice-{format}.sqlite"
            dump_artifact(rebuilt, again, format=format)
            name = f"items.{format}"
            assert (again / name).read_bytes() == (dumped / name).read_bytes()
            build(again, twice)
            assert twice.read_bytes() == rebuilt.read_bytes()
            assert_reads_back(twice, rows, "jsonl")


def test_the_rows_cover_every_column() -> None:
    """The generated rows give every column of the model a value, so none goes untested."""
    assert set(generated.GOOD) == set(COLUMNS)
    assert set(generated.BAD) <= set(COLUMNS)
