"""
Tests for the build's sources (`microcosm_sqlite.building`): reading CSV and JSON Lines,
converting values, locating bad rows.

"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fixtures.library import Author, Base, Book, Genre
from sqlalchemy import (
    FLOAT,
    REAL,
    Boolean,
    Column,
    Double,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Unicode,
    create_engine,
    text,
)
from sqlalchemy.orm import Session

from microcosm_sqlite.artifact.dialect import ARTIFACT_DRIVER, artifact_dialect
from microcosm_sqlite.building.conversion import ColumnConverter, text_parser
from microcosm_sqlite.building.problems import Problems, TooManyProblems
from microcosm_sqlite.building.source_files import SourceFormat, find_sources, open_source
from microcosm_sqlite.errors import BuildInputError

DIALECT = artifact_dialect()
BOOK_HEADER = "isbn,title,author_id,genre,published,added_at,price,rating,tags,in_print,pages"
BOOK_ROW = (
    "9780441478125,The Left Hand,1,fiction,1969-03-01,2024-01-02T03:04:05.5,9.99,4.5,"
    '"[""a"", 1]",yes,304'
)


def read(
    table: Table, content: str, format: SourceFormat = "csv", **options: Any
) -> tuple[list[tuple[int, tuple[Any, ...]]], list[str]]:
    """Rows (with lines) and problem lines from a source held in a string."""
    problems = Problems(limit=100)
    source = open_source(
        table, DIALECT, io.StringIO(content), format, name=f"t.{format}", **options
    )
    rows = list(source.rows(problems))
    return rows, [str(problem) for problem in problems.found]


def converter(model: Any, name: str) -> ColumnConverter:
    return ColumnConverter(model.__table__.columns[name], DIALECT)


def test_a_row_stores_exactly_what_the_orm_stores() -> None:
    """A CSV row converts to the very values the ORM writes for the same Python values, on an
    engine of the artifact dialect as the runtime's are."""
    engine = create_engine(f"{ARTIFACT_DRIVER}://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Author(id=1, name="Le Guin", active=True))
        session.add(
            Book(
                isbn="9780441478125",
                title="The Left Hand",
                author_id=1,
                genre=Genre.fiction,
                published=date(1969, 3, 1),
                added_at=datetime(2024, 1, 2, 3, 4, 5, 500000),
                price=Decimal("9.99"),
                rating=4.5,
                tags=["a", 1],
                in_print=True,
                language="en",
                shelf="main",
                pages=304,
            )
        )
        session.commit()
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT * FROM books")).one()
    engine.dispose()

    rows, problems = read(Book.__table__, f"{BOOK_HEADER}\n{BOOK_ROW}\n")

    assert problems == []
    assert rows == [(2, tuple(stored))]


@pytest.mark.parametrize(
    ("model", "column", "given", "stored"),
    [
        (Author, "active", "Yes", 1),
        (Author, "active", "f", 0),
        (Author, "born", "1929-10-21", "1929-10-21"),
        (Book, "in_print", "true", 1),
        (Book, "genre", "poetry", "poetry"),
        (Book, "added_at", "2024-02-29T23:59:59", "2024-02-29 23:59:59.000000"),
        (Book, "price", "12.5", 12.5),
        (Book, "pages", "42", 42),
        (Book, "pages", "-7", -7),
        (Book, "pages", "+007", 7),
        (Book, "rating", "-.5", -0.5),
        (Book, "rating", "2E+3", 2000.0),
        (Book, "price", "+3.", 3.0),
        (Author, "country", "PL", "PL"),
        (Book, "tags", '{"b": [1, 2]}', '{"b": [1, 2]}'),
        (Book, "title", "  spaces kept  ", "  spaces kept  "),
    ],
)
def test_text_converts_by_column_type(model: Any, column: str, given: str, stored: Any) -> None:
    """Each column type turns CSV text into the value SQLite should store."""
    assert converter(model, column).from_text(given) == stored


@pytest.mark.parametrize(
    ("model", "column", "given", "reason"),
    [
        (Book, "pages", "many", "'many' is not an integer"),
        (Book, "rating", "high", "'high' is not a number"),
        (Book, "price", "1,5", "'1,5' is not a number"),
        (Book, "published", "1969-13-01", "'1969-13-01' is not an ISO 8601 date"),
        (Book, "added_at", "yesterday", "'yesterday' is not an ISO 8601 datetime"),
        (Book, "genre", "novel", "'novel' is not a Genre (choose from: fiction, essay, poetry)"),
        (Book, "in_print", "maybe", "'maybe' is not a boolean"),
        (Author, "active", "maybe", "'maybe' is not a boolean"),
        (Book, "tags", "{oops", "not a JSON document"),
    ],
)
def test_text_that_does_not_convert_says_why(
    model: Any, column: str, given: str, reason: str
) -> None:
    """A value that does not fit its column raises ValueError saying what was wrong."""
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        converter(model, column).from_text(given)


@pytest.mark.parametrize(
    "type_", [Float(), Double(), FLOAT(), REAL(), Float(asdecimal=True)], ids=repr
)
def test_text_for_a_float_column_is_read_as_a_float_on_every_sqlalchemy(type_: Any) -> None:
    """Every float type reads its text as a float, not a Decimal (SQLAlchemy 2.0 files `Float`,
    its `Mapped[float]`, under `Numeric`), and refuses what overflows a float alike."""
    parse = text_parser(type_)

    assert parse is not None
    value = parse("0.1")
    assert type(value) is float and value == 0.1
    with pytest.raises(ValueError, match="'1e999' is out of range for a float"):
        parse("1e999")


# columns of each number kind, and text with declared lengths: for both ways through a CSV
CHECKED = Table(
    "checked",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("count", Integer),
    Column("ratio", Float),
    Column("amount", Numeric(8, 2)),
    Column("code", String(2)),
    Column("name", Unicode(3), nullable=False),
)
CHECKED_HEADER = "id,count,ratio,amount,code,name"


@pytest.mark.parametrize(
    ("column", "given", "reason"),
    [
        ("count", " 7 ", "' 7 ' is not an integer"),
        ("count", "7 ", "'7 ' is not an integer"),
        ("count", "1_000", "'1_000' is not an integer"),
        ("count", "\u0663", "'\u0663' is not an integer"),
        ("count", "1.0", "'1.0' is not an integer"),
        ("count", "+-1", "'+-1' is not an integer"),
        ("ratio", "1_0.5", "'1_0.5' is not a number"),
        ("ratio", " 1.5", "' 1.5' is not a number"),
        ("ratio", "\u0663.5", "'\u0663.5' is not a number"),
        ("ratio", "nan", "'nan' is not a number: NaN and infinity are refused"),
        ("ratio", "-Infinity", "'-Infinity' is not a number: NaN and infinity are refused"),
        ("ratio", "1e999", "'1e999' is out of range for a float"),
        ("amount", " 1.5 ", "' 1.5 ' is not a number"),
        ("amount", "1_000", "'1_000' is not a number"),
        ("amount", "NaN", "'NaN' is not a number: NaN and infinity are refused"),
        ("code", "FRANCE", "'FRANCE' is longer than 2 characters"),
        ("name", "W\u0142adys", "'W\u0142adys' is longer than 3 characters"),
    ],
)
def test_numbers_and_lengths_are_checked_in_both_ways_through_a_csv(
    column: str, given: str, reason: str
) -> None:
    """Integers, floats and decimals take only the documented ASCII syntax and finite values,
    and text no longer than its declared length, inline and in the careful conversion alike."""
    values = {"id": "1", "count": "", "ratio": "", "amount": "", "code": "", "name": "abc"}
    values[column] = given
    content = f"{CHECKED_HEADER}\n" + ",".join(f'"{value}"' for value in values.values()) + "\n"

    rows, problems = read(CHECKED, content)

    assert rows == []
    assert len(problems) == 1
    assert problems[0].startswith(f"t.csv:2: column '{column}': {reason}")
    with pytest.raises(ValueError) as raised:
        ColumnConverter(CHECKED.columns[column], DIALECT).from_text(given)
    assert problems[0].endswith(str(raised.value))


def test_numbers_and_text_that_fit_read_the_same_inline_and_carefully() -> None:
    """Signed, fractional and exponent numbers and text at its declared length pass inline,
    with the values the careful conversion gives."""
    content = f"{CHECKED_HEADER}\n1,-12,-1.5e-3,-0.25,FR,Wła\n2,+3,.5,7.,,abc\n3,0,2E3,1e2,x,ab\n"
    converters = [ColumnConverter(column, DIALECT) for column in CHECKED.columns]

    rows, problems = read(CHECKED, content)

    assert problems == []
    expected = [
        tuple(
            convert.from_text(value)
            for convert, value in zip(converters, line.split(","), strict=True)
        )
        for line in content.splitlines()[1:]
    ]
    assert [row for _, row in rows] == expected
    assert expected[0] == (1, -12, -0.0015, -0.25, "FR", "Wła")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"id": 1, "ratio": NaN, "name": "a"}', "column 'ratio': NaN is not a number"),
        ('{"id": 1, "amount": -Infinity, "name": "a"}', "column 'amount': -Infinity is not a"),
        ('{"id": 1, "ratio": " 1", "name": "a"}', "column 'ratio': ' 1' is not a number"),
        ('{"id": 1, "count": "1_0", "name": "a"}', "column 'count': '1_0' is not an integer"),
        ('{"id": 1, "code": "FRA", "name": "a"}', "column 'code': 'FRA' is longer than 2"),
    ],
)
def test_json_lines_numbers_and_lengths_are_checked(line: str, problem: str) -> None:
    """JSON Lines take the same number syntax in strings, refuse NaN and infinity, and check
    declared lengths."""
    rows, problems = read(CHECKED, line + "\n", "jsonl")

    assert rows == []
    assert len(problems) == 1
    assert problems[0].startswith(f"t.jsonl:1: {problem}")


