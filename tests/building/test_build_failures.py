"""
What a build refuses and what it leaves behind: bad input reported one problem a line, outputs it
must not replace, temporary files of killed builds, and interrupted builds that change nothing.

"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures import library
from fixtures.tools import (
    MODELS,
    SOURCES,
    console_script,
    copy_sources,
    failing_build,
    leftovers,
    subprocess_env,
)

from microcosm_sqlite.artifact.files import remove_stale_temp_files, temp_path
from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.errors import BuildError

# --- bad input ------------------------------------------------------------------------------


# the authors the books reference, for bad sources that keep every foreign key good
AUTHORS = "id,name\n1,A\n2,B\n3,C\n"

BAD_SOURCES: dict[str, tuple[str, str, list[str]]] = {
    "value": (
        "authors.csv",
        "id,name,born\n1,A,1900-01-01\n2,B,\n3,C,\n5,E,1900-02-30\n",
        ["authors.csv:5: column 'born': '1900-02-30' is not an ISO 8601 date"],
    ),
    "text longer than its column": (
        "authors.csv",
        "id,name,country\n1,A,FR\n2,B,FRANCE\n3,C,\n",
        [
            # the two books whose author is refused fold into the author's problem
            "authors.csv:3: column 'country': 'FRANCE' is longer than 2 characters (not"
            " written, so 2 rows of books.jsonl that refer to it have no match)",
        ],
    ),
    "value and foreign key with no match": (
        "authors.csv",
        "id,name,born\n1,A,\n3,C,\n4,D,someday\n",
        [
            "authors.csv:4: column 'born': 'someday' is not an ISO 8601 date",
            "books.jsonl:2: column 'author_id': 2 has no match in authors.id",
            "books.jsonl:4: column 'author_id': 2 has no match in authors.id",
        ],
    ),
    "missing column": (
        "authors.csv",
        "id,born\n1,1900-01-01\n",
        [
            "authors.csv:1: column 'name': missing column: the column is required:"
            " not nullable and no default"
        ],
    ),
    "unknown column": (
        "authors.csv",
        "id,name,shoe_size\n1,A,9\n",
        ["authors.csv:1: column 'shoe_size': unknown column"],
    ),
    "duplicate primary key": (
        "authors.csv",
        AUTHORS + "2,D\n",
        ["authors.csv:5: column 'id': duplicate primary key (id=2), first on line 3"],
    ),
    "foreign key with no target": (
        "authors.csv",
        "id,name\n1,Le Guin\n3,Szymborska\n",
        [
            "books.jsonl:2: column 'author_id': 2 has no match in authors.id",
            "books.jsonl:4: column 'author_id': 2 has no match in authors.id",
        ],
    ),
    "malformed CSV": (
        "authors.csv",
        AUTHORS + "4,D,E\n",
        ["authors.csv:5: malformed CSV: 3 fields where the header has 2"],
    ),
    "malformed JSON": (
        "books.jsonl",
        '{"isbn": "1", "title": \n',
        ["books.jsonl:1: malformed JSON: the line ends before the JSON does (Expecting value)"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SOURCES))
def test_bad_input_fails_the_build_and_keeps_the_old_artifact(
    tmp_path: Path, built: Path, case: str
) -> None:
    """Each kind of bad input fails with one line per problem; the old artifact is untouched."""
    name, content, expected = BAD_SOURCES[case]
    sources = copy_sources(tmp_path / "sources")
    (sources / name).write_text(content)
    old = built.read_bytes()

    problems = failing_build(sources, built)

    assert len(problems) == len(expected)
    for problem, wanted in zip(problems, expected, strict=True):
        assert problem.startswith(str(sources / wanted.split(":")[0]))
        assert wanted in problem
    assert built.read_bytes() == old
    assert leftovers(built.parent) == []


def test_a_table_that_loads_nothing_but_problems_leaves_its_keys_unchecked(
    tmp_path: Path,
) -> None:
    """Keys into a table whose source failed as a whole are not each reported as missing."""
    sources = copy_sources(tmp_path / "sources")
    (sources / "authors.csv").write_text("id,born\n1,1900-01-01\n")
    (sources / "books.jsonl").write_text(
        (SOURCES / "books.jsonl").read_text().replace('"published": "1944-01-01"', '"published": 1')
    )

    problems = failing_build(sources, tmp_path / "out.sqlite")

    assert problems == [
        f"{sources / 'authors.csv'}:1: column 'name': missing column: the column is required:"
        " not nullable and no default",
        f"{sources / 'books.jsonl'}:2: column 'published': 1 does not fit a Date() column",
    ]


def test_a_unique_column_names_both_lines(tmp_path: Path) -> None:
    """A duplicate primary key in JSON Lines names its line and the first one's."""
    sources = copy_sources(tmp_path / "sources")
    lines = (SOURCES / "books.jsonl").read_text().splitlines()
    (sources / "books.jsonl").write_text("\n".join([*lines, lines[1]]) + "\n")

    problems = failing_build(sources, tmp_path / "out.sqlite")

    assert problems == [
        f"{sources / 'books.jsonl'}:5: column 'isbn': duplicate primary key"
        " (isbn='9780142437889'), first on line 2"
    ]


