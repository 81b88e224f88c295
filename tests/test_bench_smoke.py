"""
The benchmark (`make bench`, `python -m bench`) in a tiny mode, so it cannot rot unnoticed.

It runs as a new process, as `make bench` runs it, on 2,000 rows and one round: too small for
its figures to mean anything, but every section runs and every figure is printed.

"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = [
    "build",
    "build peak RSS",
    "build vs sqlite-utils",
    "get (random keys)",
    "get (hot keys)",
    "get_many",
    "search (indexed)",
    "iterate (all rows)",
    "iterate peak RSS growth",
    "cold start",
    "gets 2 threads vs 1",
    "gets 2 threads vs 1, cached",
    "gets 2 forks vs 1",
]


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
