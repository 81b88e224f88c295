"""
`microcosm-sqlite diff` of two artifacts that differ in 1% of their rows: time and peak memory;
and of two artifacts of 10,000 tables each, one schema change apart: time, which must grow with
the number of tables, not with its square.

The second artifact is a copy of the benchmark's with 0.5% of rows changed, 0.25% removed and
0.25% added. Ours runs as the console script, as a reviewer runs it, its text going to a file;
the reference is the same comparison done by the `sqlite3` command line in SQL (both files
attached, rows joined by key), which counts changes but shows none. Both sides must find
exactly the changes made, or the figure is WRONG. Time is wall time from spawn to exit; each
figure is the median of up to 3 rounds.

Peak memory is the diff process's own high-water mark (`VmHWM`), which it reports as it
exits: `ru_maxrss` from `wait4` would count the benchmark's own memory too, since a child
spawned by (v)fork keeps its parent's high-water mark through `exec`. The `sqlite3` side
cannot report it, so it shows no memory figure.

"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.data import COLUMNS, TABLE
from bench.report import Figure

ROUNDS = 3
# what `diff` prints per table, after its row lines
SUMMARY = re.compile(rf"^{TABLE}: ([\d,]+) added, ([\d,]+) removed, ([\d,]+) changed", re.M)
# the targets: seconds, not minutes, and memory that does not grow with the tables
SECONDS_LIMIT = 10.0
PEAK_MB_LIMIT = 150.0
# many tables: each artifact's schema is read once (it was once per table: 10,000 took minutes)
MANY_TABLES = 10_000
MANY_TABLES_SECONDS_LIMIT = 10.0
# the one schema change between the two
MANY_TABLES_CHANGE = "schema: table t00000: column note added: TEXT"


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    stdout: str
    stderr: str


def spawn(command: list[str]) -> Run:
    """Run a command to its end and measure it, its output kept in files, not in this process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        out.seek(0)
        errors.seek(0)
        # ru_maxrss is in KiB on Linux
        return Run(
            elapsed,
            usage.ru_maxrss / 1024,
            os.waitstatus_to_exitcode(status),
            out.read(),
            errors.read(),
        )


