"""
Problems caused by another problem are folded into it: a row refused for a bad value is not
written, and the keys of other tables that point at it are counted in its problem instead of
each being reported as "has no match". And a malformed JSON Lines row is located by the file's
line and the column in it.

"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures import library

from microcosm_sqlite.building import build_artifact, build_from_rows
from microcosm_sqlite.errors import BuildError

BOOKS = [
    {
        "isbn": f"97800000000{index:02}",
        "title": f"Book {index}",
        "author_id": 2 if index % 3 else 1,
        "genre": "essay",
        "published": "1950-01-01",
        "added_at": "2024-01-01T00:00:00",
    }
    for index in range(10)
]


def problems_of(tmp_path: Path, sources: dict[str, str]) -> list[str]:
    """The problems of a build of the library from these source files."""
    folder = tmp_path / "sources"
    folder.mkdir()
    for name, content in sources.items():
        (folder / name).write_text(content)
    with pytest.raises(BuildError) as caught:
        build_artifact(library.Base, folder, tmp_path / "out.sqlite")
    return [str(problem).removeprefix(f"{folder}/") for problem in caught.value.problems]


def books_jsonl() -> str:
    return "".join(json.dumps(book) + "\n" for book in BOOKS)


@pytest.mark.parametrize("authors", ["csv", "jsonl"])
def test_keys_pointing_at_a_refused_row_fold_into_its_problem(tmp_path: Path, authors: str) -> None:
    """One bad value on an author's row is one problem, which says how many books point at the
    author; the books are not six more problems."""
    rows = [
        {"id": 1, "name": "Ursula", "country": "US"},
        {"id": 2, "name": "Jorge", "country": "ARGENTINA"},
    ]
    if authors == "csv":
        content = "id,name,country\n" + "".join(
            f"{row['id']},{row['name']},{row['country']}\n" for row in rows
        )
    else:
        content = "".join(json.dumps(row) + "\n" for row in rows)

    found = problems_of(tmp_path, {f"authors.{authors}": content, "books.jsonl": books_jsonl()})

    assert found == [
        f"authors.{authors}:3: column 'country': 'ARGENTINA' is longer than 2 characters (not"
        " written, so 6 rows of books.jsonl that refer to it have no match)"
        if authors == "csv"
        else f"authors.{authors}:2: column 'country': 'ARGENTINA' is longer than 2 characters"
        " (not written, so 6 rows of books.jsonl that refer to it have no match)"
    ]


def test_rows_from_python_fold_too(tmp_path: Path) -> None:
    """`build_from_rows` (and so the pytest plugin) folds the same way, naming the table."""
    authors = [{"id": 1, "name": "Ursula"}, {"id": 2, "name": "Jorge", "born": "someday"}]

    with pytest.raises(BuildError) as caught:
        build_from_rows(
            library.Base, {"authors": authors, "books": BOOKS[:2]}, tmp_path / "out.sqlite"
        )

    assert [str(problem) for problem in caught.value.problems] == [
        "authors[1]: column 'born': 'someday' is not an ISO 8601 date (not written, so 1 row"
        " of books that refers to it has no match)"
    ]


def test_a_key_of_no_refused_row_is_still_its_own_problem(tmp_path: Path) -> None:
    """A book pointing at an author that is nowhere is reported as before."""
    authors = "id,name,country\n1,Ursula,US\n2,Jorge,ARGENTINA\n"
    books = [*BOOKS[:2], {**BOOKS[2], "author_id": 9}]

    found = problems_of(
        tmp_path,
        {"authors.csv": authors, "books.jsonl": "".join(json.dumps(b) + "\n" for b in books)},
    )

    assert found == [
        "authors.csv:3: column 'country': 'ARGENTINA' is longer than 2 characters (not written,"
        " so 1 row of books.jsonl that refers to it has no match)",
        "books.jsonl:3: column 'author_id': 9 has no match in authors.id",
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '{"id": 3, "name": "Ana"',
            ": the line ends before the JSON does (Expecting ',' delimiter)",
        ),
        ('{"id": 3 "name": "Ana"}', " at column 10: Expecting ',' delimiter"),
        ('{"id": 3, "name": "Ana"}}', " at column 25: Extra data"),
        ("\t{'id': 3}", " at column 3: Expecting property name enclosed in double quotes"),
    ],
)
def test_malformed_json_lines_name_the_files_line_and_its_column(
    tmp_path: Path, line: str, expected: str
) -> None:
    """The third line of the file, and the column in that line where its JSON goes wrong (not
    the decoder's "line 2" inside the row's text)."""
    authors = '{"id": 1, "name": "Ursula"}\n{"id": 2, "name": "Jorge"}\n' + line + "\r\n"

    found = problems_of(tmp_path, {"authors.jsonl": authors, "books.jsonl": ""})

    assert found == [f"authors.jsonl:3: malformed JSON{expected}"]
