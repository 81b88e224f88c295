"""
Full-text search: `Store.match` against raw `sqlite3` running the same FTS5 query, and against
the `LIKE '%word%'` scan a team writes without an index.

The benchmark's rows get one more column, `place`: one to three words of a generated vocabulary
of about 1,000 (some accented), so a word is in ~2,000 rows of 1,000,000, as a code is in the
`search` figure. The artifact is built with the models below, which declare `place` searchable
(`FullText("place")`). Each query is one word, the last word of what a user types, so ours is
a prefix query (`"word"*`), which the raw side runs as is. Query words are ones no other word
of the vocabulary contains, so `LIKE '%word%'` finds the same rows, which both figures check.

"""

from __future__ import annotations

import csv
import random
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bench.data import COLUMNS, SEED, TABLE, dispose, raw_connect, same_rows
from bench.report import Figure, rounds_of
from microcosm_sqlite import Store
from microcosm_sqlite.dataset import DataSetBase
from microcosm_sqlite.fulltext import FullText

DATASET = "bench_search"
QUERIES = 20
# the page cache of a data set with no full-text index (`sqlite.cache_size_kib`'s default), for
# the figure that shows what a searchable one's larger cache (64 MiB by default) saves: with it,
# SQLite's checks of each page as it is loaded (`cell_size_check`, a defence against damaged
# files) run once, not on every query
PLAIN_CACHE_KIB = 8192
TOP = 20
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"] + ["ville", "berg", "ton"]
ACCENTS = {"e": "é", "o": "ö", "u": "ü", "a": "à"}
SELECTED = ", ".join(f"{TABLE}.{column}" for column in COLUMNS)
# the statement `match` runs for an unfiltered page, written by hand: the index ranks the best
# rows (ties by rowid, which is the key), then only those are read from the table
FTS_SQL = (
    f"SELECT {SELECTED} FROM {TABLE} JOIN (SELECT rowid, bm25({TABLE}_fts) AS score"
    f" FROM {TABLE}_fts WHERE {TABLE}_fts MATCH ? ORDER BY score, rowid LIMIT ?) AS best"
    f" ON best.rowid = {TABLE}.rowid ORDER BY best.score, {TABLE}.id"
)
LIKE_SQL = f"SELECT {SELECTED} FROM {TABLE} WHERE place LIKE ? ORDER BY id"


class SearchBase(DataSetBase, DeclarativeBase, dataset=DATASET):
    """The benchmark's rows again, with a searchable place name."""


class Place(SearchBase):
    """An item of the benchmark's data set with a place name to search."""

    __tablename__ = TABLE
    __fulltext__ = FullText("place")

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String, index=True)
    name: Mapped[str] = mapped_column(String)
    value: Mapped[float]
    count: Mapped[int]
    flag: Mapped[bool]
    place: Mapped[str] = mapped_column(String)


class PlaceStore(Store[Place]):
    """Places, filtered by code as the items' store is."""

    model_class = Place
    auto_filter_fields = (Place.code,)


def vocabulary(seed: int = SEED) -> list[str]:
    """About 1,000 distinct words of two or three syllables, a tenth with an accent."""
    rng = random.Random(seed + 10)
    words: dict[str, str] = {}
    while len(words) < 1000:
        word = "".join(rng.choices(SYLLABLES, k=rng.choice((2, 3))))
        if rng.random() < 0.1:
            vowel = rng.choice([v for v in ACCENTS if v in word] or ["a"])
            word = word.replace(vowel, ACCENTS[vowel], 1)
        words.setdefault(folded(word), word)
    return sorted(words.values())


def folded(word: str) -> str:
    """A word without its accents, as the index's tokenizer reads it."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def query_words(words: list[str], seed: int = SEED) -> list[str]:
    """Plain words no other word contains: a prefix query and a LIKE find the same rows."""
    plain = [
        word
        for word in words
        if word.isascii() and not any(word in folded(other) for other in words if other != word)
    ]
    return random.Random(seed + 11).sample(plain, QUERIES)


def with_places(items_csv: Path, output: Path, seed: int = SEED) -> None:
    """The items' CSV with a `place` column of one to three words."""
    rng = random.Random(seed + 12)
    words = vocabulary(seed)
    with items_csv.open(newline="") as source, output.open("w", newline="") as target:
        reader, writer = csv.reader(source), csv.writer(target)
        writer.writerow([*next(reader), "place"])
        for row in reader:
            writer.writerow([*row, " ".join(rng.choices(words, k=rng.randint(1, 3)))])