def test_boolean_spellings_in_csv_store_what_the_full_conversion_stores() -> None:
    """Looked-up boolean spellings, odd case and spacing included, match `from_text`; bad ones
    and empty ones in a required column are reported at their line."""
    table = Table(
        "flags",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("flag", Boolean, nullable=False),
        Column("maybe", Boolean),
    )
    given = ["1", "0", "true", "False", "YES", "n", " on ", "oFf", "T", "\tno"]
    content = "id,flag,maybe\n" + "".join(
        f'{number},"{spelling}","{spelling}"\n' for number, spelling in enumerate(given, start=1)
    )
    content += "90,,\n91,maybe,1\n92,1,\n"
    full = ColumnConverter(table.columns["flag"], DIALECT)

    rows, problems = read(table, content)

    expected = [
        (line, (number, full.from_text(spelling), full.from_text(spelling)))
        for line, (number, spelling) in enumerate(enumerate(given, start=1), start=2)
    ]
    assert rows == [*expected, (len(given) + 4, (92, 1, None))]
    assert [value for _, (_, value, _) in rows] == [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]
    assert len(problems) == 2
    assert f"t.csv:{len(given) + 2}" in problems[0] and "flag" in problems[0]
    assert "not nullable" in problems[0]
    assert f"t.csv:{len(given) + 3}" in problems[1] and "'maybe' is not a boolean" in problems[1]


