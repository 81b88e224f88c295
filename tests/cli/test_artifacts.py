"""
`microcosm-sqlite build`, in-process through click's CliRunner and as the installed console
script: what it writes, what it says, and what it refuses.

"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from fixtures import library
from fixtures.tools import (
    MODELS,
    SOURCES,
    console_script,
    copy_sources,
    invoke,
    leftovers,
    rows,
    run_console_script,
    subprocess_env,
)

from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.errors import BuildError


def test_build_writes_the_artifact_and_says_so(tmp_path: Path) -> None:
    """A successful build exits 0 and logs what it wrote to stderr; --quiet logs nothing."""
    output = tmp_path / "out.sqlite"

    loud = invoke("build", MODELS, SOURCES, "-o", output)
    quiet = invoke("build", MODELS, SOURCES, "-o", output, "--quiet")

    assert loud.exit_code == 0
    assert "built data set 'library' into" in loud.stderr
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
    assert len(rows(output, "books")) == 4


def test_verbose_build_logs_each_step(tmp_path: Path) -> None:
    """--verbose logs the steps of the build and their timings."""
    result = invoke("build", MODELS, SOURCES, "-o", tmp_path / "out.sqlite", "-v")

    assert "loaded 4 rows into books" in result.stderr
    assert "vacuumed in" in result.stderr


def test_bad_input_exits_1_with_one_line_per_problem(tmp_path: Path, built: Path) -> None:
    """Bad sources exit 1, print each problem on its own line, and keep the old artifact."""
    sources = copy_sources(tmp_path / "sources")
    (sources / "authors.csv").write_text("id,name,born\n1,A,soon\n1,B,\n")
    old = built.read_bytes()

    result = invoke("build", MODELS, sources, "-o", built)

    lines = result.stderr.splitlines()
    assert result.exit_code == 1
    assert lines[0] == f"{sources / 'authors.csv'}:2: column 'born': 'soon' is not an ISO 8601 date"
    assert lines[-1].startswith("Error: build of data set 'library' into")
    assert built.read_bytes() == old
    assert leftovers(built.parent) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fixtures.nowhere"], "Invalid value for MODELS: cannot import models module"),
        (["fixtures.two_datasets"], "holds models of several data sets"),
    ],
)
def test_bad_models_are_a_usage_error(tmp_path: Path, args: list[str], message: str) -> None:
    """MODELS that name no single data set exit 2 with a usage message."""
    result = invoke("build", *args, SOURCES, "-o", tmp_path / "out.sqlite")

    assert result.exit_code == 2
    assert message in result.stderr


def test_build_options_are_passed_on(tmp_path: Path) -> None:
    """--allow-missing, --ignore-unknown-columns and --max-errors reach the build."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "authors.csv").write_text("id,name,alias\n1,A,a\n")
    output = tmp_path / "out.sqlite"

    strict = invoke("build", MODELS, sources, "-o", output, "--max-errors", "1")
    lenient = invoke(
        "build", MODELS, sources, "-o", output, "--allow-missing", "--ignore-unknown-columns"
    )

    assert strict.exit_code == 1
    assert "stopped there" in strict.stderr
    assert lenient.exit_code == 0
    assert rows(output, "authors") == [(1, "A", None, 1, None)]


def test_build_as_a_subprocess_is_reproducible(tmp_path: Path, built: Path) -> None:
    """The console script builds the same bytes as the in-process command."""
    output = tmp_path / "again.sqlite"

    result = run_console_script("build", MODELS, SOURCES, "-o", output)

    assert result.returncode == 0, result.stderr
    assert "built data set 'library'" in result.stderr
    assert output.read_bytes() == built.read_bytes()


def test_bad_input_as_a_subprocess_exits_1(tmp_path: Path) -> None:
    """The console script exits 1 and names the bad line on stderr."""
    sources = copy_sources(tmp_path / "sources")
    (sources / "authors.csv").write_text("id,name\n1,A\n1,B\n")

    result = run_console_script("build", MODELS, sources, "-o", tmp_path / "out.sqlite")

    assert result.returncode == 1
    assert "authors.csv:3: column 'id': duplicate primary key (id=1), first on line 2" in (
        result.stderr
    )
    assert not (tmp_path / "out.sqlite").exists()


def test_values_sqlite_cannot_store_exit_1_at_their_lines(tmp_path: Path) -> None:
    """An integer beyond 64 bits (CSV and JSON Lines) and a lone surrogate are problems at
    their line and column, not tracebacks."""
    sources = copy_sources(tmp_path / "sources")
    (sources / "authors.csv").write_text("id,name\n1,A\n99999999999999999999,B\n")
    books = (sources / "books.jsonl").read_text().splitlines()
    books[0] = books[0].replace('"pages": 304', '"pages": 9223372036854775808')
    books[1] = books[1].replace('"title": "Ficciones"', '"title": "\\ud800"')
    (sources / "books.jsonl").write_text("\n".join(books) + "\n")

    result = run_console_script("build", MODELS, sources, "-o", tmp_path / "out.sqlite")

    lines = result.stderr.splitlines()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert lines[0].startswith(f"{sources / 'authors.csv'}:3: column 'id': ")
    assert "out of range for a 64-bit integer" in lines[0]
    assert lines[1].startswith(f"{sources / 'books.jsonl'}:1: column 'pages': ")
    assert lines[2].startswith(f"{sources / 'books.jsonl'}:2: column 'title': ")
    assert "lone surrogate (U+D800)" in lines[2]


