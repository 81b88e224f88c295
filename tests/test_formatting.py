"""
Numbers, sizes, counts and text as every command writes them: thousands separators, human
sizes (exact bytes in JSON), `1 problem` / `2 problems`, problems in source order, and UTF-8
text as it is in dumps, diffs and textconv.

"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest
from fixtures import library
from fixtures.tools import MODELS, copy_sources, invoke, rows

from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.errors import BuildError
from microcosm_sqlite.formatting import (
    code_text,
    json_safe,
    json_text,
    name_text,
    number,
    one_line,
    plural,
    quote_text,
    size,
    unescape_json,
    write_quoted,
)
from microcosm_sqlite.tools.diff import diff_artifacts
from microcosm_sqlite.tools.dump import dump_artifact
from microcosm_sqlite.tools.textconv import write_textconv

# JSON documents whose text is not ASCII, with the escapes JSON needs: a control character,
# a quote, a backslash, a backslash before `u20ac` that is not an escape, and a lone surrogate
TAGS = [
    ["€uro", "Wisława", "😀", "tab\there", 'a "quote"', "back\\slash", "\\u20ac"],
    {"lone": "\ud800", "text": "Ficciones €"},
]


# --- the helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0"), (999, "999"), (1000, "1,000"), (300004, "300,004"), (-1234567, "-1,234,567")],
)
def test_numbers_have_thousands_separators(count: int, expected: str) -> None:
    """Counts print with a comma every three digits."""
    assert number(count) == expected


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 problems"), (1, "1 problem"), (2, "2 problems"), (1500, "1,500 problems")],
)
def test_plural_agrees_with_the_count(count: int, expected: str) -> None:
    """One problem, two problems, and separators in the count."""
    assert plural(count, "problem") == expected


def test_plural_takes_an_irregular_plural() -> None:
    """A noun whose plural is not its singular with an s."""
    assert plural(2, "entry", "entries") == "2 entries"
    assert plural(1, "entry", "entries") == "1 entry"


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (1023, "1,023 bytes"),
        (1024, "1.0 KiB"),
        (32768, "32.0 KiB"),
        (32448512, "30.9 MiB"),
        (5 * 1024**3, "5.0 GiB"),
        (2048 * 1024**5, "2,048.0 PiB"),
    ],
)
def test_sizes_are_for_people(count: int, expected: str) -> None:
    """Sizes print in binary units with one decimal, and small ones in bytes."""
    assert size(count) == expected


def test_json_text_writes_text_as_it_is() -> None:
    """Non-ASCII text is itself, and what JSON must escape still is."""
    assert json_text({"a": "€ 😀", "b": 'tab\t"\\'}) == '{"a": "€ 😀", "b": "tab\\t\\"\\\\"}'


def test_json_text_keeps_a_lone_surrogate_escaped() -> None:
    """UTF-8 cannot hold a lone surrogate: it stays escaped, and the rest of the text does not."""
    text = json_text({"a": "\ud800", "b": "€"})

    assert text == '{"a": "\\ud800", "b": "€"}'
    assert text.encode("utf-8")
    assert json.loads(text) == {"a": "\ud800", "b": "€"}


@pytest.mark.parametrize("value", TAGS)
def test_unescaping_a_document_keeps_it_the_same_document(value: object) -> None:
    """The escaped document and the unescaped one parse to the same value, and only lone
    surrogates and the characters JSON needs escaped stay escaped."""
    document = json.dumps(value)

    text = unescape_json(document)

    assert json.loads(text) == value
    assert "\\u20ac" not in text.replace("\\\\u20ac", "")
    assert ("\\ud800" in text) is ("\ud800" in json.dumps(value, ensure_ascii=False))
    assert "\\t" in text or "\t" not in document


def test_unescaping_leaves_an_escaped_backslash_alone() -> None:
    """`\\\\u20ac` is a backslash then `u20ac`, not an escape."""
    assert unescape_json('"\\\\u20ac \\u20ac"') == '"\\\\u20ac €"'


# what a crafted file could use to forge a line or drive a terminal: a newline and CR, ESC
# sequences, NUL, DEL, a C1 control (CSI), a bidirectional override, a line separator, a
# zero-width joiner, a tag character past U+FFFF
UNPRINTABLE = [
    "\n",
    "\r",
    "\x1b[2J\x1b[31m",
    "\x00",
    "\x7f",
    "\x9b",
    "\u202e",
    "\u2028",
    "\u200d",
    "\U000e0041",
]


@pytest.mark.parametrize("character", UNPRINTABLE)
def test_quoted_text_holds_nothing_unprintable_and_reads_back(character: str) -> None:
    """A quoted value is one printable line, and JSON reads it back as the same text."""
    text = f"a{character}b €"

    quoted = quote_text(text)

    assert quoted.isprintable()
    assert json.loads(quoted) == text


def test_quoted_text_keeps_spaces_and_printable_text_as_they_are() -> None:
    """Spaces (a no-break space too) and non-ASCII letters are not escaped; \n, \r, \t are short."""
    assert quote_text("€ a\u00a0b 😀") == '"€ a\u00a0b 😀"'
    assert quote_text("a\nb\rc\td") == '"a\\nb\\rc\\td"'


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("books", "books"),
        ("two words", "two words"),
        ("", '""'),
        (" padded", '" padded"'),
        ('"quoted"', '"\\"quoted\\""'),
        ("t\n+ evil (id=9): injected", '"t\\n+ evil (id=9): injected"'),
        ("\x1b[2J", '"\\u001b[2J"'),
    ],
)
def test_names_are_shown_as_they_are_or_quoted(name: str, shown: str) -> None:
    """A printable, unambiguous name is itself; any other is a JSON string, escaped."""
    assert name_text(name) == shown


def test_a_long_text_is_quoted_a_slice_at_a_time_as_it_is_whole() -> None:
    """`write_quoted` writes what `quote_text` returns, however long the text."""
    text = ("x\u009b\n€" * 700_000)[:2_500_001]
    stream = io.StringIO()

    write_quoted(stream, text)

    assert stream.getvalue() == quote_text(text)


def test_code_and_messages_stay_on_one_line() -> None:
    """SQL is itself unless it holds what is not printable; a message is escaped in place."""
    assert code_text("CHECK (a > 0)") == "CHECK (a > 0)"
    assert code_text('CREATE TABLE "a\nb" (x)') == '"CREATE TABLE \\"a\\nb\\" (x)"'
    assert one_line("table t\n+ x: \x1b[31m") == "table t\\n+ x: \\u001b[31m"


def test_json_for_a_terminal_is_strict_and_escaped() -> None:
    """`json_safe` escapes what is not printable, keeps its layout, and refuses Infinity."""
    document = json_safe({"a": ["\x9b", "€"]}, indent=1)

    assert document == '{\n "a": [\n  "\\u009b",\n  "€"\n ]\n}'
    assert json.loads(document) == {"a": ["\x9b", "€"]}
    with pytest.raises(ValueError):
        json_safe(float("inf"))


# --- in the commands ------------------------------------------------------------------------


@pytest.fixture
def many(tmp_path: Path) -> Path:
    """Sources with 1,500 authors and no books: counts in the thousands."""
    sources = tmp_path / "sources"
    sources.mkdir()
    lines = ["id,name"] + [f"{index},Author {index}" for index in range(1, 1501)]
    (sources / "authors.csv").write_text("\n".join(lines) + "\n")
    (sources / "books.jsonl").write_text("")
    return sources


def test_the_build_summary_has_separators_and_a_size_for_people(tmp_path: Path, many: Path) -> None:
    """The build's last line counts rows with separators and gives the size in binary units."""
    output = tmp_path / "out.sqlite"

    result = invoke("build", MODELS, many, "-o", output)

    assert result.exit_code == 0, result.stderr
    assert f": 2 tables, 1,500 rows, {size(output.stat().st_size)} in " in result.stderr


