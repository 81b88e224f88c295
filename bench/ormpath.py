"""
The read figures again with the fast path off (`sqlite.fast_path=False`): the "ORM path" column.

`python -m bench.ormpath reads|iterate PATH ROWS ROUNDS` runs the very code of the fast
column's figures, ours against the same raw `sqlite3` reads with both sides' results checked,
with a graph whose reads all go through the ORM's public API, and prints the figures as JSON.

It runs in a child process of its own, after the fast figures are measured: timed in the
process that measures the fast path, the ORM rounds' many objects (and what freeing them does
to the heap) made the fast figures themselves measurably worse.

"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bench import iterate, reads, search
from bench.report import Figure

ROOT = Path(__file__).resolve().parent.parent

SECTIONS: dict[str, Callable[[Path, int, int], list[Figure]]] = {
    "reads": lambda path, rows, rounds: [
        reads.get_random(path, rows, rounds, fast_path=False),
        reads.get_hot(path, rows, rounds, fast_path=False),
        reads.get_many(path, rows, rounds, fast_path=False),
        reads.search(path, rows, rounds, fast_path=False),
    ],
    "iterate": lambda path, rows, rounds: [iterate.iterate_time(path, rounds, fast_path=False)],
    "match": lambda path, rows, rounds: [
        search.ranked(path, rows, rounds, fast_path=False),
        search.ranked(path, rows, rounds, fast_path=False, cache_kib=search.PLAIN_CACHE_KIB),
        search.against_like(path, rows, rounds, fast_path=False),
    ],
}


def with_orm_path(
    section: str, figures: list[Figure], path: Path, rows: int, rounds: int
) -> list[Figure]:
    """The fast figures, each given its ORM-path figure from a child process (by name)."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.ormpath", section, str(path), str(rows), str(rounds)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines() or [f"exit status {completed.returncode}"]
        for figure in figures:
            figure.orm_wrong = True
            figure.orm_problem = f"the child process failed: {lines[-1]}"
        return figures
    measured = {entry["name"]: entry for entry in json.loads(completed.stdout.splitlines()[-1])}
    for figure in figures:
        entry = measured.get(figure.name)
        if entry is None:
            continue
        figure.orm = entry["ours"]
        figure.orm_raw = entry["raw"]
        figure.orm_wrong = entry["wrong"]
    return figures


def main(section: str, path: Path, rows: int, rounds: int) -> str:
    """In the child: the section's figures on the ORM path, as one line of JSON."""
    figures = SECTIONS[section](path, rows, rounds)
    return json.dumps([dataclasses.asdict(figure) for figure in figures])


if __name__ == "__main__":
    print(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