def test_an_empty_field_is_null_in_a_nullable_column() -> None:
    """An empty CSV field stores NULL where the column allows it."""
    assert converter(Book, "pages").from_text("") is None
    assert converter(Book, "tags").from_text("") is None


def test_an_empty_field_is_refused_by_a_column_that_is_not_nullable() -> None:
    """An empty CSV field in a NOT NULL column is an error, not an empty string."""
    with pytest.raises(ValueError, match="not nullable"):
        converter(Book, "title").from_text("")


def test_an_autoincrement_key_may_be_empty() -> None:
    """An empty integer primary key lets SQLite number the row."""
    assert converter(Author, "id").from_text("") is None


def test_bad_fields_are_reported_with_file_line_and_column() -> None:
    """Each bad field of each row is one problem naming file, line and column; good rows stay."""
    content = "id,name,born\n1,A,1900-01-01\n2,,1900-13-01\n3,C,\n"

    rows, problems = read(Author.__table__, content)

    assert [line for line, _ in rows] == [2, 4]
    assert problems == [
        "t.csv:3: column 'name': empty value, but the column is not nullable"
        " (an empty CSV field is NULL)",
        "t.csv:3: column 'born': '1900-13-01' is not an ISO 8601 date",
    ]


def test_lines_count_quoted_line_breaks() -> None:
    """A quoted field spanning lines moves the line numbers of the rows after it."""
    content = 'id,name\n1,"two\nlines"\n2,x\n3,\n'

    rows, problems = read(Author.__table__, content)

    assert [line for line, _ in rows] == [2, 4]
    assert problems[0].startswith("t.csv:5: column 'name'")


