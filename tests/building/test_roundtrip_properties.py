"""
Property tests over random typed rows: what a build takes in, a read gives back, and a dump
then a build gives the same rows again; input the README refuses is a located problem.

Examples per property: a modest number by default, many with HYPOTHESIS_PROFILE=fuzz
(`make fuzz`). The profiles are this module's own, applied per test, so loading them
changes no other test's settings; neither writes an example database into the checkout.

"""

from __future__ import annotations

import csv
import json
import math
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fixtures.roundtrip import COLUMNS, Base, ItemStore, Kind
from hypothesis import HealthCheck, given, settings
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
    max_examples=1000,
)
PROFILE = settings.get_profile(
    "roundtrip-fuzz" if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else "roundtrip"
)

INT64 = (-(2**63), 2**63 - 1)
Row = dict[str, Any]


# --- random rows ----------------------------------------------------------------------------


def integers() -> st.SearchStrategy[int]:
    """Across the whole 64-bit range, its ends, and beyond it either way."""
    low, high = INT64
    return st.one_of(
        st.integers(min_value=low, max_value=high),
        st.sampled_from([low, high, 0, -1, high + 1, low - 1]),
        st.integers(min_value=high + 1, max_value=10**40),
        st.integers(min_value=-(10**40), max_value=low - 1),
    )


def floats() -> st.SearchStrategy[float]:
    """Every float: subnormals, -0.0, the largest, infinities and NaN."""
    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([-0.0, 5e-324, 2.593067280083669e-308, 1.7976931348623157e308]),
    )


def short_texts() -> st.SearchStrategy[str]:
    """Unicode with line breaks, quotes, commas, NUL and lone surrogates."""
    awkward = st.sampled_from(["\r", "\n", "\r\n", '"', ",", "\x00", "\ud800", "\udfff", " "])
    return st.lists(st.one_of(st.text(), awkward), max_size=6).map("".join)


def texts() -> st.SearchStrategy[str]:
    """Short awkward text, and long text (beyond the csv module's default field limit)."""
    long = st.builds(
        lambda piece, times: piece * times,
        st.text(min_size=1, max_size=3),
        st.integers(min_value=1_000, max_value=70_000),
    )
    return st.one_of(short_texts(), long)


def documents() -> st.SearchStrategy[Any]:
    """JSON values: big integers, every finite float, text with surrogates, nesting."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**40), max_value=10**40),
        st.floats(allow_nan=False, allow_infinity=False),
        short_texts(),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(short_texts(), inner, max_size=4)
        ),
        max_leaves=12,
    )


def nullable(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def rows() -> st.SearchStrategy[list[Row]]:
    """Rows with distinct ids from the 64-bit range and any mix of values and NULLs."""
    row = st.fixed_dictionaries(
        {
            "id": st.integers(*INT64),
            "number": nullable(integers()),
            "ratio": nullable(floats()),
            "label": nullable(texts()),
            "flag": nullable(st.booleans()),
            "day": nullable(st.dates()),
            "moment": nullable(st.datetimes()),
            # a top-level JSON null is NULL, the same as a missing document
            "document": documents(),
            "kind": nullable(st.sampled_from(Kind)),
        }
    )
    return st.lists(row, min_size=1, max_size=6, unique_by=lambda row: row["id"])


# --- what the README refuses ----------------------------------------------------------------


def refused(row: Row) -> set[str]:
    """The columns of a row the README says a build refuses, in either format."""
    columns = set()
    if not INT64[0] <= row["number"] <= INT64[1] if row["number"] is not None else False:
        columns.add("number")
    if row["ratio"] is not None and not math.isfinite(row["ratio"]):
        columns.add("ratio")
    if row["label"] is not None and has_surrogate(row["label"]):
        columns.add("label")
    return columns


def has_surrogate(text: str) -> bool:
    return any("\ud800" <= character <= "\udfff" for character in text)


def as_json_reads(row: Row) -> Row:
    """The row as JSON Lines carry it: a surrogate pair, escaped, reads as one character."""
    label = row["label"]
    return row if label is None else {**row, "label": json.loads(json.dumps(label))}


# --- sources --------------------------------------------------------------------------------


def write_jsonl(path: Path, rows: list[Row]) -> list[int]:
    """The rows as JSON Lines (surrogates escaped, as JSON writes them); each row's line."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        for row in rows:
            stream.write(json.dumps({name: json_value(row[name]) for name in COLUMNS}) + "\n")
    return list(range(1, len(rows) + 1))


def json_value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Kind):
        return value.name
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
            fields = [csv_field(row[name]) for name in COLUMNS]
            if row["document"] is not None:
                fields[COLUMNS.index("document")] = json.dumps(row["document"])
            lines.append(line)
            if bad_line is None and row["label"] is not None and has_surrogate(row["label"]):
                before = row["label"][
                    : next(
                        index for index, c in enumerate(row["label"]) if "\ud800" <= c <= "\udfff"
                    )
                ]
                bad_line = line + line_breaks(",".join(fields[:3])) + line_breaks(before)
            writer.writerow(fields)
            line += line_breaks(",".join(fields)) + 1
    return lines, bad_line


def csv_field(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Kind):
        return value.name
    if isinstance(value, str):
        return value
    return str(value)


