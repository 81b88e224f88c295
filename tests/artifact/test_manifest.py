"""
A manifest crafted with raw sqlite3 (keys that are NULL or numbers, values that are blobs, a row
count that is no number): `verify` lists each as a problem, `inspect` shows them, `diff` and
`textconv` go on, and none of them shows a traceback.

"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fixtures.tools import alter, run_console_script

# the manifest rebuilt loose (no key, no NOT NULL), then one crafted entry
LOOSE = [
    "CREATE TABLE kept AS SELECT key, value FROM _microcosm_manifest",
    "DROP TABLE _microcosm_manifest",
    "CREATE TABLE _microcosm_manifest (key, value)",
    "INSERT INTO _microcosm_manifest SELECT key, value FROM kept",
    "DROP TABLE kept",
]
MALFORMED = {
    "a NULL key": (
        ["INSERT INTO _microcosm_manifest VALUES (NULL, 'x')"],
        "manifest: an entry's key is NULL, not text",
    ),
    "an integer key": (
        ["INSERT INTO _microcosm_manifest VALUES (5, 'x')"],
        "manifest: an entry's key is a number (5), not text",
    ),
    "a row count that is no number": (
        ["UPDATE _microcosm_manifest SET value = 'zz' WHERE key = 'table.authors.rows'"],
        'manifest: "table.authors.rows" is "zz", not a row count',
    ),
    "a blob value": (
        ["UPDATE _microcosm_manifest SET value = x'dead00' WHERE key = 'dataset'"],
        'manifest: "dataset" is a blob, not text',
    ),
    "a key twice": (
        ["INSERT INTO _microcosm_manifest VALUES ('dataset', 'library')"],
        'manifest: "dataset" is there 2 times',
    ),
    "no key and value columns": (
        [
            "DROP TABLE _microcosm_manifest",
            "CREATE TABLE _microcosm_manifest (k, v)",
        ],
        "manifest: its table _microcosm_manifest has no key and value columns",
    ),
}


@pytest.fixture(params=sorted(MALFORMED))
def malformed(request: pytest.FixtureRequest, built: Path) -> tuple[Path, str]:
    """The built artifact with its manifest crafted so, and the problem verify must say."""
    statements, problem = MALFORMED[request.param]
    return alter(built, *LOOSE, *statements), problem


def test_verify_lists_the_problem(malformed: tuple[Path, str]) -> None:
    """verify exits 1 with the problem on a line of its own."""
    path, problem = malformed

    result = run_console_script("verify", path)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert problem in result.stderr.splitlines()


def test_inspect_shows_the_problem_in_text_and_json(malformed: tuple[Path, str]) -> None:
    """inspect exits 0, its text listing the problem under the manifest and its JSON (no blob
    in it) holding it in `manifest_problems`."""
    path, problem = malformed

    text = run_console_script("inspect", path)
    document = run_console_script("inspect", "--json", path)

    assert (text.returncode, document.returncode) == (0, 0)
    assert f"  {problem}" in text.stdout.splitlines()
    assert json.loads(document.stdout)["manifest_problems"] == [problem]


def test_diff_and_textconv_go_on(malformed: tuple[Path, str], tmp_path: Path) -> None:
    """diff against a sound copy compares the content; textconv shows the rows."""
    path, _ = malformed
    sound = tmp_path / "sound.sqlite"
    shutil.copyfile(path, sound)
    alter(sound, "DROP TABLE _microcosm_manifest")

    compared = run_console_script("diff", "--json", sound, path)
    shown = run_console_script("textconv", path)

    assert compared.returncode == 0, compared.stderr
    assert json.loads(compared.stdout)["equal"] is True
    assert (shown.returncode, shown.stderr) == (0, "")
    assert any(line.startswith("authors (id=1): ") for line in shown.stdout.splitlines())