def test_a_row_with_the_wrong_number_of_fields_is_malformed() -> None:
    """A CSV row with more or fewer fields than the header is a malformed line."""
    rows, problems = read(Author.__table__, "id,name\n1,A\n2,B,extra\n3\n\n4,D\n")

    assert [row[1][1] for row in rows] == ["A", "D"]
    assert problems == [
        "t.csv:3: malformed CSV: 3 fields where the header has 2",
        "t.csv:4: malformed CSV: 1 fields where the header has 2",
    ]


def test_bad_quoting_is_malformed() -> None:
    """Text after a closing quote is malformed CSV, reported at its line."""
    _, problems = read(Author.__table__, 'id,name\n1,"A"B\n')

    assert len(problems) == 1
    assert problems[0].startswith("t.csv:2: malformed CSV:")


def test_unknown_columns_are_errors_unless_ignored() -> None:
    """A header naming a column the table lacks fails, unless unknown columns are ignored."""
    content = "id,name,nickname\n1,A,a\n"

    _, problems = read(Author.__table__, content)
    rows, ignored = read(Author.__table__, content, ignore_unknown_columns=True)

    assert problems == [
        "t.csv:1: column 'nickname': unknown column: table 'authors' has no such column"
        " (--ignore-unknown-columns skips it)"
    ]
    assert ignored == []
    assert rows[0][1][:2] == (1, "A")


def test_a_required_column_left_out_is_reported_on_the_header_line() -> None:
    """A header without a NOT NULL column that has no default fails at line 1."""
    _, problems = read(Author.__table__, "id\n1\n")

    assert problems == [
        "t.csv:1: column 'name': missing column: the column is required:"
        " not nullable and no default"
    ]


def test_columns_left_out_take_their_defaults() -> None:
    """Omitted columns take scalar defaults, callable defaults, or NULL when nullable."""
    content = (
        "isbn,title,author_id,genre,published,added_at\n"
        "1,T,1,essay,2000-01-01,2000-01-01T00:00:00\n"
    )
    rows, problems = read(Book.__table__, content)

    assert problems == []
    stored = dict(zip(Book.__table__.columns.keys(), rows[0][1], strict=True))
    assert stored["in_print"] == 0
    assert stored["language"] == "en"
    assert stored["shelf"] == "main"
    assert stored["pages"] is None


def test_a_server_default_applies_as_sqlite_evaluates_it() -> None:
    """A column with only a server_default takes the value SQLite gave it."""
    table = Table(
        "things",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("kind", String, nullable=False, server_default="plain"),
    )
    problems = Problems()
    source = open_source(table, DIALECT, io.StringIO("id\n1\n"), "csv")

    rows = list(source.rows(problems, {"kind": "plain"}))

    assert rows == [(2, (1, "plain"))]


