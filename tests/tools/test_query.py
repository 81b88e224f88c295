"""
`query`, `rows` and `get`: a read-only look inside an artifact, the same rows as sqlite3 gives,
every statement that would do more than read refused before it runs, bounded in time and rows.

"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import Result
from fixtures.tools import alter, cli_runner, run_console_script

from microcosm_sqlite.cli import cli
from microcosm_sqlite.tools.query import (
    QueryRefusedError,
    ReadingAuthorizer,
    get_row,
    query_artifact,
    table_rows,
)

ROOT = Path(__file__).resolve().parents[2]
AIRPORTS = ROOT / "datasets/airports/src/microcosm_sqlite_airports/airports.sqlite"


def invoke(*args: str | Path) -> Result:
    return cli_runner().invoke(cli, [str(arg) for arg in args])


@pytest.fixture
def airports(tmp_path: Path) -> Path:
    """A copy of the airports artifact, in a folder of its own, to check nothing changes."""
    copy = tmp_path / "data" / "airports.sqlite"
    copy.parent.mkdir()
    shutil.copyfile(AIRPORTS, copy)
    return copy


def sqlite3_rows(path: Path, sql: str) -> list[dict[str, object]]:
    """The rows as Python's sqlite3 reads them, by column name."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cursor = connection.execute(sql)
        names = [description[0] for description in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]
    finally:
        connection.close()


# --- the same rows as sqlite3 ----------------------------------------------------------------

STATEMENTS = [
    "SELECT * FROM countries ORDER BY alpha_2",
    "SELECT icao, iata, name, latitude, longitude, elevation_ft, faa_lid FROM airports"
    " WHERE country_code IN ('IS', 'FR', 'US') ORDER BY elevation_ft DESC, icao LIMIT 500",
    "SELECT country_code, count(*) AS airports, max(elevation_ft) AS highest FROM airports"
    " GROUP BY country_code ORDER BY airports DESC, country_code",
]


