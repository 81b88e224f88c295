"""
`microcosm-sqlite models SOURCES`: typed models drafted from CSV and JSON Lines sources, which
build from those same sources and read every value back as it was written.

"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import sqlite3
import sys
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fixtures.tools import cli_runner, run_console_script

from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.cli import cli
from microcosm_sqlite.errors import BuildError
from microcosm_sqlite.tools.drafting import DraftError, Table, draft_models, draft_tables


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """An empty folder of sources."""
    folder = tmp_path / "sources"
    folder.mkdir()
    return folder


@pytest.fixture
def load_module(tmp_path: Path) -> Iterator[Any]:
    """Imports a drafted module's text under a name of its own; forgets it afterwards."""
    names: list[str] = []

    def load(text: str) -> Any:
        name = f"drafted_{len(names)}_{tmp_path.name}"
        path = tmp_path / f"{name}.py"
        path.write_text(text)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        names.append(name)
        spec.loader.exec_module(module)
        return module

    yield load
    for name in names:
        sys.modules.pop(name, None)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def table(tables: list[Table], name: str) -> Table:
    [found] = [candidate for candidate in tables if candidate.name == name]
    return found


def kinds(drafted: Table) -> dict[str, tuple[str, bool]]:
    return {column.name: (column.type.kind, column.type.nullable) for column in drafted.columns}