def build_search_artifact(items_csv: Path, work: Path) -> tuple[Path, float]:
    """The searchable artifact, built with our build, and how long the build took."""
    from microcosm_sqlite.building import build_artifact

    sources = work / "search-sources"
    sources.mkdir(exist_ok=True)
    with_places(items_csv, sources / f"{TABLE}.csv")
    output = work / "search.sqlite"
    started = time.perf_counter()
    build_artifact(SearchBase, sources, output, force=True)
    return output, time.perf_counter() - started


def ranked(
    path: Path, rows: int, rounds: int, fast_path: bool = True, cache_kib: int | None = None
) -> Figure:
    """
    The 20 most relevant matches of a word: ours against the same FTS5 query by hand; with
    `cache_kib`, ours with that page cache (`sqlite.fulltext_cache_size_kib`, 64 MiB by default).

    """
    words = query_words(vocabulary())
    graph = new_graph_for_search(path, fast_path, cache_kib)
    store = PlaceStore(graph)
    connection = raw_connect(path)

    def ours_work() -> list[Any]:
        return [place for word in words for place in store.match(word, limit=TOP)]

    def raw_work() -> list[Any]:
        return [row for word in words for row in connection.execute(FTS_SQL, (f'"{word}"*', TOP))]

    name = "match (FTS5), top 20" + (
        "" if cache_kib is None else f", {cache_kib // 1024} MiB cache"
    )
    return timed(
        Figure(name, f"{QUERIES} words", None, None, "s", "<=", 1.5),
        rounds,
        ours_work,
        raw_work,
        [graph, connection],
    )


def against_like(path: Path, rows: int, rounds: int, fast_path: bool = True) -> Figure:
    """Every match of a word, ranked, against scanning the column with `LIKE '%word%'`."""
    words = query_words(vocabulary())[: QUERIES // 4]
    graph = new_graph_for_search(path, fast_path)
    store = PlaceStore(graph)
    connection = raw_connect(path)

    def ours_work() -> list[Any]:
        return [place for word in words for place in store.match(word)]

    def raw_work() -> list[Any]:
        return [row for word in words for row in connection.execute(LIKE_SQL, (f"%{word}%",))]

    figure = Figure(
        "match vs LIKE '%word%'",
        f"{len(words)} words, every match",
        None,
        None,
        "s",
        "<",
        1.0,
        baseline="LIKE",
    )
    return timed(figure, rounds, ours_work, raw_work, [graph, connection], same_set=True)


def timed(
    figure: Figure,
    rounds: int,
    ours_work: Callable[[], list[Any]],
    raw_work: Callable[[], list[Any]],
    opened: list[Any],
    same_set: bool = False,
) -> Figure:
    """Both sides warmed, timed in alternating rounds, and checked to return the same rows."""
    graph, connection = opened
    try:
        ours_work()
        raw_work()
        figure.ours, figure.raw, ours_rows, raw_rows = rounds_of(
            rounds, lambda: ours_work, lambda: raw_work
        )
    finally:
        dispose(graph)
        connection.close()
    if same_set:
        figure.wrong = sorted(place.id for place in ours_rows) != sorted(row[0] for row in raw_rows)
    else:
        figure.wrong = not same_rows(ours_rows, raw_rows)
    return figure


def new_graph_for_search(path: Path, fast_path: bool, cache_kib: int | None = None) -> Any:
    """A graph reading the searchable artifact as the benchmark's data set."""
    from microcosm.api import create_object_graph, load_from_dict

    sqlite: dict[str, Any] = dict(paths={DATASET: str(path)}, fast_path=fast_path)
    if cache_kib is not None:
        sqlite["fulltext_cache_size_kib"] = cache_kib
    return create_object_graph("bench", loader=load_from_dict(sqlite=sqlite))
