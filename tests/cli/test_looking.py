"""
`microcosm-sqlite inspect`, `verify` and `dump`, in-process and as the installed console script:
output, exit statuses, and one-line errors for missing or corrupt artifacts.

"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.tools import (
    MODELS,
    invoke,
    rows,
    run_console_script,
)


def test_inspect_prints_text_or_json(built: Path) -> None:
    """inspect prints a readable summary, or JSON with --json."""
    text = invoke("inspect", built)
    as_json = invoke("inspect", built, "--json")

    assert text.exit_code == 0
    assert "table authors: 4 rows" in text.stdout
    assert json.loads(as_json.stdout)["manifest"]["dataset"] == "library"


def test_inspect_of_a_missing_file_exits_1(tmp_path: Path) -> None:
    """A missing path is an error naming it, and nothing is created."""
    missing = tmp_path / "missing.sqlite"

    result = invoke("inspect", missing)

    assert result.exit_code == 1
    assert f"{missing}" in result.stderr and "no file exists" in result.stderr
    assert not missing.exists()


def test_verify_exits_0_when_all_holds_and_1_otherwise(built: Path) -> None:
    """verify passes a fresh build and fails, one line a difference, against other models."""
    good = invoke("verify", built, "--models", MODELS)
    bad = invoke("verify", built, "--models", "fixtures.cycle")

    assert good.exit_code == 0
    assert bad.exit_code == 1
    lines = bad.stderr.splitlines()
    assert lines[0] == "manifest: data set 'library', but the models are of 'cycle'"
    assert lines[-1].endswith(f"{len(lines) - 1} problems found")


def test_dump_writes_sources_that_build_back(tmp_path: Path, built: Path) -> None:
    """dump -o DIR writes sources; building them gives the same rows."""
    dumped = tmp_path / "dumped"
    rebuilt = tmp_path / "rebuilt.sqlite"

    dump = invoke("dump", built, "-o", dumped, "--format", "jsonl")
    build = invoke("build", MODELS, dumped, "-o", rebuilt)

    assert dump.exit_code == 0 and build.exit_code == 0
    assert rows(rebuilt, "books") == rows(built, "books")


def test_dump_of_one_table_goes_to_stdout(built: Path) -> None:
    """dump --table T without -o writes that table's CSV to stdout."""
    result = invoke("dump", built, "--table", "authors")

    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "id,name,born,active,country"
    assert len(result.stdout.splitlines()) == 5


def test_dump_of_an_unknown_table_names_the_artifact_and_makes_no_directory(
    tmp_path: Path, built: Path
) -> None:
    """dump -o DIR -t nope exits 1 with the artifact named and leaves DIR uncreated."""
    target = tmp_path / "d"

    result = invoke("dump", built, "-o", target, "-t", "nope")

    assert result.exit_code == 1
    assert result.stderr == f"Error: {built}: no table named 'nope' (tables: authors, books)\n"
    assert not target.exists()


def test_dump_without_a_destination_is_a_usage_error(built: Path) -> None:
    """dump of several tables needs -o DIR."""
    result = invoke("dump", built)

    assert result.exit_code == 2
    assert "give -o DIR" in result.stderr


@pytest.mark.parametrize("command", ["inspect", "verify", "dump"])
def test_commands_run_as_subprocesses(tmp_path: Path, built: Path, command: str) -> None:
    """inspect, verify and dump work from the installed console script."""
    extra: dict[str, list[str | Path]] = {
        "inspect": ["--json"],
        "verify": ["--models", MODELS],
        "dump": ["-o", tmp_path / "d"],
    }

    result = run_console_script(command, built, *extra[command])

    assert result.returncode == 0, result.stderr
    if command == "inspect":
        assert json.loads(result.stdout)["tables"][1]["rows"] == 4
    if command == "dump":
        assert (tmp_path / "d" / "books.csv").exists()


def test_verify_of_a_broken_file_exits_1_as_a_subprocess(tmp_path: Path) -> None:
    """verify of a file that is not SQLite exits 1 from the console script."""
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"\0" * 4096)

    result = run_console_script("verify", bogus)

    assert result.returncode == 1
    assert "not a SQLite database" in result.stderr


def corrupt_args(command: str, tmp_path: Path) -> list[str | Path]:
    """What each command needs besides the artifact."""
    needs: dict[str, list[str | Path]] = {
        "inspect": [],
        "verify": ["--models", MODELS],
        "dump": ["-o", tmp_path / "d"],
    }
    return needs[command]


def check_corrupt_output(command: str, stderr: str, corrupt: Path) -> None:
    """One clear error line naming the artifact (after verify's difference lines), no traceback."""
    lines = stderr.splitlines()
    assert "Traceback" not in stderr
    if command == "verify":
        assert lines[0].startswith("integrity: ")
        assert lines[-1] == f"Error: {corrupt}: 1 problem found"
    else:
        assert len(lines) == 1
        assert lines[0].startswith(f"Error: data set 'corrupt' at {corrupt}: ")
        assert "the file is corrupt: database disk image is malformed" in lines[0]


@pytest.mark.parametrize("command", ["inspect", "verify", "dump"])
@pytest.mark.parametrize("how", ["in process", "console script"])
def test_a_corrupt_artifact_exits_1_with_a_clear_error(
    tmp_path: Path, corrupt: Path, command: str, how: str
) -> None:
    """inspect, verify and dump of a file with damaged pages exit 1 naming it, no traceback."""
    args = (command, corrupt, *corrupt_args(command, tmp_path))
    if how == "console script":
        completed = run_console_script(*args)
        exit_code, stderr = completed.returncode, completed.stderr
    else:
        result = invoke(*args)
        exit_code, stderr = result.exit_code, result.stderr
    assert exit_code == 1
    check_corrupt_output(command, stderr, corrupt)
