"""
The tools and the command line on data checks and full-text indexes: `build` and `verify
--models` run the checks, `inspect` shows an index, `diff` compares two.

"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fixtures.searchable import FULLTEXT, declare, sample_rows
from fixtures.tools import invoke

from microcosm_sqlite.fulltext import FullText
from microcosm_sqlite.tools import diff_artifacts, dump_artifact, inspect_artifact
from microcosm_sqlite.tools.inspect import describe

MODELS = "fixtures.searchable"


@pytest.fixture
def built(tmp_path: Path) -> Path:
    return declare().build(tmp_path / "places.sqlite")


def test_inspect_shows_a_tables_full_text_index(built: Path) -> None:
    """The text names the index, its columns, tokenizer and prefixes; the JSON holds them."""
    text = describe(inspect_artifact(built))
    assert (
        '  full-text index places_fts (name, city), tokenize "unicode61 remove_diacritics 2",'
        " prefix 2"
    ) in text.splitlines()
    as_json = json.loads(invoke("inspect", built, "--json").output)
    places = next(table for table in as_json["tables"] if table["name"] == "places")
    assert places["fulltext"] == {
        "name": "places_fts",
        "columns": ["name", "city"],
        "tokenize": "unicode61 remove_diacritics 2",
        "prefix": [2],
    }
    countries = next(table for table in as_json["tables"] if table["name"] == "countries")
    assert countries["fulltext"] is None


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        (
            FULLTEXT,
            FullText("name"),
            'schema: table places: full-text index places_fts changed: fts5("name", "city",'
            " content='', tokenize='unicode61 remove_diacritics 2', prefix='2') -> fts5(\"name\","
            " content='', tokenize='unicode61 remove_diacritics 2')",
        ),
        (
            None,
            FULLTEXT,
            'schema: table places: full-text index places_fts added: fts5("name", "city",'
            " content='', tokenize='unicode61 remove_diacritics 2', prefix='2')",
        ),
    ],
    ids=["changed", "added"],
)
def test_diff_compares_full_text_indexes_by_their_statement(
    tmp_path: Path, old: FullText | None, new: FullText, line: str
) -> None:
    """A changed or added index is one schema change; the rows are the same."""
    before = declare(fulltext=old).build(tmp_path / "old.sqlite")
    after = declare(fulltext=new).build(tmp_path / "new.sqlite")
    out = io.StringIO()
    assert diff_artifacts(before, after, out)
    assert out.getvalue().splitlines()[0] == line
    as_json = io.StringIO()
    diff_artifacts(before, after, as_json, as_json=True)
    (change,) = json.loads(as_json.getvalue())["schema"]
    assert change["kind"] == "full-text index"
    assert change["name"] == "places_fts"


def test_build_fails_on_a_check_and_verify_passes_only_once_fixed(
    built: Path, tmp_path: Path
) -> None:
    """The command line: a failing check fails build and verify, each with the check's line."""
    sources = tmp_path / "sources"
    dump_artifact(built, sources)
    csv = sources / "places.csv"
    csv.write_text(csv.read_text().replace("51.47", "151.47"))
    failed = invoke("build", MODELS, sources, "-o", tmp_path / "bad.sqlite")
    assert failed.exit_code == 1
    line = "places: check in_range(latitude, min=-90, max=90): 1 row fail: (id 1, latitude 151.47)"
    assert line in failed.stderr
    assert not (tmp_path / "bad.sqlite").exists()

    rows = sample_rows()
    rows["places"][0]["latitude"] = 151.47
    unchecked = declare().build(tmp_path / "unchecked.sqlite", rows)
    verified = invoke("verify", unchecked, "--models", MODELS)
    assert verified.exit_code == 1
    assert f"table {line}" in verified.stderr
    assert invoke("verify", built, "--models", MODELS).exit_code == 0
