"""
Memory for `dump` and `textconv` stays within a small multiple of the largest value: each runs
in a process of its own on an artifact holding one long value, and reports its peak resident
memory (`VmHWM`) as it exits.

Measured (Linux, Python 3.11) for a 60 MB value: textconv and dump peak at about 193 MB, some
76 MB of which every run takes (interpreter, imports): the value itself costs about twice its
size, SQLite's copy and Python's. A 30 MB blob, written as 60 MB of hexadecimal, peaks at 135
MB (textconv) and 166 MB (dump). Before, textconv took 307 MB for the text and dump 480 MB
(CSV, whose module builds a line at four bytes a character) and 507 MB for the blob.
A JSON column's 40 MB document of 4.6 million numbers costs a JSON Lines dump 85 MB beyond a
tiny one's, where decoding and encoding it again took 309 MB.

"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.tools import subprocess_env

STATUS = Path("/proc/self/status")
# the console script's `main`, and at exit the process's peak resident memory on stderr
MEASURED = """
import atexit, sys

def peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write(f"peak-kib {line.split()[1]}\\n")

atexit.register(peak)
sys.argv[0] = "microcosm-sqlite"
from microcosm_sqlite.cli import main
main()
"""
PEAK = re.compile(r"^peak-kib (\d+)$", re.M)
SIZE = 40_000_000
# a document of some 40 MB, as a build stores it: 4.6 million small numbers
DOCUMENT = json.dumps(list(range(4_600_000)))
# how many times its written size one value may cost, beyond what every run takes
MULTIPLE = 3

pytestmark = pytest.mark.skipif(not STATUS.exists(), reason="no /proc to read the peak from")

COMMANDS = {
    "textconv": ["textconv"],
    "dump CSV": ["dump", "--table", "t"],
    "dump JSON Lines": ["dump", "--table", "t", "--format", "jsonl"],
}


def peak_bytes(*args: str | Path) -> int:
    """Run the command line in a process of its own, its output thrown away; its peak RSS."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, *map(str, args)],
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    found = PEAK.search(result.stderr)
    assert found is not None, result.stderr
    return int(found.group(1)) * 1024


def one_value(path: Path, value: str | bytes, declared: str = "") -> Path:
    connection = sqlite3.connect(path)
    connection.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, v {declared})")
    connection.execute("INSERT INTO t VALUES (1, ?)", (value,))
    connection.commit()
    connection.close()
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny artifact, and one holding a long text (with quotes and commas to escape), one a
    long blob, and one a JSON column's long document of many small values."""
    folder = tmp_path_factory.mktemp("memory")
    return {
        "tiny": one_value(folder / "tiny.sqlite", "x"),
        "text": one_value(folder / "text.sqlite", 'a "b", c\n' * (SIZE // 9)),
        "blob": one_value(folder / "blob.sqlite", bytes(range(256)) * (SIZE // 2 // 256)),
        "document": one_value(folder / "document.sqlite", DOCUMENT, declared="JSON TEXT"),
    }


@pytest.mark.parametrize("kind", ["text", "blob"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_long_value_costs_a_small_multiple_of_its_size(
    files: dict[str, Path], command: str, kind: str
) -> None:
    """The peak beyond a tiny artifact's stays under three times the value's written size
    (a blob's hexadecimal is twice its bytes)."""
    written = SIZE if kind == "text" else 2 * (SIZE // 2 // 256 * 256)

    base = peak_bytes(*COMMANDS[command], files["tiny"])
    peak = peak_bytes(*COMMANDS[command], files[kind])

    assert peak - base < MULTIPLE * written, f"{(peak - base) / 1e6:.0f} MB"


def test_a_long_document_is_written_without_being_decoded(files: dict[str, Path]) -> None:
    """A JSON Lines dump of a JSON column's long document of many values costs a small
    multiple of its size: it is not decoded into Python objects and encoded again."""
    command = COMMANDS["dump JSON Lines"]

    base = peak_bytes(*command, files["tiny"])
    peak = peak_bytes(*command, files["document"])

    assert peak - base < MULTIPLE * len(DOCUMENT), f"{(peak - base) / 1e6:.0f} MB"