def test_json_lines_keep_their_types() -> None:
    """JSON Lines values convert by column type; strings still parse as text for dates and enums."""
    content = (
        '{"isbn": "1", "title": "T", "author_id": 1, "genre": "essay", "published": "2000-01-02",'
        ' "added_at": "2000-01-02T03:04:05", "tags": {"k": [1]}, "in_print": 1, "pages": 7}\n'
    )
    rows, problems = read(Book.__table__, content, "jsonl")

    assert problems == []
    stored = dict(zip(Book.__table__.columns.keys(), rows[0][1], strict=True))
    assert stored["author_id"] == 1
    assert stored["published"] == "2000-01-02"
    assert stored["tags"] == '{"k": [1]}'
    assert stored["in_print"] == 1


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"id": 1, "name": "A"', "t.jsonl:1: malformed JSON:"),
        ('[1, "A"]', "t.jsonl:1: a JSON Lines row is an object, not list"),
        ('{"id": "x", "name": "A"}', "t.jsonl:1: column 'id': 'x' is not an integer"),
        ('{"id": 1, "name": 5}', "t.jsonl:1: column 'name': 5 does not fit a String() column"),
        ('{"id": 1, "name": "A", "age": 3}', "t.jsonl:1: column 'age': unknown column"),
        ('{"id": 1}', "t.jsonl:1: column 'name': missing column"),
        ('{"id": 1, "name": null}', "t.jsonl:1: column 'name': a value is required"),
    ],
)
def test_bad_json_lines_are_reported(line: str, problem: str) -> None:
    """Each kind of bad JSON line is one problem at its line."""
    rows, problems = read(Author.__table__, line + "\n", "jsonl")

    assert rows == []
    assert len(problems) == 1
    assert problems[0].startswith(problem)


def test_problems_stop_reading_at_the_limit() -> None:
    """Reading stops with TooManyProblems once the limit of problems is reached."""
    problems = Problems(limit=3)
    content = "id,name\n" + "x,A\n" * 10
    source = open_source(Author.__table__, DIALECT, io.StringIO(content), "csv")

    with pytest.raises(TooManyProblems):
        list(source.rows(problems))

    assert len(problems) == 3
    assert all(isinstance(problem, BuildInputError) for problem in problems.found)


def test_not_utf8_is_reported(tmp_path: Path) -> None:
    """A source that is not UTF-8 text is a problem, not a crash."""
    path = tmp_path / "authors.csv"
    path.write_bytes(b"id,name\n1,\xff\xfe\n")
    problems = Problems()
    source = open_source(Author.__table__, DIALECT, path, "csv")

    assert list(source.rows(problems)) == []
    assert "authors.csv:2: not UTF-8 text: invalid start byte (bytes ff" in str(problems.found[0])


def test_sources_are_found_by_table_name(tmp_path: Path) -> None:
    """Each `<table>.csv` or `<table>.jsonl` is a source; other files are not; two for one fail."""
    for name in ("authors.csv", "books.jsonl", "books.csv", "README.md", "prepare.py"):
        (tmp_path / name).write_text("")

    found, problems = find_sources(tmp_path)

    assert sorted(found) == ["authors", "books"]
    assert [str(problem) for problem in problems] == [
        f"{tmp_path / 'books.jsonl'}: two sources for table 'books': also books.csv"
    ]


@pytest.mark.parametrize(
    ("format", "content", "column"),
    [
        ("csv", f"{CHECKED_HEADER}\n1,9223372036854775808,,,,a\n", "count"),
        ("csv", f"{CHECKED_HEADER}\n1,-9223372036854775809,,,,a\n", "count"),
        ("csv", f"{CHECKED_HEADER}\n99999999999999999999999999,,,,,a\n", "id"),
        ("jsonl", '{"id": 1, "count": 9223372036854775808, "name": "a"}\n', "count"),
        ("jsonl", '{"id": 1, "count": "-9223372036854775809", "name": "a"}\n', "count"),
        ("jsonl", '{"id": 1, "ratio": 123456789012345678901234567890, "name": "a"}\n', None),
    ],
)
def test_integers_beyond_64_bits_are_located_problems(
    format: SourceFormat, content: str, column: str | None
) -> None:
    """An integer SQLite cannot store is a problem at its line and column, not an
    OverflowError; in a float column a large integer is the float it reads as."""
    rows, problems = read(CHECKED, content, format)

    if column is None:
        assert problems == []
        assert rows[0][1][2] == 1.2345678901234568e29
        return
    assert rows == []
    assert len(problems) == 1
    assert problems[0].startswith(f"t.{format}:{2 if format == 'csv' else 1}: column {column!r}:")
    assert "out of range" in problems[0]


