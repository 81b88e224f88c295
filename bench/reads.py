"""
Reads: `Store.get`, `get_many` and `search` against the same queries in raw `sqlite3`.

Raw reads open the artifact with the same read-only, immutable URI our engine uses and run
the SQL a careful hand-written reader would: one statement per key, one `IN` query, one
indexed `WHERE code = ?`. Each figure checks that both sides returned the same rows in the
same order before its timing is reported.

`fast_path=False` measures ours with the fast path off (`sqlite.fast_path=False`): the ORM
path column, which `bench.ormpath` runs in a child process.

"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.data import CODES, GET_SQL, SEED, TABLE, dispose, new_graph, raw_connect, same_rows
from bench.models import ItemStore
from bench.report import Figure, rounds_of

SEARCH_SQL = f"SELECT * FROM {TABLE} WHERE code = ? ORDER BY id"
RANDOM_KEYS = 20_000
HOT_KEYS = 100
HOT_REPEATS = 200
MANY_IDS = 1_000
MANY_CALLS = 20
SEARCHES = 10


def checked(figure: Figure, ours: Any, raw: Any) -> Figure:
    """The figure, marked wrong when the two sides did not return the same rows."""
    figure.wrong = not same_rows(ours, raw)
    return figure


def get_random(path: Path, rows: int, rounds: int, fast_path: bool = True) -> Figure:
    """Distinct random keys on a fresh graph each round: no cache can help, only the code path."""
    keys = random.Random(SEED + 1).sample(range(1, rows + 1), min(RANDOM_KEYS, rows))
    graphs: list[Any] = []

    def ours() -> Callable[[], list[Any]]:
        while graphs:
            dispose(graphs.pop())
        graph = new_graph(path, fast_path=fast_path)
        graphs.append(graph)
        store = ItemStore(graph)
        return lambda: [store.get(key) for key in keys]

    def raw() -> Callable[[], list[Any]]:
        def work() -> list[Any]:
            connection = raw_connect(path)
            try:
                return [connection.execute(GET_SQL, (key,)).fetchone() for key in keys]
            finally:
                connection.close()

        return work

    ours_time, raw_time, ours_rows, raw_rows = rounds_of(rounds, ours, raw)
    while graphs:
        dispose(graphs.pop())
    figure = Figure(
        "get (random keys)", f"{len(keys):,} distinct keys", ours_time, raw_time, "s", "<=", 3.0
    )
    return checked(figure, ours_rows, raw_rows)


def get_hot(path: Path, rows: int, rounds: int, fast_path: bool = True) -> Figure:
    """A small set of keys read again and again, on a warm graph and a warm connection."""
    hot = random.Random(SEED + 2).sample(range(1, rows + 1), min(HOT_KEYS, rows))
    keys = hot * HOT_REPEATS
    graph = new_graph(path, fast_path=fast_path)
    store = ItemStore(graph)
    connection = raw_connect(path)

    def ours_work() -> list[Any]:
        return [store.get(key) for key in keys]

    def raw_work() -> list[Any]:
        return [connection.execute(GET_SQL, (key,)).fetchone() for key in keys]

    try:
        ours_work()
        raw_work()
        ours_time, raw_time, ours_rows, raw_rows = rounds_of(
            rounds, lambda: ours_work, lambda: raw_work
        )
    finally:
        dispose(graph)
        connection.close()
    figure = Figure(
        "get (hot keys)", f"{len(hot)} keys x {HOT_REPEATS}", ours_time, raw_time, "s", "<=", 1.5
    )
    return checked(figure, ours_rows, raw_rows)


def get_many(path: Path, rows: int, rounds: int, fast_path: bool = True) -> Figure:
    """Batches of ids in a given order: the raw side runs one `IN` query and puts rows in order."""
    rng = random.Random(SEED + 3)
    batches = [rng.sample(range(1, rows + 1), min(MANY_IDS, rows)) for _ in range(MANY_CALLS)]
    graph = new_graph(path, fast_path=fast_path)
    store = ItemStore(graph)
    connection = raw_connect(path)

    def ours_work() -> list[Any]:
        return [item for batch in batches for item in store.get_many(batch)]

    def raw_work() -> list[Any]:
        found: list[Any] = []
        for batch in batches:
            placeholders = ", ".join("?" * len(batch))
            by_id = {
                row[0]: row
                for row in connection.execute(
                    f"SELECT * FROM {TABLE} WHERE id IN ({placeholders})", batch
                )
            }
            found += [by_id[key] for key in batch if key in by_id]
        return found

    try:
        # warm both with other ids, so statements are compiled but no result is cached
        store.get_many(range(1, 11))
        connection.execute(f"SELECT * FROM {TABLE} WHERE id IN (1, 2)").fetchall()
        ours_time, raw_time, ours_rows, raw_rows = rounds_of(
            rounds, lambda: ours_work, lambda: raw_work
        )
    finally:
        dispose(graph)
        connection.close()
    figure = Figure(
        "get_many",
        f"{MANY_CALLS} calls x {len(batches[0]):,} ids",
        ours_time,
        raw_time,
        "s",
        "<=",
        3.0,
    )
    return checked(figure, ours_rows, raw_rows)


def search(path: Path, rows: int, rounds: int, fast_path: bool = True) -> Figure:
    """An indexed equality filter returning ~2,000 rows, in primary-key order on both sides."""
    codes = [f"C{code:03d}" for code in random.Random(SEED + 4).sample(range(CODES), SEARCHES)]
    graph = new_graph(path, fast_path=fast_path)
    store = ItemStore(graph)
    connection = raw_connect(path)

    def ours_work() -> list[Any]:
        return [item for code in codes for item in store.search(code=code)]

    def raw_work() -> list[Any]:
        return [row for code in codes for row in connection.execute(SEARCH_SQL, (code,))]

    try:
        store.search(code="none")
        connection.execute(SEARCH_SQL, ("none",)).fetchall()
        ours_time, raw_time, ours_rows, raw_rows = rounds_of(
            rounds, lambda: ours_work, lambda: raw_work
        )
    finally:
        dispose(graph)
        connection.close()
    per_search = len(raw_rows or []) // len(codes)
    figure = Figure(
        "search (indexed)",
        f"{SEARCHES} codes, ~{per_search:,} rows each",
        ours_time,
        raw_time,
        "s",
        "<=",
        2.5,
    )
    return checked(figure, ours_rows, raw_rows)