def test_inspect_prints_sizes_for_people_and_exact_bytes_in_json(
    tmp_path: Path, many: Path
) -> None:
    """inspect's text has human sizes and separated counts; --json has the exact bytes."""
    output = tmp_path / "out.sqlite"
    build_artifact(library.Base, many, output)
    exact = output.stat().st_size

    text = invoke("inspect", output).stdout
    document = json.loads(invoke("inspect", output, "--json").stdout)

    assert text.splitlines()[0] == (
        f"{output}: {size(exact)} ({exact // 4096} pages of 4,096 bytes), journal mode delete"
    )
    assert "table authors: 1,500 rows" in text
    assert "table books: 0 rows" in text
    assert document["size"] == exact
    assert document["page_size"] * document["page_count"] == exact


def test_one_problem_and_two_problems(tmp_path: Path) -> None:
    """build and verify both say `1 problem` and `2 problems`."""
    sources = copy_sources(tmp_path / "sources")
    output = tmp_path / "out.sqlite"
    authors = (sources / "authors.csv").read_text()
    (sources / "authors.csv").write_text(authors + "5,E,soon,\n")
    one = invoke("build", MODELS, sources, "-o", output)
    (sources / "authors.csv").write_text(authors + "5,E,soon,\n6,F,later,\n")
    two = invoke("build", MODELS, sources, "-o", output)
    build_artifact(library.Base, library.SOURCES, output)
    verified = []
    for table in ("authors", "books"):
        connection = sqlite3.connect(output, isolation_level=None)
        connection.execute(
            "UPDATE _microcosm_manifest SET value = '99' WHERE key = ?", (f"table.{table}.rows",)
        )
        connection.close()
        verified.append(invoke("verify", output).stderr.splitlines())

    assert one.stderr.splitlines()[-1].endswith("failed: 1 problem in the sources")
    assert two.stderr.splitlines()[-1].endswith("failed: 2 problems in the sources")
    assert verified[0][-1] == f"Error: {output}: 1 problem found"
    assert verified[1][-1] == f"Error: {output}: 2 problems found"
    assert verified[1][0] == "manifest: table authors should hold 99 rows, holds 4"


