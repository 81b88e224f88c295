"""
Concurrency: throughput of random-key gets with 2 workers against 1, as threads and as forks,
and as threads whose keys are already cached.

Each worker warms up (its own session or connection), waits at a barrier, then reads its own
random keys for a fixed time; throughput is all gets over the span from the first start to
the last finish, so both sides are measured over spans long enough to trust.
Forked workers inherit a graph the parent already read through, as a pre-fork server's do.
Raw sqlite3's scaling is printed alongside for reference: it releases the GIL inside SQLite,
so it shows what the machine allows. Each of our workers sums what it read, and the sum must
match the same gets done raw.

"""

from __future__ import annotations

import multiprocessing
import random
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.data import GET_SQL, SEED, dispose, new_graph, raw_connect
from bench.models import ItemStore
from bench.report import Figure

KEYS_PER_WORKER = 10_000
# keys per worker when they are read from a warm cache: well within `instance_cache_size`
CACHED_KEYS_PER_WORKER = 1_000
# how long every worker reads; tiny tables (smoke runs) read for a tenth of it
SECONDS = 1.0
BARRIER_TIMEOUT = 120
# how often a worker looks at the clock, in gets
CLOCK_EVERY = 50

# a worker's job: warm up, wait at the barrier, then read for its seconds;
# returns (start, end, gets, sum of every value read)
Span = tuple[float, float, int, float]
Job = Callable[[list[int], Any, float], Span]


def read_for(get_value: Callable[[int], float], keys: list[int], seconds: float) -> Span:
    """Cycle through `keys` until the time is up, checking the clock every few gets."""
    start = time.perf_counter()
    deadline = start + seconds
    done, total = 0, 0.0
    while True:
        for offset in range(0, len(keys), CLOCK_EVERY):
            for key in keys[offset : offset + CLOCK_EVERY]:
                total += get_value(key)
            done += len(keys[offset : offset + CLOCK_EVERY])
            if time.perf_counter() >= deadline:
                return start, time.perf_counter(), done, total


def ours_job(store: ItemStore, warm: bool = False) -> Job:
    """Gets through the store; `warm` reads every key once first, as a running service has."""

    def job(keys: list[int], barrier: Any, seconds: float) -> Span:
        for key in keys if warm else keys[:1]:
            store.get(key)
        barrier.wait(BARRIER_TIMEOUT)
        return read_for(lambda key: store.get(key).value, keys, seconds)

    return job


def raw_job(path: Path) -> Job:
    def job(keys: list[int], barrier: Any, seconds: float) -> Span:
        connection = raw_connect(path)
        try:
            connection.execute(GET_SQL, (keys[0],)).fetchone()
            barrier.wait(BARRIER_TIMEOUT)
            execute = connection.execute
            return read_for(lambda key: execute(GET_SQL, (key,)).fetchone()[3], keys, seconds)
        finally:
            connection.close()

    return job


def expected_sum(path: Path, keys: list[int], gets: int) -> float:
    """What a worker that did `gets` gets over `keys` must have summed, read raw."""
    connection = raw_connect(path)
    try:
        values = [connection.execute(GET_SQL, (key,)).fetchone()[3] for key in keys]
    finally:
        connection.close()
    total = 0.0
    for index in range(gets):
        total += values[index % len(values)]
    return total


def in_threads(job: Job, key_lists: list[list[int]], seconds: float) -> list[Span]:
    barrier = threading.Barrier(len(key_lists))
    spans: list[Any] = [None] * len(key_lists)

    def run(index: int) -> None:
        spans[index] = job(key_lists[index], barrier, seconds)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(key_lists))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return spans


def in_forks(job: Job, key_lists: list[list[int]], seconds: float) -> list[Span]:
    """Each worker a forked child; `perf_counter` is the system-wide monotonic clock on Linux."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(key_lists))
    results = context.SimpleQueue()

    def run(index: int) -> None:
        results.put((index, job(key_lists[index], barrier, seconds)))

    processes = [context.Process(target=run, args=(index,)) for index in range(len(key_lists))]
    for process in processes:
        process.start()
    spans: list[Any] = [None] * len(key_lists)
    for _ in processes:
        index, span = results.get()
        spans[index] = span
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a forked worker failed with exit code {process.exitcode}")
    return spans


def throughput(spans: list[Span]) -> float:
    """All gets over the span from the first worker's start to the last one's end."""
    gets = sum(span[2] for span in spans)
    return gets / (max(span[1] for span in spans) - min(span[0] for span in spans))


def scaling(
    path: Path,
    rows: int,
    rounds: int,
    runner: Callable[[Job, list[list[int]], float], Any],
    keys_per_worker: int = KEYS_PER_WORKER,
    warm: bool = False,
) -> tuple[float, float, bool]:
    """Our 2-vs-1 throughput ratio, raw's, and whether our workers read the right values."""
    per_worker = min(keys_per_worker, rows)
    seconds = SECONDS if rows >= 100_000 else SECONDS / 10
    rates: dict[tuple[str, int], list[float]] = {}
    equal = True
    for index in range(rounds):
        rng = random.Random(SEED + 100 + index)
        for workers in (1, 2):
            key_lists = [rng.sample(range(1, rows + 1), per_worker) for _ in range(workers)]
            for side in ("ours", "raw") if index % 2 == 0 else ("raw", "ours"):
                if side == "ours":
                    graph = new_graph(path)
                    store = ItemStore(graph)
                    store.get(1)
                    try:
                        spans = runner(ours_job(store, warm), key_lists, seconds)
                    finally:
                        dispose(graph)
                    equal = equal and all(
                        span[3] == expected_sum(path, keys, span[2])
                        for keys, span in zip(key_lists, spans, strict=True)
                    )
                else:
                    spans = runner(raw_job(path), key_lists, seconds)
                rates.setdefault((side, workers), []).append(throughput(spans))

    def ratio(side: str) -> float:
        # each round's 2-worker rate over the same round's 1-worker rate, measured moments
        # apart, so load that comes and goes on a shared machine hits both halves of a ratio
        return statistics.median(
            two / one for one, two in zip(rates[side, 1], rates[side, 2], strict=True)
        )

    return ratio("ours"), ratio("raw"), equal


def threads(path: Path, rows: int, rounds: int) -> Figure:
    ours, raw, equal = scaling(path, rows, rounds, in_threads)
    figure = Figure(
        "gets 2 threads vs 1", "throughput ratio", ours, raw, "x", ">=", 1.0, compare="value"
    )
    figure.wrong = not equal
    return figure


def threads_cached(path: Path, rows: int, rounds: int) -> Figure:
    """
    The same with each worker's keys already in its cache, as a service's hot set is: no SQLite
    call, so no GIL handoff. Raw `sqlite3` reads the same keys, each through SQLite as always.

    """
    ours, raw, equal = scaling(
        path, rows, rounds, in_threads, keys_per_worker=CACHED_KEYS_PER_WORKER, warm=True
    )
    figure = Figure(
        "gets 2 threads vs 1, cached",
        "throughput ratio, warm keys",
        ours,
        raw,
        "x",
        ">=",
        1.0,
        compare="value",
    )
    figure.wrong = not equal
    return figure


def processes(path: Path, rows: int, rounds: int) -> Figure:
    ours, raw, equal = scaling(path, rows, rounds, in_forks)
    figure = Figure(
        "gets 2 forks vs 1", "throughput ratio", ours, raw, "x", ">=", 1.7, compare="value"
    )
    figure.wrong = not equal
    return figure