@pytest.mark.parametrize("sql", STATEMENTS)
def test_query_prints_the_rows_sqlite3_prints(airports: Path, sql: str) -> None:
    """The console script's --json and --csv hold exactly the rows of the sqlite3 shell."""
    as_json = run_console_script("query", airports, sql, "--json", "--limit", "0")
    as_csv = run_console_script("query", airports, sql, "--csv", "--limit", "0")
    shell_json = subprocess.run(
        ["sqlite3", "-readonly", "-json", str(airports), sql],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    shell_csv = subprocess.run(
        ["sqlite3", "-readonly", "-csv", "-header", str(airports), sql],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout

    assert as_json.returncode == as_csv.returncode == 0, as_json.stderr + as_csv.stderr
    assert json.loads(as_json.stdout) == json.loads(shell_json) == sqlite3_rows(airports, sql)
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == list(csv.reader(io.StringIO(shell_csv)))


def test_rows_prints_a_tables_rows_in_key_order_as_sqlite3_does(airports: Path) -> None:
    """`rows TABLE --where` is `SELECT * ... WHERE ... ORDER BY` the primary key."""
    result = run_console_script(
        "rows", airports, "airports", "--where", "country_code = :c", "-p", "c", "IS", "--jsonl"
    )
    expected = sqlite3_rows(
        airports, "SELECT * FROM airports WHERE country_code = 'IS' ORDER BY icao"
    )

    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == expected
    assert len(expected) > 5


def test_the_default_output_is_an_aligned_table(airports: Path) -> None:
    """Columns padded to their widest cell, numbers on the right, NULL an empty cell."""
    result = invoke(
        "query",
        airports,
        "SELECT icao, iata, elevation_ft FROM airports WHERE icao IN ('BIAE', 'BIAR')"
        " ORDER BY icao",
    )

    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "icao  iata  elevation_ft\n"
        "----  ----  ------------\n"
        "BIAE                20.0\n"
        "BIAR  AEY            6.0\n"
    )


def test_rows_stop_at_the_limit_and_say_so(airports: Path) -> None:
    """1,000 rows by default, then a warning on stderr; --limit 0 prints them all."""
    limited = invoke("rows", airports, "airports", "--jsonl")
    everything = invoke("rows", airports, "countries", "--jsonl", "--limit", "0")

    assert len(limited.stdout.splitlines()) == 1000
    assert "only the first 1,000 rows printed" in limited.stderr
    assert len(everything.stdout.splitlines()) == 250
    assert "only the first" not in everything.stderr


def test_a_statement_past_its_time_bound_is_stopped(airports: Path) -> None:
    """An endless recursive query stops at --timeout with a clear error, exit status 1."""
    endless = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT max(x) FROM n"

    result = invoke("query", airports, endless, "--timeout", "0.5")

    assert result.exit_code == 1
    assert "ran longer than 0.5 s and was stopped" in result.stderr


# --- get -------------------------------------------------------------------------------------


def test_get_prints_one_row_by_its_key(airports: Path) -> None:
    """A row as column/value lines, or one JSON object; a missing key is exit status 1."""
    table = invoke("get", airports, "airports", "LFPG")
    as_json = invoke("get", airports, "airports", "LFPG", "--json")
    missing = invoke("get", airports, "airports", "ZZZZ")

    assert table.exit_code == 0, table.stderr
    assert "iata          CDG\n" in table.stdout
    assert (
        json.loads(as_json.stdout)
        == sqlite3_rows(airports, "SELECT * FROM airports WHERE icao = 'LFPG'")[0]
    )
    assert missing.exit_code == 1
    assert "table 'airports' has no row with icao='ZZZZ'" in missing.stderr


def test_get_takes_one_value_per_key_column(tmp_path: Path) -> None:
    """Composite keys take their values in key order; integers match as integers."""
    path = alter(
        tmp_path / "pairs.sqlite",
        "CREATE TABLE pair (a INTEGER, b TEXT, value REAL, PRIMARY KEY (a, b))",
        "INSERT INTO pair VALUES (1, 'x', 1.5), (1, 'y', 2.5)",
    )

    assert get_row(path, "pair", ["1", "y"]) == (("a", "b", "value"), (1, "y", 2.5))
    wrong = invoke("get", path, "pair", "1")
    assert wrong.exit_code == 1
    assert "has the key (a, b): give 2 values, not 1" in wrong.stderr


def test_the_data_set_can_be_named_instead_of_a_path() -> None:
    """--dataset resolves the installed airports data set as `verify --dataset` does."""
    got = invoke("get", "--dataset", "airports", "airports", "LFPG", "--json")
    rows = invoke("rows", "--dataset", "airports", "countries", "--limit", "1", "--csv")
    both = invoke("rows", "--dataset", "airports", AIRPORTS, "countries")

    assert json.loads(got.stdout)["iata"] == "CDG"
    assert rows.stdout.startswith("alpha_2,alpha_3,numeric,name")
    assert both.exit_code == 2


def test_an_unknown_table_is_named_with_the_tables_there_are(airports: Path) -> None:
    """`rows` names the tables the artifact has."""
    result = invoke("rows", airports, "airport")

    assert result.exit_code == 1
    assert "no table named 'airport' (tables: airports, countries)" in result.stderr


def test_a_file_with_a_view_is_refused_as_by_inspect(tmp_path: Path) -> None:
    """The defences of open_artifact hold: a view's SQL never runs."""
    path = alter(
        tmp_path / "viewed.sqlite",
        "CREATE TABLE t (x INTEGER PRIMARY KEY)",
        "CREATE VIEW v AS SELECT x FROM t",
    )

    result = invoke("query", path, "SELECT * FROM v")

    assert result.exit_code == 1
    assert "view v" in result.stderr


# --- refusing what does more than read ------------------------------------------------------

REFUSED = {
    "insert": "INSERT INTO countries (alpha_2) VALUES ('ZZ')",
    "insert or replace": "INSERT OR REPLACE INTO countries (alpha_2) VALUES ('FR')",
    "replace": "REPLACE INTO countries (alpha_2) VALUES ('FR')",
    "upsert": "INSERT INTO countries (alpha_2) VALUES ('FR') ON CONFLICT DO NOTHING",
    "with insert": "WITH c AS (SELECT 'ZZ' AS x) INSERT INTO countries (alpha_2) SELECT x FROM c",
    "with update": "WITH c AS (SELECT 1) UPDATE countries SET name = 'x'",
    "with delete": "WITH c AS (SELECT 1) DELETE FROM countries",
    "update": "UPDATE countries SET name = 'x'",
    "delete": "DELETE FROM airports",
    "lower case, after comments": "/* hello */ -- there\n  delete from airports",
    "create table": "CREATE TABLE t (x)",
    "create temp table": "CREATE TEMP TABLE t (x)",
    "create table as select": "CREATE TEMP TABLE t AS SELECT * FROM countries",
    "create index": "CREATE INDEX i ON countries (name)",
    "create view": "CREATE TEMP VIEW v AS SELECT 1",
    "create trigger": "CREATE TEMP TRIGGER t AFTER INSERT ON countries BEGIN SELECT 1; END",
    "create virtual table": "CREATE VIRTUAL TABLE temp.f USING fts5(x)",
    "drop table": "DROP TABLE airports",
    "drop index": "DROP INDEX ix_airports_iata",
    "alter table": "ALTER TABLE countries ADD COLUMN x",
    "attach": "ATTACH DATABASE 'OTHER' AS other",
    "detach": "DETACH DATABASE main",
    "vacuum": "VACUUM",
    "vacuum into": "VACUUM INTO 'OTHER'",
    "reindex": "REINDEX",
    "analyze": "ANALYZE",
    "begin": "BEGIN",
    "commit": "COMMIT",
    "savepoint": "SAVEPOINT s",
    "pragma journal_mode": "PRAGMA journal_mode = WAL",
    "pragma query_only": "PRAGMA query_only = 0",
    "pragma writable_schema": "PRAGMA writable_schema = ON",
    "pragma user_version": "PRAGMA user_version = 5",
    "pragma trusted_schema": "PRAGMA trusted_schema = ON",
    "pragma foreign_keys": "PRAGMA foreign_keys = OFF",
    "pragma optimize": "PRAGMA optimize",
    "pragma wal_checkpoint": "PRAGMA wal_checkpoint",
    "pragma function call": "PRAGMA user_version(5)",
    "pragma table-valued function": "SELECT * FROM pragma_table_info('countries')",
    "load_extension": "SELECT load_extension('/tmp/evil')",
    "fts3_tokenizer": "SELECT fts3_tokenizer('simple')",
    "explain insert": "EXPLAIN INSERT INTO countries (alpha_2) VALUES ('ZZ')",
    "two statements": "SELECT 1; DELETE FROM airports",
    "two reads": "SELECT 1; SELECT 2",
    "empty": "   ",
}


@pytest.mark.parametrize("sql", REFUSED.values(), ids=REFUSED.keys())
def test_every_statement_that_does_more_than_read_is_refused(airports: Path, sql: str) -> None:
    """Refused with exit status 1 and a clear reason; the artifact and its folder unchanged."""
    other = airports.parent / "other.sqlite"
    sql = sql.replace("OTHER", str(other))
    before = airports.read_bytes()
    folder = sorted(airports.parent.iterdir())

    result = invoke("query", airports, sql)

    assert result.exit_code == 1, result.stdout
    assert "refused" in result.stderr or "one statement at a time" in result.stderr
    assert result.stdout == ""
    assert airports.read_bytes() == before
    assert sorted(airports.parent.iterdir()) == folder


def test_a_refusal_says_why(airports: Path) -> None:
    """The error names what the statement would have done."""
    refusals = {
        "WITH c AS (SELECT 1) INSERT INTO countries SELECT * FROM c": "it writes rows",
        "PRAGMA journal_mode = WAL": r"it changes a setting \(PRAGMA journal_mode\)",
        "SELECT load_extension('x')": "load_extension",
    }
    for sql, reason in refusals.items():
        with pytest.raises(QueryRefusedError, match=reason), query_artifact(airports, sql):
            pass


@pytest.mark.parametrize(
    "sql",
    [
        "PRAGMA table_info(countries)",
        "PRAGMA index_list(airports)",
        "PRAGMA foreign_key_list(airports)",
        "PRAGMA journal_mode",
        "PRAGMA user_version",
        "VALUES (1, 'a'), (2, 'b')",
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5)"
        " SELECT x FROM n",
        "EXPLAIN QUERY PLAN SELECT * FROM airports WHERE iata = 'CDG'",
        "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
        "SELECT json_extract('{\"a\": 1}', '$.a'), upper(name) FROM countries LIMIT 1",
    ],
)
def test_statements_that_only_read_run(airports: Path, sql: str) -> None:
    """Pragmas that describe, VALUES, recursive CTEs, EXPLAIN, the schema, functions."""
    with query_artifact(airports, sql) as result:
        rows = list(result.rows)

    assert rows


