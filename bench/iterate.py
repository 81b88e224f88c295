"""
`Store.iterate` over the whole table against raw cursor iteration, for time and for memory.

Both sides touch every row's `value`, so neither can win by leaving rows unread. Memory is
measured in a new child process per side (`python -m bench.iterate ours|orm|raw PATH`), so the
benchmark's own allocations never hide in, or inflate, the figure: the child resets its
peak-RSS mark just before iterating and reports how far the peak rose above where it started.

Both figures also measure ours with the fast path off (`sqlite.fast_path=False`, the ORM's
public API only), checked against raw as ours is: time with `fast_path=False` (which
`bench.ormpath` runs in a child process), memory in a third child.

"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from itertools import zip_longest
from pathlib import Path
from typing import Any

from bench.data import TABLE, as_row, dispose, new_graph, normalize, raw_connect, typed
from bench.models import ItemStore
from bench.report import Figure, rounds_of

ITERATE_SQL = f"SELECT * FROM {TABLE} ORDER BY id"
ROOT = Path(__file__).resolve().parent.parent


def ours_sum(store: ItemStore) -> tuple[int, float]:
    count, total = 0, 0.0
    for item in store.iterate():
        count += 1
        total += item.value
    return count, total


def raw_sum(connection: Any) -> tuple[int, float]:
    count, total = 0, 0.0
    for row in connection.execute(ITERATE_SQL):
        count += 1
        total += row[3]
    return count, total


def streams_equal(store: ItemStore, connection: Any) -> bool:
    """Row by row in lockstep, so a million rows are compared without holding them."""
    for item, row in zip_longest(store.iterate(), connection.execute(ITERATE_SQL)):
        if item is None or row is None:
            return False
        ours, raw = as_row(item), normalize(row)
        if ours != raw or typed(ours) != typed(raw):
            return False
    return True


def iterate_time(path: Path, rounds: int, fast_path: bool = True) -> Figure:
    graph = new_graph(path, fast_path=fast_path)
    store = ItemStore(graph)
    connection = raw_connect(path)
    try:
        equal = streams_equal(store, connection)
        ours_time, raw_time, ours_result, raw_result = rounds_of(
            rounds, lambda: lambda: ours_sum(store), lambda: lambda: raw_sum(connection)
        )
    finally:
        dispose(graph)
        connection.close()
    figure = Figure(
        "iterate (all rows)", f"{raw_result[0]:,} rows", ours_time, raw_time, "s", "<=", 3.0
    )
    figure.wrong = not equal or ours_result != raw_result
    return figure


def iterate_memory(path: Path) -> Figure:
    """Peak RSS growth while iterating, each side in its own fresh child process."""
    growth = {side: child_growth(side, path) for side in ("ours", "raw", "orm")}
    figure = Figure(
        "iterate peak RSS growth",
        "all rows, fresh child process",
        growth["ours"]["growth_mb"],
        growth["raw"]["growth_mb"],
        "MB",
        "<=",
        50,
        compare="value",
        orm=growth["orm"]["growth_mb"],
        orm_raw=growth["raw"]["growth_mb"],
    )
    figure.wrong = growth["ours"]["result"] != growth["raw"]["result"]
    figure.orm_wrong = growth["orm"]["result"] != growth["raw"]["result"]
    return figure


def child_growth(side: str, path: Path) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.iterate", side, str(path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (Linux), so the peak seen next is this phase's own."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def measure_child(side: str, path: Path) -> dict[str, Any]:
    """In the child: open and warm up, then iterate everything between two RSS readings."""
    if side in ("ours", "orm"):
        graph = new_graph(path, fast_path=side == "ours")
        store = ItemStore(graph)
        store.get(1)

        def work() -> tuple[int, float]:
            return ours_sum(store)
    else:
        connection = raw_connect(path)
        connection.execute("SELECT * FROM items WHERE id = 1").fetchone()

        def work() -> tuple[int, float]:
            return raw_sum(connection)

    if reset_peak():
        before = status_kib("VmRSS")
    else:
        # no reset: the peak so far stands in for the start, which can only understate growth
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = work()
    try:
        peak = status_kib("VmHWM")
    except (OSError, LookupError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"growth_mb": max(peak - before, 0) / 1024, "result": list(result)}


if __name__ == "__main__":
    print(json.dumps(measure_child(sys.argv[1], Path(sys.argv[2]))))