def make_changed_copy(artifact: Path, target: Path) -> tuple[int, int, int]:
    """A copy with 1% of rows differing; returns (added, removed, changed)."""
    shutil.copyfile(artifact, target)
    target.chmod(0o644)
    connection = sqlite3.connect(target)
    try:
        rows = connection.execute(f"SELECT max(id) FROM {TABLE}").fetchone()[0]
        with connection:
            changed = connection.execute(
                f"UPDATE {TABLE} SET value = value + 1, name = name || ' (revised)'"
                " WHERE id % 200 = 1"
            ).rowcount
            removed = connection.execute(f"DELETE FROM {TABLE} WHERE id % 400 = 2").rowcount
            added = max(1, rows // 400)
            connection.executemany(
                f"INSERT INTO {TABLE} VALUES (?, 'C000', 'new row', 1.5, 7, 1)",
                [(rows + number,) for number in range(1, added + 1)],
            )
    finally:
        connection.close()
    return added, removed, changed


# the console script's `main`, and at exit the process's peak resident memory on stderr
OURS = """
import atexit, sys

def peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write(f"\\npeak-kib {line.split()[1]}\\n")

atexit.register(peak)
sys.argv[0] = "microcosm-sqlite"
from microcosm_sqlite.cli import main
main()
"""
PEAK = re.compile(r"^peak-kib (\d+)$", re.M)


def ours_command(old: Path, new: Path) -> list[str]:
    return [sys.executable, "-c", OURS, "diff", "--quiet", str(old), str(new)]


def ours_peak_mb(run: Run) -> float:
    """The peak the process reported; its `ru_maxrss` where /proc cannot say."""
    found = PEAK.search(run.stderr)
    return int(found.group(1)) / 1024 if found else run.peak_mb


def raw_command(cli: str, old: Path, new: Path) -> list[str]:
    """The same counts in SQL with the `sqlite3` command line: added, removed, changed."""
    differs = " OR ".join(f"o.{name} IS NOT n.{name}" for name in COLUMNS if name != "id")
    script = (
        f"ATTACH '{new}' AS new;"
        f" SELECT (SELECT count(*) FROM new.{TABLE} n WHERE n.id NOT IN"
        f" (SELECT id FROM main.{TABLE})),"
        f" (SELECT count(*) FROM main.{TABLE} o WHERE o.id NOT IN (SELECT id FROM new.{TABLE})),"
        f" (SELECT count(*) FROM main.{TABLE} o JOIN new.{TABLE} n ON n.id = o.id"
        f" WHERE {differs});"
    )
    return [cli, "-readonly", "-bail", "-separator", " ", str(old), script]


def ours_counts(run: Run) -> tuple[int, int, int] | None:
    found = SUMMARY.search(run.stdout)
    if found is None or run.returncode != 1:
        return None
    added, removed, changed = (int(group.replace(",", "")) for group in found.groups())
    return added, removed, changed


def raw_counts(run: Run) -> tuple[int, int, int] | None:
    words = run.stdout.split()
    if run.returncode != 0 or len(words) != 3:
        return None
    return int(words[0]), int(words[1]), int(words[2])


def diff(artifact: Path, work: Path, rounds: int) -> list[Figure]:
    """The 1% diff's time and peak RSS, ours against the `sqlite3` command line's SQL."""
    cli = shutil.which("sqlite3")
    new = work / "bench-changed.sqlite"
    expected = make_changed_copy(artifact, new)
    connection = sqlite3.connect(artifact)
    try:
        total = connection.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]
    finally:
        connection.close()
    work_label = f"{total:,} rows each, {sum(expected):,} differ"
    ours_runs: list[Run] = []
    raw_runs: list[Run] = []
    wrong = False
    for index in range(min(rounds, ROUNDS)):
        order = ["ours", "raw"] if index % 2 == 0 else ["raw", "ours"]
        for side in order:
            if side == "ours":
                run = spawn(ours_command(artifact, new))
                wrong = wrong or ours_counts(run) != expected
                ours_runs.append(run)
            elif cli is not None:
                run = spawn(raw_command(cli, artifact, new))
                wrong = wrong or raw_counts(run) != expected
                raw_runs.append(run)
    new.unlink()
    ours_seconds = statistics.median(run.seconds for run in ours_runs)
    ours_peak = statistics.median(ours_peak_mb(run) for run in ours_runs)
    raw_seconds = statistics.median(run.seconds for run in raw_runs) if raw_runs else None
    figures = [
        Figure(
            "diff, 1% of rows differ",
            work_label,
            ours_seconds,
            raw_seconds,
            "s",
            "<=",
            SECONDS_LIMIT,
            compare="value",
            baseline="sqlite3 SQL",
        ),
        Figure(
            "diff peak RSS",
            work_label,
            ours_peak,
            None,
            "MB",
            "<",
            PEAK_MB_LIMIT,
            compare="value",
            baseline="sqlite3 SQL",
        ),
    ]
    for figure in figures:
        figure.wrong = wrong
    return [*figures, many_tables(work, rounds)]


def many_tables(work: Path, rounds: int) -> Figure:
    """`diff` of two artifacts of MANY_TABLES empty tables, one column added to one table."""
    paths = [work / f"bench-tables-{side}.sqlite" for side in ("old", "new")]
    for side, path in enumerate(paths):
        path.unlink(missing_ok=True)
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("BEGIN")
            for number in range(MANY_TABLES):
                note = ", note TEXT" if side and number == 0 else ""
                connection.execute(
                    f"CREATE TABLE t{number:05d} (id INTEGER PRIMARY KEY, value TEXT{note})"
                )
            connection.execute("COMMIT")
        finally:
            connection.close()
    runs = [spawn(ours_command(*paths)) for _ in range(min(rounds, ROUNDS))]
    for path in paths:
        path.unlink()
    return Figure(
        f"diff, {MANY_TABLES:,} tables",
        "one column added",
        statistics.median(run.seconds for run in runs),
        None,
        "s",
        "<=",
        MANY_TABLES_SECONDS_LIMIT,
        compare="value",
        wrong=any(
            run.returncode != 1 or MANY_TABLES_CHANGE not in run.stdout.splitlines() for run in runs
        ),
    )