def can_mount_read_only(directory: Path) -> bool:
    """Whether this process may mount a read-only file system in a private mount namespace."""
    try:
        probe = subprocess.run(
            ["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o ro tmpfs '{directory}'"],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def test_build_onto_a_read_only_file_system_is_a_one_line_error(tmp_path: Path) -> None:
    """-o on a read-only file system exits 1 with one line naming the output, no traceback."""
    mounted = tmp_path / "read-only"
    mounted.mkdir()
    if not can_mount_read_only(mounted):
        pytest.skip("cannot mount a read-only file system here (needs unshare and mount)")
    output = mounted / "out.sqlite"
    script = f'mount -t tmpfs -o ro tmpfs \'{mounted}\' && exec "$0" "$@"'

    result = subprocess.run(
        [
            "unshare",
            "-m",
            "sh",
            "-c",
            script,
            str(console_script()),
            "build",
            MODELS,
            str(SOURCES),
            "-o",
            str(output),
        ],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: build of data set 'library' into {output} failed: cannot write in"
        f" {mounted}: Read-only file system"
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any directory")
def test_build_into_a_directory_it_cannot_write_is_a_one_line_error(tmp_path: Path) -> None:
    """-o in a directory without write permission exits 1 with one line naming the output."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    output = locked / "out.sqlite"
    try:
        result = invoke("build", MODELS, SOURCES, "-o", output)
    finally:
        locked.chmod(0o755)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: build of data set 'library' into {output} failed: cannot write in"
        f" {locked}: Permission denied"
    ]


def not_an_artifact(directory: Path) -> list[Path]:
    """Files a build must not replace: text, a SQLite database built by something else."""
    text = directory / "notes.txt"
    text.write_text("precious\n")
    other = directory / "other.sqlite"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE kept (id INTEGER)")
    connection.commit()
    connection.close()
    return [text, other]


def test_build_refuses_to_replace_what_is_not_an_artifact(tmp_path: Path) -> None:
    """-o naming a file that is not an artifact built by this tool (the build's own source
    among them) exits 1, saying --force replaces it, and leaves the file as it was."""
    sources = copy_sources(tmp_path / "sources")
    targets = [sources / "authors.csv", *not_an_artifact(tmp_path)]

    for target in targets:
        before = target.read_bytes()
        result = invoke("build", MODELS, sources, "-o", target)

        assert result.exit_code == 1, target
        assert result.stderr.splitlines()[-1].startswith(
            f"Error: build of data set 'library' into {target} failed:"
        )
        assert "--force replaces it" in result.stderr
        assert target.read_bytes() == before
    assert leftovers(tmp_path) == leftovers(sources) == []


def test_build_with_force_replaces_any_file(tmp_path: Path) -> None:
    """--force replaces a file that is not an artifact."""
    for target in not_an_artifact(tmp_path):
        result = invoke("build", MODELS, SOURCES, "-o", target, "--force")

        assert result.exit_code == 0, result.stderr
        assert len(rows(target, "books")) == 4


def test_build_replaces_an_artifact_or_an_empty_file(tmp_path: Path, built: Path) -> None:
    """An artifact built before is replaced as ever, and so is an empty file: nothing is lost."""
    empty = tmp_path / "empty.sqlite"
    empty.touch()

    for target in (built, empty):
        result = invoke("build", MODELS, SOURCES, "-o", target)

        assert result.exit_code == 0, result.stderr
        assert len(rows(target, "books")) == 4


@pytest.mark.parametrize(
    "name",
    ["a" * 221 + ".sqlite", "b" * 248 + ".sqlite", os.fsdecode(b"\xff\xfe-latin1.sqlite")],
    ids=["228 characters", "255 characters", "not UTF-8"],
)
def test_a_legal_output_name_builds(tmp_path: Path, name: str) -> None:
    """A name as long as the file system allows, or one that is not UTF-8, builds: its
    temporary files (and their journals) are named after a prefix of it and a hash."""
    output = tmp_path / name

    result = run_console_script("build", MODELS, SOURCES, "-o", output, "--quiet")

    assert (result.returncode, result.stderr) == (0, "")
    assert len(rows(output, "books")) == 4
    assert leftovers(tmp_path) == []


# outputs a build cannot write: a name over 255 bytes; a directory whose path is not UTF-8
UNUSABLE_OUTPUTS = {
    "name of 256 bytes": (
        Path("a" * 249 + ".sqlite"),
        "the file name is 256 bytes long, more than a file name may be (255)",
    ),
    "directory not UTF-8": (
        Path(os.fsdecode(b"d\xff"), "out.sqlite"),
        'the directory "TMP/d\\udcff" is not UTF-8, and SQLite takes only UTF-8 paths: build'
        " into a directory whose path is UTF-8, then move the file",
    ),
}


@pytest.mark.parametrize("case", sorted(UNUSABLE_OUTPUTS))
def test_an_output_a_build_cannot_write_is_one_line_and_writes_nothing(
    tmp_path: Path, case: str
) -> None:
    """The console script exits 1 with one line naming the data set, the output and why; the
    Python API raises that BuildError; neither leaves a file behind."""
    relative, reason = UNUSABLE_OUTPUTS[case]
    output = tmp_path / relative
    output.parent.mkdir(exist_ok=True)
    reason = reason.replace("TMP", str(tmp_path))

    result = run_console_script("build", MODELS, SOURCES, "-o", output)
    with pytest.raises(BuildError) as raised:
        build_artifact(library.Base, SOURCES, output)

    shown = str(output).encode("utf-8", "backslashreplace").decode()
    assert result.returncode == 1
    assert result.stderr == f"Error: build of data set 'library' into {shown} failed: {reason}\n"
    assert str(raised.value) == f"build of data set 'library' into {output} failed: {reason}"
    assert (raised.value.dataset, raised.value.output) == ("library", str(output))
    assert [path.name for path in output.parent.iterdir()] == []
