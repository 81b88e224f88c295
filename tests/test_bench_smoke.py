"""
The benchmark (`make bench`, `python -m bench`) in a tiny mode, so it cannot rot unnoticed.

It runs as a new process, as `make bench` runs it, on 2,000 rows and one round: too small for
its figures to mean anything, but every section runs and every figure is printed, the read
figures with a second, "ORM path" column (the fast path turned off).

"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from microcosm_sqlite.reading.probe import fast_path_available

ROOT = Path(__file__).resolve().parent.parent
FIGURES = [
    "build",
    "build peak RSS",
    "build vs sqlite-utils",
    "get (random keys)",
    "get (hot keys)",
    "get_many",
    "search (indexed)",
    "match (FTS5), top 20",
    "match (FTS5), top 20, 8 MiB cache",
    "match vs LIKE '%word%'",
    "iterate (all rows)",
    "iterate peak RSS growth",
    "cold start",
    "gets 2 threads vs 1",
    "gets 2 threads vs 1, cached",
    "gets 2 forks vs 1",
]
# the read figures, measured again with the fast path off: the summary's "ORM path" column
RATIO_AND_TIME = r"\d+\.\d\dx \(\d[\d.]* m?s\)"
ORM_FIGURES = {
    "get (random keys)": RATIO_AND_TIME,
    "get (hot keys)": RATIO_AND_TIME,
    "get_many": RATIO_AND_TIME,
    "search (indexed)": RATIO_AND_TIME,
    "match (FTS5), top 20": RATIO_AND_TIME,
    "match (FTS5), top 20, 8 MiB cache": RATIO_AND_TIME,
    "match vs LIKE '%word%'": RATIO_AND_TIME,
    "iterate (all rows)": RATIO_AND_TIME,
    "iterate peak RSS growth": r"\d[\d.]* MB",
}


def test_benchmark_prints_every_figure_and_exits_0() -> None:
    """A tiny run prints the machine, a line and a summary row per figure, and exits 0."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        # the benchmark runs console scripts (microcosm-sqlite, sqlite-utils) from this venv
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--rows", "2000", "--rounds", "1"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    output = completed.stdout
    assert "machine:" in output
    summary = output.split("summary", 1)[1]
    for figure in FIGURES:
        assert f"  {figure}: " in output or f"  {figure} (" in output, figure
        assert any(line.startswith(f"{figure}  ") for line in summary.splitlines()), figure
    assert "WRONG" not in output
    check_orm_column(output, summary)


def check_orm_column(output: str, summary: str) -> None:
    """Read figures print an "ORM path" figure as measured and in its own summary column."""
    assert "sqlite.fast_path=False" in output
    assert "did not turn the fast path off" not in output
    # the fast column is the fast path's wherever this process can have it (the child has the
    # same SQLAlchemy and environment), and says so where it cannot
    fast_path_off = "WARNING: the fast path is off" in output
    assert fast_path_off == (not fast_path_available())
    lines = summary.splitlines()
    heads = next(line for line in lines if line.startswith("figure  "))
    assert heads.rstrip().endswith("ORM path"), heads
    column = heads.index("ORM path")
    for figure in FIGURES:
        line = next(
            line
            for line in output.splitlines()
            if line.startswith((f"  {figure} (", f"  {figure}: "))
        )
        row = next(line for line in lines if line.startswith(f"{figure}  "))
        cell = row[column:].strip()
        if figure in ORM_FIGURES:
            assert "; ORM path " in line, line
            assert re.fullmatch(ORM_FIGURES[figure], cell), row
        else:
            assert "ORM path" not in line, line
            assert cell == "", row