def line_breaks(text: str) -> int:
    """Line breaks as a reader with `newline=""` counts them: \\n, \\r\\n and a bare \\r."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


# --- reading back ---------------------------------------------------------------------------


@contextmanager
def workspace() -> Iterator[Path]:
    """A fresh directory per example (pytest's tmp_path is one per test, not per example)."""
    with tempfile.TemporaryDirectory(prefix="roundtrip-") as directory:
        yield Path(directory)


def read_back(path: Path) -> list[Row]:
    """Every row through the models' types and a Store, in id order."""
    graph = create_object_graph(
        "roundtrip-test",
        testing=True,
        loader=load_from_dict(sqlite=dict(paths=dict(roundtrip=str(path)))),
    )
    try:
        items = sorted(ItemStore(graph).search(), key=lambda item: item.id)
        return [{name: getattr(item, name) for name in COLUMNS} for item in items]
    finally:
        dispose_sqlite_connections(graph)


def stored(path: Path) -> list[tuple[Any, ...]]:
    """Every row as SQLite holds it, each value with its storage class."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute(
            "SELECT "
            + ", ".join(f"{name}, typeof({name})" for name in COLUMNS)
            + " FROM items ORDER BY id"
        ).fetchall()
    finally:
        connection.close()


def expected_back(row: Row, format: str) -> Row:
    """What a read gives for a row that built: an empty CSV field is NULL."""
    expected = dict(row)
    if format == "csv" and expected["label"] == "":
        expected["label"] = None
    return expected


def assert_same(actual: list[Row], expected: list[Row]) -> None:
    """Equal row by row; JSON documents compared as JSON text, so -0.0 is not 0."""
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert json.dumps(got["document"]) == json.dumps(want["document"])
        assert {**got, "document": None} == {**want, "document": None}


def assert_located(error: BuildError, source: Path, expected: set[tuple[int, str]]) -> None:
    """Every problem is a BuildInputError at a line and column the oracle expects."""
    found = set()
    for problem in error.problems:
        assert isinstance(problem, BuildInputError)
        assert problem.file == str(source)
        assert problem.line is not None and problem.column is not None, str(problem)
        found.add((problem.line, problem.column))
    assert found == expected


# --- the properties -------------------------------------------------------------------------


@PROFILE
@given(rows=rows())
def test_json_lines_build_and_read_back_or_say_where_they_are_refused(rows: list[Row]) -> None:
    """JSON Lines rows read back equal through the models, or the build fails with a problem
    at the line and column of each refused value."""
    rows = [as_json_reads(row) for row in rows]
    with workspace() as directory:
        sources = directory / "sources"
        sources.mkdir()
        source = sources / "items.jsonl"
        lines = write_jsonl(source, rows)
        expected = {
            (line, column) for line, row in zip(lines, rows, strict=True) for column in refused(row)
        }
        output = directory / "built.sqlite"
        try:
            build_artifact(Base, sources, output, max_errors=1000)
        except BuildError as error:
            assert expected, str(error.problems[:3])
            assert_located(error, source, expected)
            return
        assert not expected
        assert_same(read_back(output), sorted(rows, key=lambda row: row["id"]))


@PROFILE
@given(rows=rows())
def test_csv_builds_and_reads_back_or_says_where_it_is_refused(rows: list[Row]) -> None:
    """CSV rows read back equal (an empty field as NULL), or the build fails with located
    problems; text UTF-8 cannot hold is reported on the line where its bytes are."""
    with workspace() as directory:
        sources = directory / "sources"
        sources.mkdir()
        source = sources / "items.csv"
        lines, bad_line = write_csv(source, rows)
        expected = {
            (line, column)
            for line, row in zip(lines, rows, strict=True)
            for column in refused(row) - {"label"}
        }
        output = directory / "built.sqlite"
        try:
            build_artifact(Base, sources, output, max_errors=1000)
        except BuildError as error:
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
        assert not expected and bad_line is None
        want = [expected_back(row, "csv") for row in sorted(rows, key=lambda row: row["id"])]
        assert_same(read_back(output), want)


def accepted(row: Row) -> Row:
    """The row with what a build refuses made NULL: rows every build takes."""
    return {**row, **{column: None for column in refused(row)}}


@PROFILE
@given(rows=rows().map(lambda rows: [accepted(row) for row in rows]))
def test_a_dump_builds_the_same_rows_again(rows: list[Row]) -> None:
    """Dumped as JSON Lines and as CSV, an artifact builds again with the same stored rows;
    CSV refuses a table holding empty strings, as the README says."""
    with workspace() as directory:
        sources = directory / "sources"
        sources.mkdir()
        write_jsonl(sources / "items.jsonl", rows)
        built = directory / "built.sqlite"
        build_artifact(Base, sources, built)
        original = stored(built)
        holds_empty_text = any(row["label"] == "" for row in rows)

        for format in ("jsonl", "csv"):
            dumped = directory / f"dump-{format}"
            rebuilt = directory / f"rebuilt-{format}.sqlite"
            try:
                dump_artifact(built, dumped, format=format)  # type: ignore[arg-type]
            except DumpError:
                assert format == "csv" and holds_empty_text
                continue
            assert not (format == "csv" and holds_empty_text)
            build_artifact(Base, dumped, rebuilt)
            assert stored(rebuilt) == original
