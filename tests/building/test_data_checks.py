"""
Data checks declared with the models: a failing one stops the build with a located problem and
nothing written; a warning is reported and the build goes on; `verify --models` runs the same.

"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fixtures.searchable import Kind, declare, sample_rows
from fixtures.tools import leftovers

from microcosm_sqlite.building import build_from_rows
from microcosm_sqlite.checks import (
    AcceptedValues,
    Check,
    ExistsIn,
    InRange,
    Matches,
    NoRows,
    NotNull,
    RowCount,
    Unique,
)
from microcosm_sqlite.errors import BuildError
from microcosm_sqlite.tools.verify import verify_artifact


def problems_of(error: pytest.ExceptionInfo[BuildError]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


@pytest.mark.parametrize(
    ("check", "problem"),
    [
        (RowCount(min=10), "places: check row_count(min=10): 7 rows, at least 10 expected"),
        (RowCount(max=2), "places: check row_count(max=2): 7 rows, at most 2 expected"),
        (
            RowCount(min=1, max=2, where="open"),
            "places: check row_count(min=1, max=2, where='open'): 6 rows, from 1 to 2 expected",
        ),
        (
            NotNull("city"),
            "places: check not_null(city): 1 row fail: (id 7, city NULL)",
        ),
        (
            Unique("country_code", "kind"),
            "places: check unique(country_code, kind): 1 value repeated:"
            ' (country_code "GB", kind "airport") 2 times',
        ),
        (
            Unique("country_code", where="open"),
            "places: check unique(country_code, where='open'): 2 values repeated:"
            ' (country_code "CH") 2 times, (country_code "GB") 3 times',
        ),
        (
            AcceptedValues("kind", [Kind.airport, Kind.port]),
            "places: check accepted_values(kind, ['airport', 'port']): 2 rows fail:"
            ' (id 3, kind "station"), (id 5, kind "station")',
        ),
        (
            InRange("latitude", 46, 50),
            "places: check in_range(latitude, min=46, max=50): 5 rows fail:"
            " (id 1, latitude 51.47), (id 2, latitude 51.15), (id 3, latitude 50.97) and 2 more",
        ),
        (
            Matches("name", r"[A-Z][a-z]+ [A-Z][a-z]+"),
            "places: check matches(name, '[A-Z][a-z]+ [A-Z][a-z]+'): 3 rows fail:"
            ' (id 4, name "Zürich Airport"), (id 6, name "Lyon Saint-Exupéry"),'
            ' (id 7, name "Port of London")',
        ),
        (
            ExistsIn("city", "places.name", where="country_code = 'GB'"),
            "places: check exists_in(city, places.name, where=\"country_code = 'GB'\"): 3 rows"
            ' fail: (id 1, city "London"), (id 2, city "Crawley"), (id 3, city "Heathfield")',
        ),
        (
            NoRows("SELECT id, name FROM places WHERE NOT open", "every place is open"),
            'places: check every place is open: 1 row returned: (id 7, name "Port of London")',
        ),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Check) else "",
)
def test_a_failing_check_is_a_located_problem(tmp_path: Path, check: Check, problem: str) -> None:
    """Each kind of check names itself, the table and the offending rows by key."""
    with pytest.raises(BuildError) as caught:
        declare([check]).build(tmp_path / "places.sqlite")
    assert "1 problem in the data checks" in str(caught.value)
    assert problems_of(caught) == [problem]


def test_checks_compare_values_as_their_columns_store_them(tmp_path: Path) -> None:
    """Enum members, booleans and floats compare with what the build wrote: these all hold."""
    declared = declare(
        [
            AcceptedValues("kind", list(Kind)),
            AcceptedValues("open", [True], where="kind != 'port'"),
            InRange("latitude", 45.0, 52),
            Matches("id", r"[0-9]"),
            ExistsIn("country_code", declare().Country.code),
        ]
    )
    output = declared.build(tmp_path / "places.sqlite")
    assert verify_artifact(output, declared.Base) == []


def test_a_failing_build_leaves_the_artifact_as_it_was(tmp_path: Path) -> None:
    """Checks run before anything moves into place: the old artifact stays, nothing is left."""
    output = declare().build(tmp_path / "places.sqlite")
    before = output.read_bytes()
    with pytest.raises(BuildError):
        declare([NotNull("city")]).build(output)
    assert output.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_a_warning_is_reported_and_the_build_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`severity="warn"` logs the failure and keeps it in the report; the artifact is built."""
    declared = declare([NotNull("city", severity="warn", name="places have a city")])
    rows = sample_rows()
    with caplog.at_level(logging.WARNING):
        report = build_from_rows(declared.Base, rows, tmp_path / "places.sqlite")
    line = "table places: check places have a city: 1 row fail: (id 7, city NULL)"
    assert report.warnings == (line,)
    assert line in caplog.text
    assert (tmp_path / "places.sqlite").exists()


def test_every_failing_check_is_reported_at_once(tmp_path: Path) -> None:
    """Problems of several checks and tables come in one build error, in table order."""
    declared = declare(
        [NotNull("city"), RowCount(min=100)], country_checks=[Matches("name", r"[A-Z]{2}")]
    )
    with pytest.raises(BuildError) as caught:
        declared.build(tmp_path / "places.sqlite")
    assert [problem.split(":")[0] for problem in problems_of(caught)] == [
        "countries",
        "places",
        "places",
    ]