def test_the_authorizer_allows_reading_and_nothing_else() -> None:
    """Asked directly: reads pass; each kind of change is refused with its reason kept."""
    authorizer = ReadingAuthorizer()

    assert authorizer(sqlite3.SQLITE_READ, "t", "x", "main", None) == sqlite3.SQLITE_OK
    assert authorizer(sqlite3.SQLITE_FUNCTION, None, "upper", None, None) == sqlite3.SQLITE_OK
    assert authorizer(sqlite3.SQLITE_INSERT, "t", None, "main", None) == sqlite3.SQLITE_DENY
    assert authorizer.refusal == "it writes rows"
    for action in (
        sqlite3.SQLITE_ATTACH,
        sqlite3.SQLITE_CREATE_TEMP_TABLE,
        sqlite3.SQLITE_DROP_TABLE,
    ):
        assert authorizer(action, "x", None, None, None) == sqlite3.SQLITE_DENY


def test_rows_where_cannot_smuggle_a_second_statement(airports: Path) -> None:
    """A --where that closes the query and starts another is one statement too many."""
    before = airports.read_bytes()

    smuggled = "1); DELETE FROM countries; --"
    with pytest.raises(QueryRefusedError), table_rows(airports, "countries", where=smuggled):
        pass

    assert airports.read_bytes() == before


