"""
The benchmark's data and the two ways of reading it: through our graph, or raw `sqlite3`.

Everything both sides share lives here (the CSV, the schema, the read-only URI, how a row is
compared), so a figure can only differ by the code under test, never by its inputs.

"""

from __future__ import annotations

import csv
import random
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bench.models import DATASET, Item

SEED = 20240505
TABLE = "items"
# the table's columns in schema order: `SELECT *` returns them so, and model rows compare so
COLUMNS = ("id", "code", "name", "value", "count", "flag")
# the one-row read both sides of every `get` figure run
GET_SQL = f"SELECT * FROM {TABLE} WHERE id = ?"
# 500 codes, so one code matches ~2,000 of 1,000,000 rows
CODES = 500
WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliett",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "sierra",
    "tango",
    "uniform",
    "victor",
    "whiskey",
    "xray",
    "yankee",
    "zulu",
]

Row = tuple[Any, ...]


def generate_csv(path: Path, rows: int, seed: int = SEED) -> None:
    """Write `rows` rows with a fixed seed, so every run and both sides read the same data."""
    rng = random.Random(seed)
    with path.open("w", newline="") as output:
        writer = csv.writer(output)
        writer.writerow(COLUMNS)
        for identifier in range(1, rows + 1):
            writer.writerow(
                (
                    identifier,
                    f"C{rng.randrange(CODES):03d}",
                    " ".join(rng.choices(WORDS, k=rng.randint(1, 4))),
                    round(rng.uniform(0, 10_000), 3),
                    rng.randrange(100_000),
                    # 0/1 rather than true/false, so `sqlite3 .import` stores integers as we do
                    rng.randrange(2),
                )
            )


def schema_statements() -> list[str]:
    """The models' own DDL for SQLite, so raw imports build exactly the schema we would."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    dialect = sqlite.dialect()
    table = Item.__table__
    statements = [str(CreateTable(table).compile(dialect=dialect)).strip()]
    statements += [
        str(CreateIndex(index).compile(dialect=dialect)).strip()
        for index in sorted(table.indexes, key=lambda index: str(index.name))
    ]
    return statements


def build_raw(csv_path: Path, output: Path) -> None:
    """The artifact built with plain `sqlite3`: the fallback while our builder is missing."""
    table_ddl, *index_ddl = schema_statements()
    output.unlink(missing_ok=True)
    connection = sqlite3.connect(output)
    try:
        connection.execute(table_ddl)
        with csv_path.open(newline="") as source:
            reader = csv.reader(source)
            next(reader)
            placeholders = ", ".join("?" for _ in COLUMNS)
            with connection:
                connection.executemany(
                    f"INSERT INTO {TABLE} VALUES ({placeholders})",
                    (
                        (int(i), code, name, float(value), int(count), int(flag))
                        for i, code, name, value, count, flag in reader
                    ),
                )
        for statement in index_ddl:
            connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


def read_only_uri(path: Path) -> str:
    """The same read-only, immutable open our engine uses, so only the code in between differs."""
    return f"{path.resolve().as_uri()}?mode=ro&immutable=1"


def raw_connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(read_only_uri(path), uri=True, check_same_thread=False)


def new_graph(path: Path, fast_path: bool = True) -> Any:
    """
    A fresh graph with its own engines and sessions: nothing cached from earlier rounds.

    `fast_path=False` turns the fast read path off for this graph (`sqlite.fast_path`), so
    every read goes through the ORM's public API: the ORM-path column of the read figures.

    """
    from microcosm.api import create_object_graph, load_from_dict

    sqlite: dict[str, Any] = dict(paths={DATASET: str(path)})
    if not fast_path:
        sqlite["fast_path"] = False
    return create_object_graph("bench", loader=load_from_dict(sqlite=sqlite))


def read_paths(path: Path) -> tuple[bool, bool]:
    """
    Whether a default graph, and one with `sqlite.fast_path=False`, read on the fast path:
    (True, False) unless this process has it off (`MICROCOSM_SQLITE_FAST_PATH=0`, or a
    SQLAlchemy the fast path does not support), when both columns measure the ORM path.

    """
    found = []
    for fast_path in (True, False):
        graph = new_graph(path, fast_path=fast_path)
        try:
            found.append(bool(graph.sqlite(DATASET).fast_path))
        finally:
            dispose(graph)
    return found[0], found[1]


def dispose(graph: Any) -> None:
    from microcosm_sqlite import dispose_sqlite_connections

    dispose_sqlite_connections(graph)


def as_row(item: Any) -> Row:
    """A model instance as the tuple raw `sqlite3` returns, to compare the two."""
    return tuple(getattr(item, column) for column in COLUMNS)


def same_rows(ours: Iterable[Any], raw: Iterable[Sequence[Any]]) -> bool:
    """Same rows in the same order, with the same Python types once SQLite's 0/1 became bool."""
    ours_rows = [as_row(item) for item in ours]
    raw_rows = [normalize(row) for row in raw]
    return ours_rows == raw_rows and all(
        typed(a) == typed(b) for a, b in zip(ours_rows, raw_rows, strict=True)
    )


def normalize(row: Sequence[Any]) -> Row:
    """A raw row with `flag` read as the boolean the model declares."""
    values = list(row)
    values[-1] = None if values[-1] is None else bool(values[-1])
    return tuple(values)


def typed(row: Row) -> tuple[type, ...]:
    return tuple(type(value) for value in row)


def table_matches(ours: Path, other: Path) -> tuple[int, int, int]:
    """Rows in `ours`, in `other`, and rows whose values or SQLite storage types differ."""
    connection = sqlite3.connect(read_only_uri(ours), uri=True)
    try:
        connection.execute("ATTACH DATABASE ? AS other", (read_only_uri(other),))
        mine = connection.execute(f"SELECT count(*) FROM main.{TABLE}").fetchone()[0]
        theirs = connection.execute(f"SELECT count(*) FROM other.{TABLE}").fetchone()[0]
        same = " AND ".join(f"a.{c} IS b.{c} AND typeof(a.{c}) = typeof(b.{c})" for c in COLUMNS)
        matching = connection.execute(
            f"SELECT count(*) FROM main.{TABLE} a JOIN other.{TABLE} b USING (id) WHERE {same}"
        ).fetchone()[0]
        return mine, theirs, max(mine, theirs) - matching
    finally:
        connection.close()
