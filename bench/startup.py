"""
Cold start: a new interpreter that reads one row through us, against one that imports the ORM.

The baseline is the floor any SQLAlchemy-based reader pays (`import sqlalchemy.orm`); ours
imports the package and the models, builds a graph, and runs one `get`, as a service's first
request would. Each side is timed from spawn to its first line of output, the answer: a
service's first request waits for that, never for the interpreter's exit, whose teardown
depends on what else the process happens to keep alive. The whole process, exit included, is
printed beside the figure. Runs alternate between the two, and the row read is checked against
raw SQLite.

"""

from __future__ import annotations

import ast
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.data import GET_SQL, normalize, raw_connect
from bench.report import Figure, fmt

ROOT = Path(__file__).resolve().parent.parent
# runs of each side per round the benchmark asks for: a run is short and varies by a few
# per cent, so the median needs more of them than other figures' rounds
RUNS_PER_ROUND = 6
BASELINE = "import sqlalchemy.orm\nprint('imported', flush=True)"
# after its answer, ours prints how long its steps took: imports (SQLAlchemy's, microcosm's,
# ours, the models), the graph, and the first get (the file opened and checked, the fast path's
# probe, the read)
OURS = """
import sys, time
started = time.perf_counter()
from microcosm.api import create_object_graph, load_from_dict
from bench.models import ItemStore
imported = time.perf_counter()
graph = create_object_graph(
    "bench", loader=load_from_dict(sqlite=dict(paths=dict(bench=sys.argv[1])))
)
built = time.perf_counter()
item = ItemStore(graph).get(1)
answered = time.perf_counter()
print(repr((item.id, item.code, item.name, item.value, item.count, item.flag)), flush=True)
print(imported - started, built - imported, answered - built)
"""
STEPS = ("imports", "graph", "first get")


def run(code: str, path: Path) -> tuple[float, float, str, str]:
    """
    One new interpreter: the time from spawn to its first line and to its exit, that line, and
    what it printed after it.

    """
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    # stderr to a file: a pipe nobody reads could fill and stall the child before it answers
    with tempfile.TemporaryFile("w+") as errors:
        start = time.perf_counter()
        with subprocess.Popen(
            [sys.executable, "-c", code, str(path)],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        ) as process:
            assert process.stdout is not None
            line = process.stdout.readline()
            answered = time.perf_counter() - start
            rest, _ = process.communicate()
        exited = time.perf_counter() - start
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"cold start run failed: {errors.read()}")
    return answered, exited, line, rest


def cold_start(path: Path, runs: int) -> Figure:
    ours_times: list[float] = []
    raw_times: list[float] = []
    ours_exits: list[float] = []
    raw_exits: list[float] = []
    steps: list[list[float]] = []
    printed = ""
    # one untimed run each, so the OS has the interpreter, modules and file in its cache
    run(OURS, path)
    run(BASELINE, path)
    for index in range(runs):
        pair = [(OURS, ours_times, ours_exits), (BASELINE, raw_times, raw_exits)]
        for code, times, exits in pair if index % 2 == 0 else reversed(pair):
            answered, exited, line, rest = run(code, path)
            times.append(answered)
            exits.append(exited)
            if code is OURS:
                printed = line
                steps.append([float(each) for each in rest.split()])
    connection = raw_connect(path)
    try:
        expected = normalize(connection.execute(GET_SQL, (1,)).fetchone())
    finally:
        connection.close()
    ours_exit, raw_exit = statistics.median(ours_exits), statistics.median(raw_exits)
    medians = (statistics.median(each) for each in zip(*steps, strict=True))
    print(
        "  ours, step by step: "
        + ", ".join(
            f"{step} {fmt(median, 's')}" for step, median in zip(STEPS, medians, strict=True)
        )
        + f"; the whole process, exit included: {fmt(ours_exit, 's')}"
        f" against {fmt(raw_exit, 's')}, {ours_exit / raw_exit:.2f}x",
        flush=True,
    )
    figure = Figure(
        "cold start",
        f"new process to a get's answer, {runs} runs",
        statistics.median(ours_times),
        statistics.median(raw_times),
        "s",
        "<=",
        1.3,
        baseline="import sqlalchemy.orm",
    )
    figure.wrong = ast.literal_eval(printed.strip()) != expected
    return figure