def test_problems_stop_at_max_errors(tmp_path: Path) -> None:
    """A build reports at most --max-errors problems and says it stopped."""
    sources = copy_sources(tmp_path / "sources")
    (sources / "authors.csv").write_text("id,name\n" + "x,A\n" * 50)

    with pytest.raises(BuildError, match="stopped there") as raised:
        build_artifact(library.Base, sources, tmp_path / "out.sqlite", max_errors=5)

    assert len(raised.value.problems) == 5


def test_a_source_for_no_table_is_an_error(tmp_path: Path) -> None:
    """A source file naming no table of the models fails the build (a typo, usually)."""
    sources = copy_sources(tmp_path / "sources")
    (sources / "auhtors.csv").write_text("id,name\n")

    problems = failing_build(sources, tmp_path / "out.sqlite")

    assert problems == [
        f"{sources / 'auhtors.csv'}: no table named 'auhtors' in the models"
        " (tables: authors, books)"
    ]


def test_a_missing_source_directory_or_output_directory_is_an_error(tmp_path: Path) -> None:
    """Paths that do not exist fail before anything is written."""
    with pytest.raises(BuildError, match="does not exist"):
        build_artifact(library.Base, tmp_path / "nowhere", tmp_path / "out.sqlite")
    with pytest.raises(BuildError, match="does not exist"):
        build_artifact(library.Base, SOURCES, tmp_path / "nowhere" / "out.sqlite")
    assert list(tmp_path.iterdir()) == []


def test_an_output_path_the_system_refuses_is_a_build_error(tmp_path: Path) -> None:
    """A directory name over 255 bytes: the file system's refusal, as a BuildError."""
    output = tmp_path / ("d" * 256) / "out.sqlite"

    with pytest.raises(BuildError) as refused:
        build_artifact(library.Base, SOURCES, output)

    assert refused.value.reason == "the output cannot be used: File name too long"
    assert list(tmp_path.iterdir()) == []


# --- temporary files and interrupted builds -------------------------------------------------


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_temp_files_of_dead_builds_are_removed(tmp_path: Path) -> None:
    """Temp files whose process is gone are removed; a live process's and other files stay."""
    output = tmp_path / "out.sqlite"
    dead = [temp_path(output, dead_pid()), temp_path(output, dead_pid(), stage="load")]
    with subprocess.Popen(["sleep", "30"]) as alive:
        live = temp_path(output, alive.pid)
        other = tmp_path / ".other.sqlite.1.tmp"
        for path in [*dead, live, other]:
            path.write_bytes(b"partial")
        try:
            removed = remove_stale_temp_files(output)
        finally:
            alive.kill()

    assert sorted(removed) == sorted(dead)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([live.name, other.name])


def big_sources(directory: Path, rows: int) -> Path:
    """Sources large enough that a build takes a while: many authors, no books."""
    directory.mkdir()
    with (directory / "authors.csv").open("w") as authors:
        authors.write("id,name,born,country\n")
        authors.writelines(f"{n},Author number {n},1900-01-01,FR\n" for n in range(1, rows + 1))
    (directory / "books.jsonl").write_text("")
    return directory


def start_build(sources: Path, output: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(console_script()), "build", MODELS, str(sources), "-o", str(output), "-q"],
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("how", "leaves_files"),
    [(signal.SIGKILL, True), (signal.SIGINT, False), (signal.SIGTERM, False)],
)
def test_an_interrupted_build_keeps_the_old_artifact(
    tmp_path: Path, built: Path, how: signal.Signals, leaves_files: bool
) -> None:
    """Killed mid-load, the old artifact is intact; SIGINT and SIGTERM clean up, and the next
    build removes what SIGKILL left."""
    sources = big_sources(tmp_path / "big", 300_000)
    old = built.read_bytes()
    process = start_build(sources, built)
    loading = temp_path(built, process.pid, stage="load")

    wait_for(lambda: loading.exists() and loading.stat().st_size > 1_000_000, process)
    process.send_signal(how)
    process.communicate()

    assert process.returncode != 0
    assert built.read_bytes() == old
    assert bool(leftovers(built.parent)) is leaves_files
    build_artifact(library.Base, SOURCES, built)
    assert leftovers(built.parent) == []
    assert built.read_bytes() == old