def test_problems_are_listed_by_file_then_line(tmp_path: Path) -> None:
    """A bad value found as its batch is read and duplicate keys found as it is inserted are
    listed by line, and the authors' problems before the books'."""
    sources = copy_sources(tmp_path / "sources")
    (sources / "authors.csv").write_text(
        "id,name,born\n1,A,\n2,B,\n3,C,\n4,D,\n4,E,\n4,F,\n4,G,bad\n"
    )
    books = (sources / "books.jsonl").read_text().splitlines()
    books[0] = books[0].replace('"genre": "fiction"', '"genre": "epic"')
    (sources / "books.jsonl").write_text("\n".join(books) + "\n")

    with pytest.raises(BuildError) as raised:
        build_artifact(library.Base, sources, tmp_path / "out.sqlite")
    result = invoke("build", MODELS, sources, "-o", tmp_path / "out.sqlite")

    located = [(Path(problem.file).name, problem.line) for problem in raised.value.problems]
    assert located == [
        ("authors.csv", 6),
        ("authors.csv", 7),
        ("authors.csv", 8),
        ("books.jsonl", 1),
    ]
    assert [line.split(":")[1] for line in result.stderr.splitlines()[:4]] == [
        "6",
        "7",
        "8",
        "1",
    ]


# --- text as it is --------------------------------------------------------------------------


@pytest.fixture
def unicode_artifact(tmp_path: Path) -> Path:
    """The library with JSON documents holding non-ASCII text, escapes JSON needs, and a lone
    surrogate."""
    sources = copy_sources(tmp_path / "unicode-sources")
    books = [json.loads(line) for line in (sources / "books.jsonl").read_text().splitlines()]
    books[0]["tags"], books[1]["tags"] = TAGS
    books[0]["title"] = "Ficciones €"
    (sources / "books.jsonl").write_text("".join(json.dumps(book) + "\n" for book in books))
    output = tmp_path / "unicode.sqlite"
    build_artifact(library.Base, sources, output)
    return output


def test_dumps_write_text_as_it_is(tmp_path: Path, unicode_artifact: Path) -> None:
    """JSON Lines and a CSV dump's JSON column hold `€`, not `\\u20ac`; a lone surrogate, which
    UTF-8 cannot hold, stays escaped; and both dumps build the same rows again."""
    for format in ("csv", "jsonl"):
        dump_artifact(unicode_artifact, tmp_path / format, format=format)
    as_csv = (tmp_path / "csv" / "books.csv").read_text(encoding="utf-8")
    as_jsonl = (tmp_path / "jsonl" / "books.jsonl").read_text(encoding="utf-8")

    for text in (as_csv, as_jsonl):
        assert "€uro" in text and "Wisława" in text and "😀" in text
        assert "Ficciones €" in text
        assert "\\u20ac" not in text.replace("\\\\u20ac", "")
        assert "\\ud800" in text
        assert "\\t" in text
    documents = [row["tags"] for row in csv.DictReader(io.StringIO(as_csv)) if row["tags"]]
    stored = [row[8] for row in rows(unicode_artifact, "books") if row[8] is not None]
    assert sorted(map(json.loads, documents), key=str) == sorted(map(json.loads, stored), key=str)
    for format in ("csv", "jsonl"):
        again = tmp_path / f"again-{format}.sqlite"
        build_artifact(library.Base, tmp_path / format, again)
        assert rows(again, "books") == rows(unicode_artifact, "books")


def test_textconv_and_diff_show_json_text_as_it_is(
    tmp_path: Path, unicode_artifact: Path, built: Path
) -> None:
    """textconv and diff (text and JSON) show a JSON column's text as it is, escaping only
    what JSON needs: no `\\u20ac` for `€` (the text `\\u20ac` itself is there, its backslash
    escaped)."""
    textconv = io.StringIO()
    write_textconv(unicode_artifact, textconv)
    text = io.StringIO()
    diff_artifacts(built, unicode_artifact, text)
    as_json = io.StringIO()
    diff_artifacts(built, unicode_artifact, as_json, as_json=True)

    for output in (textconv.getvalue(), text.getvalue(), as_json.getvalue()):
        assert "€uro" in output and "Wisława" in output and "😀" in output
        assert "Ficciones €" in output
        # an escape of € is `\u20ac` after anything but the backslash of an escaped backslash
        assert re.search(r"(?<!\\)\\u20ac", output) is None
    assert json.loads(as_json.getvalue())["equal"] is False
