"""
Cold start: a new interpreter that reads one row through us, against one that imports the ORM.

The baseline is the floor any SQLAlchemy-based reader pays (`import sqlalchemy.orm`); ours
imports the package and the models, builds a graph, and runs one `get`, as a service's first
request would. Runs alternate between the two, and the row read is checked against raw SQLite.

"""

from __future__ import annotations

import ast
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.data import GET_SQL, normalize, raw_connect
from bench.report import Figure

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "import sqlalchemy.orm"
OURS = """
import sys
from microcosm.api import create_object_graph, load_from_dict
from bench.models import ItemStore
graph = create_object_graph(
    "bench", loader=load_from_dict(sqlite=dict(paths=dict(bench=sys.argv[1])))
)
item = ItemStore(graph).get(1)
print(repr((item.id, item.code, item.name, item.value, item.count, item.flag)))
"""


def run(code: str, path: Path) -> tuple[float, str]:
    """Wall time of one new interpreter, from spawn to exit, and what it printed."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start, completed.stdout


def cold_start(path: Path, runs: int) -> Figure:
    ours_times: list[float] = []
    raw_times: list[float] = []
    printed = ""
    # one untimed run each, so the OS has the interpreter, modules and file in its cache
    run(OURS, path)
    run(BASELINE, path)
    for index in range(runs):
        pair = [(OURS, ours_times), (BASELINE, raw_times)]
        for code, times in pair if index % 2 == 0 else reversed(pair):
            elapsed, output = run(code, path)
            times.append(elapsed)
            if code is OURS:
                printed = output
    connection = raw_connect(path)
    try:
        expected = normalize(connection.execute(GET_SQL, (1,)).fetchone())
    finally:
        connection.close()
    figure = Figure(
        "cold start",
        f"new process + get, {runs} runs",
        statistics.median(ours_times),
        statistics.median(raw_times),
        "s",
        "<=",
        1.3,
        baseline="import sqlalchemy.orm",
    )
    figure.wrong = ast.literal_eval(printed.strip()) != expected
    return figure
