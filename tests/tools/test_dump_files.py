"""
Where `dump -o DIR` writes: `DIR/<table>.<format>` and nowhere else, whatever a crafted file
names its tables, and never through a symbolic link already there.

"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from fixtures.tools import run_console_script

from microcosm_sqlite.errors import DumpError
from microcosm_sqlite.tools.dump import dump_artifact


def crafted(path: Path, *tables: str) -> Path:
    """A file made with raw sqlite3: each table (named as given) holding one row."""
    connection = sqlite3.connect(path)
    for table in tables:
        quoted = table.replace('"', '""')
        connection.execute(f'CREATE TABLE "{quoted}" (id INTEGER PRIMARY KEY, name TEXT)')
        connection.execute(f'INSERT INTO "{quoted}" VALUES (1, ?)', (table,))
    connection.commit()
    connection.close()
    return path


def everything_under(root: Path) -> list[str]:
    """Every path under `root`, relative to it, sorted."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*"))


@pytest.mark.parametrize(
    ("table", "reason"),
    [
        ("../victim", "it holds a path separator"),
        ("nested/table", "it holds a path separator"),
        ("back\\slash", "it holds a path separator"),
        ("", "it is empty"),
        ("line\nbreak", "it holds a character that is not printable"),
        ("\x1b[2Jescape", "it holds a character that is not printable"),
        ("x" * 252, "is longer than a file name may be (255 bytes)"),
    ],
    ids=["parent", "nested", "backslash", "empty", "newline", "escape", "too long"],
)
def test_a_name_that_is_no_file_name_is_refused_and_nothing_is_written(
    tmp_path: Path, table: str, reason: str
) -> None:
    """The table is refused, saying why, before the directory is made: nothing is written."""
    artifact = crafted(tmp_path / "crafted.sqlite", "fine", table)
    before = everything_under(tmp_path)

    with pytest.raises(DumpError, match="cannot be dumped to a file named after it") as raised:
        dump_artifact(artifact, tmp_path / "out")

    assert reason in str(raised.value)
    assert str(raised.value).isprintable()
    assert everything_under(tmp_path) == before


def test_an_absolute_name_writes_nothing_there(tmp_path: Path) -> None:
    """A table named with an absolute path (as the issue's crafted file had) writes no file at
    that path, nor in the output directory."""
    target = tmp_path / "elsewhere" / "victim"
    target.parent.mkdir()
    artifact = crafted(tmp_path / "crafted.sqlite", str(target))

    result = run_console_script("dump", artifact, "-o", tmp_path / "out")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert list(target.parent.iterdir()) == []
    assert not (tmp_path / "out").exists()


def test_the_issues_victim_beside_the_output_is_left_alone(tmp_path: Path) -> None:
    """`../victim` next to `-o out2` leaves `victim.csv` beside the folder as it was."""
    victim = tmp_path / "victim.csv"
    victim.write_text("precious\n")
    artifact = crafted(tmp_path / "crafted.sqlite", "../victim")

    result = run_console_script("dump", artifact, "-o", tmp_path / "out2", "--format", "csv")

    assert result.returncode == 1
    assert victim.read_text() == "precious\n"
    assert "Error: " in result.stderr and "'../victim'" not in result.stdout


def test_odd_names_that_are_file_names_are_written_inside(tmp_path: Path) -> None:
    """Dots, a leading dash, spaces and non-ASCII letters make files inside the directory."""
    tables = ["..", ".hidden", "-rf", "two words", "café"]
    artifact = crafted(tmp_path / "crafted.sqlite", *tables)

    counts = dump_artifact(artifact, tmp_path / "out", format="jsonl")

    assert counts == dict.fromkeys(sorted(tables), 1)
    assert everything_under(tmp_path / "out") == sorted(f"{table}.jsonl" for table in tables)
    assert everything_under(tmp_path) == sorted(
        ["crafted.sqlite", "out", *(f"out/{table}.jsonl" for table in tables)]
    )


@pytest.mark.parametrize(
    "tables",
    [("CAFÉ", "café"), ("caf\u00e9", "cafe\u0301")],
    ids=["case", "normalization"],
)
def test_two_tables_for_one_file_are_refused(tmp_path: Path, tables: tuple[str, str]) -> None:
    """Two tables SQLite tells apart (it folds ASCII letters only) that macOS's file system
    would store as one file, by case or by Unicode normalization, are refused."""
    artifact = crafted(tmp_path / "crafted.sqlite", *tables)

    with pytest.raises(DumpError, match="would be written to one file") as raised:
        dump_artifact(artifact, tmp_path / "out")

    assert all(table in str(raised.value) for table in tables)
    assert not (tmp_path / "out").exists()


def test_a_symbolic_link_in_the_directory_is_replaced_not_followed(tmp_path: Path) -> None:
    """A link named as the table's file, leading outside, is replaced by the dump: the file it
    led to keeps its content."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "books.csv").symlink_to(victim)
    artifact = crafted(tmp_path / "crafted.sqlite", "books")

    dump_artifact(artifact, out)

    assert victim.read_text() == "precious\n"
    assert not (out / "books.csv").is_symlink()
    assert (out / "books.csv").read_text() == "id,name\n1,books\n"


def test_a_file_that_cannot_be_written_leaves_nothing_half_written(tmp_path: Path) -> None:
    """When the table's file cannot be put in place (a directory by its name), the error names
    it and no temporary file is left."""
    out = tmp_path / "out"
    (out / "books.csv").mkdir(parents=True)
    artifact = crafted(tmp_path / "crafted.sqlite", "books")

    with pytest.raises(DumpError, match=f"cannot write {out / 'books.csv'}"):
        dump_artifact(artifact, out)

    assert everything_under(out) == ["books.csv"]


def test_written_files_take_the_usual_permissions(tmp_path: Path) -> None:
    """A dumped file is readable as any file the user makes (the umask's), not private."""
    artifact = crafted(tmp_path / "crafted.sqlite", "books")
    umask = os.umask(0o022)
    try:
        dump_artifact(artifact, tmp_path / "out")
    finally:
        os.umask(umask)

    assert (tmp_path / "out" / "books.csv").stat().st_mode & 0o777 == 0o644