# --- what a file holds never reaches the terminal raw ------------------------------------------


def test_a_table_escapes_what_would_drive_a_terminal_or_break_a_line(airports: Path) -> None:
    """Text and names holding ESC, a newline or a bidi override print escaped, a row a line."""
    alter(
        airports,
        "UPDATE countries SET name = char(27) || '[2J' || char(10) || 'evil' || char(8238)"
        " WHERE alpha_2 = 'FR'",
    )
    result = invoke(
        "query", airports, "SELECT name AS \"n\x1b[31m\" FROM countries WHERE alpha_2 = 'FR'"
    )

    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    header, _rule, row = result.stdout.splitlines()
    assert header == "n\\u001b[31m"
    assert row == "\\u001b[2J\\nevil\\u202e"


def test_json_output_is_strict_and_escaped(airports: Path) -> None:
    """An infinite real is an object JSON can hold, and control characters stay escaped."""
    alter(
        airports,
        "UPDATE airports SET elevation_ft = 1e999, name = char(27) || 'x' WHERE icao = 'LFPG'",
    )
    result = invoke(
        "query", airports, "SELECT name, elevation_ft FROM airports WHERE icao = 'LFPG'", "--json"
    )

    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout
    assert json.loads(result.stdout) == [{"name": "\x1bx", "elevation_ft": {"real": "Infinity"}}]