def build_and_read(module: Any, sources: Path, tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Build the drafted models from the sources, and read raw rows back."""
    output = tmp_path / "drafted.sqlite"
    build_artifact(module.Base, sources, output)
    connection = sqlite3.connect(output)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


# --- types -----------------------------------------------------------------------------------

# each column's three values, one per row ("" is an empty field)
CSV_COLUMNS = {
    "id": ("1", "2", "3"),
    "count": ("9223372036854775807", "-3", ""),
    "big": ("12345678901234567890", "1", "2"),
    "ratio": ("0.5", "1.25", "2"),
    "price": ("12.50", "3.00", "0.10"),
    "flag": ("yes", "no", "Y"),
    "is_open": ("1", "0", "1"),
    "one_zero": ("1", "0", "1"),
    "day": ("2024-01-31", "2024-02-29", "1999-12-31"),
    "moment": ("2024-01-31T10:00:00", "2024-02-29 23:59:59.5", "1999-12-31"),
    "doc": ('{"a": [1, 2]}', "{}", '{"b": null}'),
    "code": ("007", "010", "123"),
    "label": ("plain", "", "text"),
    "offset_time": ("2024-01-31T10:00:00+02:00", "2024-01-31T10:00:00Z", "2024-01-31T10:00+0200"),
    "huge": ("1e3", "2.5", "-4"),
    "mixed_time": ("2024-01-31T10:00:00+02:00", "2024-01-31T10:00:00", "2024-01-31 11:00"),
}


def csv_text(columns: Mapping[str, tuple[str, ...]]) -> str:
    """A CSV source with these columns, quoted as the csv module quotes."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(zip(*columns.values(), strict=True))
    return stream.getvalue()


CSV_TYPES = csv_text(CSV_COLUMNS)

EXPECTED_CSV_KINDS = {
    "id": ("int", False),
    "count": ("int", True),
    "big": ("text", False),
    "ratio": ("float", False),
    "price": ("decimal", False),
    "flag": ("bool", False),
    "is_open": ("bool", False),
    "one_zero": ("int", False),
    "day": ("date", False),
    "moment": ("datetime", False),
    "doc": ("json", False),
    "code": ("text", False),
    "label": ("text", True),
    "offset_time": ("aware_datetime", False),
    "huge": ("float", False),
    "mixed_time": ("text", False),
}


def test_csv_types_come_from_every_value(sources: Path) -> None:
    """Integers within 64 bits, floats, decimals, booleans, dates, datetimes, JSON, text,
    each nullable when a field is empty; leading zeros, and offsets on some datetimes only,
    stay text."""
    write(sources, "things.csv", CSV_TYPES)

    [drafted] = draft_tables([sources])

    assert kinds(drafted) == EXPECTED_CSV_KINDS
    notes = {column.name: column.type.notes for column in drafted.columns}
    assert "digits with leading zeros ('007')" in notes["code"][0]
    assert "only 0 and 1: a boolean?" in notes["one_zero"][0]
    assert "some with a UTC offset and some without" in notes["mixed_time"][0]
    assert notes["offset_time"] == []
    assert "booleans spelled Y, no, yes" in notes["flag"][0]


def test_drafted_csv_models_build_and_read_every_value_back(
    sources: Path, tmp_path: Path, load_module: Any
) -> None:
    """The draft builds from its sources, and values read back as written."""
    write(sources, "things.csv", CSV_TYPES)
    module = load_module(draft_models([sources], dataset="things"))
    output = tmp_path / "things.sqlite"

    build_artifact(module.Base, sources, output)

    with module.Base.new_context(graph_for_artifact(output, "things")) as session:
        rows = {row.id: row for row in session.query(module.Thing)}
    assert rows[1].count == 2**63 - 1
    assert rows[1].big == "12345678901234567890"
    assert rows[1].price == Decimal("12.50")
    assert rows[3].price == Decimal("0.10")
    assert rows[1].day == date(2024, 1, 31)
    assert rows[2].moment == datetime(2024, 2, 29, 23, 59, 59, 500000)
    assert rows[1].doc == {"a": [1, 2]}
    assert rows[1].code == "007"
    assert (rows[1].flag, rows[2].flag, rows[3].flag) == (True, False, True)
    assert rows[2].label is None and rows[2].count == -3


def graph_for_artifact(path: Path, dataset: str) -> Any:
    from fixtures.tools import graph_for

    return graph_for(path, dataset=dataset)


def test_json_lines_types_are_the_values_own(
    sources: Path, tmp_path: Path, load_module: Any
) -> None:
    """Numbers, booleans, objects and arrays are themselves; strings may be dates; a column
    mixing kinds is JSON; a missing key or null is NULL."""
    lines = [
        {
            "id": 1,
            "score": 1.5,
            "ok": True,
            "tags": ["a"],
            "meta": {"x": 1},
            "on": "2024-01-31",
            "mixed": 1,
            "note": "",
        },
        {
            "id": 2,
            "score": 2,
            "ok": False,
            "tags": [],
            "meta": {},
            "on": "2024-02-01",
            "mixed": "one",
        },
        {
            "id": 3,
            "score": None,
            "ok": True,
            "tags": ["b", "c"],
            "meta": {"y": [2]},
            "on": "2024-02-02",
            "mixed": [1],
            "note": "n",
        },
    ]
    write(sources, "events.jsonl", "".join(json.dumps(line) + "\n" for line in lines))

    [drafted] = draft_tables([sources])
    module = load_module(draft_models([sources], dataset="events"))
    raw = build_and_read(module, sources, tmp_path, "SELECT note, mixed FROM events ORDER BY id")

    assert kinds(drafted) == {
        "id": ("int", False),
        "score": ("float", True),
        "ok": ("bool", False),
        "tags": ("json", False),
        "meta": ("json", False),
        "on": ("date", False),
        "mixed": ("json", False),
        "note": ("text", True),
    }
    assert raw == [("", "1"), (None, '"one"'), ("n", "[1]")]
    text = draft_models([sources], dataset="events")
    assert "tags: Mapped[list[Any]] = mapped_column(JSON)" in text
    assert "meta: Mapped[dict[str, Any]] = mapped_column(JSON)" in text
    assert "mixed: Mapped[Any] = mapped_column(JSON)" in text


# --- keys ------------------------------------------------------------------------------------


def test_the_key_is_a_unique_column_present_everywhere_id_and_code_first(sources: Path) -> None:
    """`code` beats an earlier unique column; an explained choice when others would do."""
    write(sources, "colour.csv", "name,hex,code\nred,#f00,R\ngreen,#0f0,G\nblue,#00f,B\n")
    write(sources, "size.csv", "label,rank\nsmall,1\nlarge,2\n")

    tables = draft_tables([sources])
    colour, size = table(tables, "colour"), table(tables, "size")

    assert [column.name for column in colour.key] == ["code"]
    assert [column.name for column in size.key] == ["label"]
    assert size.key[0].comments == [
        "the key: unique and present in all 2 rows; so are rank (unique=True on any that"
        " must stay so)"
    ]


def test_a_pair_of_columns_or_a_surrogate_key_when_no_column_is_unique(
    sources: Path, tmp_path: Path, load_module: Any
) -> None:
    """(country, year) together; rows with nothing unique get an id SQLite numbers."""
    write(sources, "census.csv", "country,year,people\nFR,2020,1\nFR,2021,1\nJP,2020,2\n")
    write(sources, "log.csv", "word\nhello\nhello\n")

    tables = draft_tables([sources])
    module = load_module(draft_models([sources], dataset="stats"))
    raw = build_and_read(module, sources, tmp_path, "SELECT id, word FROM log ORDER BY id")

    assert [column.name for column in table(tables, "census").key] == ["country", "year"]
    assert table(tables, "log").surrogate_key
    assert raw == [(1, "hello"), (2, "hello")]


def test_foreign_keys_where_values_and_names_agree(sources: Path, load_module: Any) -> None:
    """`country_code` -> `countries.alpha_2`, `parent_code` -> its own table's `code`; values
    found elsewhere under a name that does not say so get a comment, not a key."""
    write(sources, "countries.csv", "alpha_2,name\nFR,France\nDE,Germany\n")
    write(
        sources,
        "region.csv",
        "code,country_code,parent_code,label\nFR-A,FR,,FR\nFR-B,FR,FR-A,DE\nDE-A,DE,,DE\n",
    )

    region = table(draft_tables([sources]), "region")
    columns = {column.name: column for column in region.columns}
    module = load_module(draft_models([sources], dataset="places"))

    assert columns["country_code"].foreign_key == "countries.alpha_2"
    assert columns["parent_code"].foreign_key == "region.code"
    assert columns["label"].foreign_key is None
    assert columns["label"].comments == [
        'every value is a key of countries.alpha_2: ForeignKey("countries.alpha_2")?'
    ]
    foreign = {str(key.target_fullname) for key in module.Region.__table__.foreign_keys}
    assert foreign == {"countries.alpha_2", "region.code"}


def test_few_repeated_names_make_an_enum(sources: Path, tmp_path: Path, load_module: Any) -> None:
    """Text with a handful of values seen again and again is an EnumType column."""
    kinds_ = ["small", "large", "medium"] * 4
    write(sources, "box.csv", "id,kind\n" + "".join(f"{i},{k}\n" for i, k in enumerate(kinds_)))

    text = draft_models([sources], dataset="boxes")
    module = load_module(text)
    raw = build_and_read(module, sources, tmp_path, "SELECT DISTINCT kind FROM box ORDER BY 1")

    assert "kind: Mapped[BoxKind] = mapped_column(EnumType(BoxKind))" in text
    assert [member.name for member in module.BoxKind] == ["large", "medium", "small"]
    assert raw == [("large",), ("medium",), ("small",)]


def test_names_python_cannot_take_are_mapped_to_ones_it_can(
    sources: Path, tmp_path: Path, load_module: Any
) -> None:
    """Columns named `first name`, `class` or `metadata`, and a table named `2024-data`."""
    write(sources, "2024-data.csv", "id,first name,class,metadata\n1,Ada,a,m\n")

    text = draft_models([sources], dataset="odd")
    module = load_module(text)
    raw = build_and_read(module, sources, tmp_path, 'SELECT "first name", class FROM "2024-data"')

    assert 'first_name: Mapped[str] = mapped_column("first name")' in text
    assert 'class_: Mapped[str] = mapped_column("class")' in text
    assert 'metadata_: Mapped[str] = mapped_column("metadata")' in text
    assert module.Table2024Data.__tablename__ == "2024-data"
    assert raw == [("Ada", "a")]


# --- sampling --------------------------------------------------------------------------------


def test_large_sources_are_sampled_and_the_build_checks_the_rest(
    sources: Path, tmp_path: Path, load_module: Any
) -> None:
    """Only the first rows are read; a later value of another type fails the build at its line."""
    rows = "".join(f"{index},{index * 10}\n" for index in range(1, 50))
    write(sources, "reading.csv", f"id,value\n{rows}50,ten\n")

    [drafted] = draft_tables([sources], sample_rows=10)
    text = draft_models([sources], dataset="sampled", sample_rows=10)
    module = load_module(text)

    assert (drafted.rows, drafted.complete) == (10, False)
    assert kinds(drafted)["value"] == ("int", False)
    assert "reading.csv (10 rows read)" in " ".join(text.split())
    with pytest.raises(BuildError) as raised:
        build_artifact(module.Base, sources, tmp_path / "sampled.sqlite")
    assert "reading.csv:51: column 'value'" in str(raised.value.problems[0])


# --- bad sources and the command -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.csv", "x,y\n1,2\n3\n", "a.csv:3: malformed CSV: 1 fields where the header has 2"),
        ("a.csv", "x,x\n1,2\n", "a.csv:1: the header names x twice"),
        ("a.csv", 'x\n"open\n', "a.csv:"),
        ("a.csv", "", "a.csv:1: empty file"),
        ("a.csv", "x\n", "a.csv: no rows to draft from"),
        ("a.jsonl", '{"x": 1}\n[1]\n', "a.jsonl:2: a JSON Lines row is an object, not list"),
        ("a.jsonl", '{"x": 1}\n{"x": \n', "a.jsonl:2: malformed JSON"),
        ("a.jsonl", '{"x": NaN}\n', "a.jsonl:1: malformed JSON: NaN is refused"),
    ],
)
def test_sources_the_build_would_refuse_are_errors_naming_file_and_line(
    sources: Path, name: str, text: str, message: str
) -> None:
    """Malformed CSV or JSON, wrong widths, doubled columns, empty files."""
    write(sources, name, text)

    with pytest.raises(DraftError, match=message.replace("[", r"\[")):
        draft_tables([sources])