def test_the_64_bit_integer_range_is_stored_to_its_ends() -> None:
    """The smallest and largest 64-bit integers load, in CSV and in JSON Lines."""
    low, high = -(2**63), 2**63 - 1
    csv_rows, csv_problems = read(CHECKED, f"{CHECKED_HEADER}\n{high},{low},,,,a\n")
    json_rows, json_problems = read(
        CHECKED, f'{{"id": {high}, "count": {low}, "name": "a"}}\n', "jsonl"
    )

    assert csv_problems == json_problems == []
    assert csv_rows[0][1][:2] == json_rows[0][1][:2] == (high, low)


@pytest.mark.parametrize(
    "line",
    [
        '{"id": 1, "name": "\\ud800"}',
        '{"id": 1, "name": "a", "code": "\\udfff"}',
    ],
)
def test_a_lone_surrogate_in_json_lines_is_a_located_problem(line: str) -> None:
    """Text with a lone surrogate is not Unicode SQLite can store: a problem at its line
    and column, not a UnicodeEncodeError."""
    rows, problems = read(CHECKED, line + "\n", "jsonl")

    assert rows == []
    assert len(problems) == 1
    assert problems[0].startswith("t.jsonl:1: column ")
    assert "surrogate" in problems[0]


def test_a_surrogate_pair_escaped_in_json_lines_is_one_character() -> None:
    """A JSON escape of a surrogate pair is the character it stands for, stored as is."""
    rows, problems = read(CHECKED, '{"id": 1, "name": "\\ud83d\\ude00"}\n', "jsonl")

    assert problems == []
    assert rows[0][1][5] == "\U0001f600"


@pytest.mark.parametrize("format", ["csv", "jsonl"])
@pytest.mark.parametrize("bad_line", [3, 15_001])
def test_not_utf8_is_reported_on_its_own_line(tmp_path: Path, format: str, bad_line: int) -> None:
    """Invalid UTF-8 is reported on the line that holds it, however far into the file."""
    path = tmp_path / f"authors.{format}"
    if format == "csv":
        lines = [b"id,name"] + [b"%d,Name \xc5\x82 %d" % (n, n) for n in range(2, 20_000)]
    else:
        lines = [b'{"id": %d, "name": "Name \xc5\x82 %d"}' % (n, n) for n in range(1, 20_000)]
    lines[bad_line - 1] = lines[bad_line - 1].replace(b"\xc5\x82", b"\xc5(")
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    problems = Problems()
    source = open_source(Author.__table__, DIALECT, path, format)  # type: ignore[arg-type]

    list(source.rows(problems))

    assert [str(problem) for problem in problems.found] == [
        f"{path}:{bad_line}: not UTF-8 text: invalid continuation byte (bytes c5)"
    ]


def test_not_utf8_after_bare_carriage_returns_counts_them_as_line_breaks(tmp_path: Path) -> None:
    """Lines end as the reader ends them (\\n, \\r\\n or a bare \\r), so the count matches."""
    path = tmp_path / "authors.csv"
    path.write_bytes(b"id,name\r1,a\r\n2,b\n3,\xff\n")
    problems = Problems()

    list(open_source(Author.__table__, DIALECT, path, "csv").rows(problems))

    assert str(problems.found[0]).startswith(f"{path}:4: not UTF-8 text")


def test_a_csv_field_beyond_the_csv_modules_default_limit_reads(tmp_path: Path) -> None:
    """A text field of 200,000 characters (the csv module refuses 131,072 by default) loads."""
    path = tmp_path / "authors.csv"
    long_name = "\u0142" * 200_000
    path.write_text(f'id,name\n1,"{long_name}"\n', encoding="utf-8")
    problems = Problems()

    rows = list(open_source(Author.__table__, DIALECT, path, "csv").rows(problems))

    assert problems.found == []
    assert rows[0][1][1] == long_name