def test_a_check_whose_sql_fails_is_an_error_whatever_its_severity(tmp_path: Path) -> None:
    """A mistake in a check's SQL fails the build, saying what SQLite said."""
    declared = declare([NoRows("SELECT missing FROM places", "missing", severity="warn")])
    with pytest.raises(BuildError) as caught:
        declared.build(tmp_path / "places.sqlite")
    assert problems_of(caught) == ["places: check missing: its SQL failed: no such column: missing"]


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM places RETURNING id",
        "UPDATE places SET name = 'x' RETURNING id",
        "INSERT INTO countries VALUES ('XX', 'x') RETURNING code",
    ],
)
def test_a_check_only_reads(tmp_path: Path, sql: str) -> None:
    """Check SQL that would write is refused, so a check never changes the data it checks."""
    with pytest.raises(BuildError) as caught:
        declare([NoRows(sql, "writes")]).build(tmp_path / "places.sqlite")
    assert problems_of(caught) == ["places: check writes: its SQL failed: not authorized"]


@pytest.mark.parametrize(
    ("check", "problem"),
    [
        (NotNull("nowhere"), "not_null(nowhere) is wrong: table has no column 'nowhere'"),
        (Unique("name", "nowhere"), "unique(name, nowhere) is wrong: table has no column"),
        (ExistsIn("city", "towns.name"), "exists_in(city, towns.name) is wrong: no column"),
        (AcceptedValues("kind", ["dock"]), "accepted_values(kind, ['dock']) is wrong: 'dock'"),
    ],
    ids=["column", "one of the columns", "target", "value"],
)
def test_a_wrong_declaration_fails_before_any_row_is_read(
    tmp_path: Path, check: Check, problem: str
) -> None:
    """Checks naming what the models lack fail the build up front, located at their table."""
    rows: Any = {"countries": iter(()), "places": iter(())}
    with pytest.raises(BuildError) as caught:
        declare([check]).build(tmp_path / "places.sqlite", rows)
    assert "in the models' declarations" in str(caught.value)
    assert problems_of(caught)[0].startswith(f"places: check {problem}")


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: RowCount(), "RowCount needs min, max or both"),
        (lambda: RowCount(min=3, max=2), "min is more than max"),
        (lambda: InRange("x"), "needs min, max or both"),
        (lambda: Matches("x", "("), "not a regular expression"),
        (lambda: AcceptedValues("x", "abc"), "a collection of values"),
        (lambda: AcceptedValues("x", []), "no value is accepted"),
        (lambda: Unique(), "one or more columns"),
        (lambda: ExistsIn("x", "nowhere"), "'table.column' or a model's column attribute"),
        (lambda: NoRows(" ", "x"), "a query and a message"),
        (lambda: NotNull("x", severity="fatal"), "severity must be 'error' or 'warn'"),  # type: ignore[arg-type]
    ],
)
def test_declarations_are_checked_where_they_are_written(make: Any, error: str) -> None:
    """A check that cannot mean anything fails at import, where the models declare it."""
    with pytest.raises((TypeError, ValueError), match=error.replace("(", r"\(")):
        make()


def test_checks_that_are_no_checks_are_refused(tmp_path: Path) -> None:
    """`__checks__` holds checks: anything else is a TypeError naming the model."""
    declared = declare()
    declared.Place.__checks__ = ("not a check",)
    with pytest.raises(TypeError, match=r"Place\.__checks__ holds 'not a check'"):
        declared.build(tmp_path / "places.sqlite")


def test_verify_runs_the_checks_and_passes_once_the_data_is_fixed(tmp_path: Path) -> None:
    """An artifact that fails newly declared checks fails verify until it is rebuilt fixed."""
    output = declare().build(tmp_path / "places.sqlite")
    strict = declare([NotNull("city"), RowCount(min=5)])
    assert verify_artifact(output, strict.Base) == [
        "table places: check not_null(city): 1 row fail: (id 7, city NULL)"
    ]
    rows = sample_rows()
    rows["places"][-1]["city"] = "London"
    strict.build(output, rows)
    assert verify_artifact(output, strict.Base) == []


def test_verify_reports_warnings_without_failing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing warning is logged by verify, and the artifact still verifies."""
    output = declare().build(tmp_path / "places.sqlite")
    lenient = declare([NotNull("city", severity="warn")])
    with caplog.at_level(logging.WARNING):
        assert verify_artifact(output, lenient.Base) == []
    assert "check not_null(city): 1 row fail" in caplog.text


def test_verify_runs_the_models_sql_on_an_untrusted_file_reading_only(tmp_path: Path) -> None:
    """On a file it did not build, verify shows what the file holds escaped, and never writes."""
    output = declare(fulltext=None).build(tmp_path / "places.sqlite")
    with sqlite3.connect(output) as connection:
        connection.execute("UPDATE places SET city = 'a\x1b[2Jb' WHERE id = 1")
    connection.close()
    before = output.read_bytes()
    checks = [
        Matches("city", r"[\w ]+"),
        NoRows("DELETE FROM places RETURNING id", "never writes"),
    ]
    assert verify_artifact(output, declare(checks, fulltext=None).Base) == [
        f"table places: check matches(city, {checks[0].pattern!r}): 1 row fail:"  # type: ignore[attr-defined]
        ' (id 1, city "a\\u001b[2Jb")',
        "table places: check never writes: its SQL failed: attempt to write a readonly database",
    ]
    assert output.read_bytes() == before


def test_checks_can_be_skipped_for_a_tests_few_rows(tmp_path: Path) -> None:
    """`checks=False` builds rows that fail a check, as a test's fixture of three rows needs."""
    declared = declare([RowCount(min=25_000)])
    output = tmp_path / "places.sqlite"
    report = build_from_rows(declared.Base, sample_rows(), output, checks=False)
    assert report.warnings == ()
    assert verify_artifact(output) == []