def test_the_command_prints_or_writes_the_module(sources: Path, tmp_path: Path) -> None:
    """stdout by default; -o writes a file, and keeps an existing one unless --force."""
    write(sources, "country.csv", "code,name\nFR,France\nJP,Japan\n")
    output = tmp_path / "models.py"

    printed = run_console_script("models", sources)
    written = cli_runner().invoke(cli, ["models", str(sources), "-o", str(output)])
    kept = cli_runner().invoke(cli, ["models", str(sources / "country.csv"), "-o", str(output)])
    forced = cli_runner().invoke(
        cli, ["models", str(sources), "-o", str(output), "--dataset", "ref", "--force"]
    )

    assert printed.returncode == 0, printed.stderr
    # the data set is named after the folder holding sources/
    assert f'dataset="{tmp_path.name.lower()}"' in printed.stdout.replace("-", "_")
    assert written.exit_code == 0 and output.read_text() != ""
    assert kept.exit_code == 2 and "exists: --force replaces it" in kept.stderr
    assert forced.exit_code == 0
    assert 'dataset="ref"' in output.read_text()


def test_the_drafted_module_is_formatted_and_clean(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ruff finds nothing to reformat or report in a draft, at its default line length, in
    a project of its own (where microcosm_sqlite is a third-party package)."""
    write(sources, "country.csv", "code,name,eu\nFR,France,true\nDE,Germany,true\nJP,Japan,false\n")
    write(sources, "city.csv", "id,name,country_code,founded\n1,Paris,FR,\n2,Osaka,JP,1889-04-01\n")
    module = tmp_path / "drafted.py"
    monkeypatch.chdir(tmp_path)
    module.write_text(draft_models([Path("sources")], dataset="places"))
    ruff = Path(sys.executable).parent / "ruff"

    formatted = run_ruff(ruff, "format", "--diff", "--isolated", module)
    checked = run_ruff(ruff, "check", "--isolated", "--select", "E,F,W,I,UP,B", module)

    assert formatted.returncode == 0, formatted.stdout
    assert checked.returncode == 0, checked.stdout


def run_ruff(ruff: Path, *args: str | Path) -> Any:
    import subprocess

    return subprocess.run(
        [str(ruff), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(args[-1]).parent,
    )
