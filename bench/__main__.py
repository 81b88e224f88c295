"""
`python -m bench`: generate the data, build the artifact, measure every section, print a table.

Exit status is 0 whether targets pass or miss (this is a report), 2 when some figure's two
sides returned different results (then the benchmark itself is broken, and says which).

"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import build, concurrency, diff, iterate, ormpath, reads, search, startup
from bench.data import build_raw, generate_csv, read_paths
from bench.report import Figure, header, load, table

SECTIONS = ("build", "reads", "match", "iterate", "startup", "concurrency", "diff")


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure microcosm-sqlite against raw SQLite on generated data (issue 5).",
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=1_000_000,
        help="rows in the generated table (default: 1,000,000)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="rounds per figure, each figure being the median (default: 5)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        metavar="SECTION",
        help=f"run only this section (repeatable): {', '.join(SECTIONS)}",
    )
    options = parser.parse_args(argv)
    if options.rows < 1 or options.rounds < 1:
        parser.error("--rows and --rounds must be positive")
    return options


def read_paths_line(artifact: Path) -> str:
    """What the read figures' two columns measure, checked on graphs of this artifact."""
    fast, orm = read_paths(artifact)
    line = (
        "read figures time ours on the fast path, then again with sqlite.fast_path=False"
        " (the ORM path column, in a child process), each against raw sqlite3 in its own rounds"
    )
    if not fast:
        line += (
            "; WARNING: the fast path is off in this process (MICROCOSM_SQLITE_FAST_PATH,"
            " or a SQLAlchemy it does not support), so ours is the ORM path too"
        )
    if orm:
        line += "; WARNING: sqlite.fast_path=False did not turn the fast path off"
    return line


def main(argv: list[str] | None = None) -> int:
    options = arguments(argv)
    sections = options.only or list(SECTIONS)
    rows, rounds = options.rows, options.rounds
    print(header(rows, rounds), flush=True)
    started = time.perf_counter()
    figures: list[Figure] = []

    def report(*measured: Figure) -> None:
        for figure in measured:
            figures.append(figure)
            print(f"  {figure.line()}", flush=True)

    with tempfile.TemporaryDirectory(prefix="microcosm-sqlite-bench-") as workdir:
        work = Path(workdir)
        sources = work / "sources"
        sources.mkdir()
        csv_path = sources / "items.csv"
        step = time.perf_counter()
        generate_csv(csv_path, rows)
        print(
            f"\nsetup: {rows:,} rows generated in {time.perf_counter() - step:.1f} s"
            f" ({csv_path.stat().st_size / 2**20:.0f} MB of CSV)",
            flush=True,
        )
        artifact = work / "bench.sqlite"
        if set(sections) - {"build"}:
            step = time.perf_counter()
            problem = build.build_artifact(csv_path, artifact)
            if problem:
                build_raw(csv_path, artifact)
                print(f"setup: {problem}; reads use an artifact built with raw sqlite3", flush=True)
            else:
                print(
                    f"setup: artifact built with microcosm-sqlite build"
                    f" in {time.perf_counter() - step:.1f} s",
                    flush=True,
                )
        if {"reads", "iterate"} & set(sections):
            print(f"setup: {read_paths_line(artifact)}", flush=True)
        searchable = work / "search.sqlite"
        if "match" in sections:
            searchable, seconds = search.build_search_artifact(csv_path, work)
            megabytes = searchable.stat().st_size / 2**20
            print(
                "setup: the same rows with a place name, its FTS5 index built by"
                f" microcosm-sqlite build in {seconds:.1f} s ({megabytes:.0f} MB)",
                flush=True,
            )

        steps: dict[str, Callable[[], None]] = {
            "build": lambda: report(*build.build(csv_path, work, rounds)),
            # the fast figures first, then the same figures on the ORM path in a child process
            "reads": lambda: report(
                *ormpath.with_orm_path(
                    "reads",
                    [
                        reads.get_random(artifact, rows, rounds),
                        reads.get_hot(artifact, rows, rounds),
                        reads.get_many(artifact, rows, rounds),
                        reads.search(artifact, rows, rounds),
                    ],
                    artifact,
                    rows,
                    rounds,
                )
            ),
            "match": lambda: report(
                *ormpath.with_orm_path(
                    "match",
                    [
                        search.ranked(searchable, rows, rounds),
                        search.ranked(searchable, rows, rounds, cache_kib=search.PLAIN_CACHE_KIB),
                        search.against_like(searchable, rows, rounds),
                    ],
                    searchable,
                    rows,
                    rounds,
                )
            ),
            "iterate": lambda: report(
                *ormpath.with_orm_path(
                    "iterate",
                    [iterate.iterate_time(artifact, rounds), iterate.iterate_memory(artifact)],
                    artifact,
                    rows,
                    rounds,
                )
            ),
            "startup": lambda: report(
                startup.cold_start(artifact, startup.RUNS_PER_ROUND * rounds)
            ),
            "concurrency": lambda: report(
                concurrency.threads(artifact, rows, rounds),
                concurrency.threads_cached(artifact, rows, rounds),
                concurrency.processes(artifact, rows, rounds),
            ),
            "diff": lambda: report(*diff.diff(artifact, work, rounds)),
        }
        for section in SECTIONS:
            if section in sections:
                step = time.perf_counter()
                print(
                    f"\n{section}:" + (f" ({load()})" if section == "concurrency" else ""),
                    flush=True,
                )
                steps[section]()
                print(f"  ({time.perf_counter() - step:.1f} s)", flush=True)

    print(f"\nsummary ({time.perf_counter() - started:.0f} s in all):\n")
    print(table(figures))
    by_status: dict[str, list[str]] = {}
    for figure in figures:
        by_status.setdefault(figure.status, []).append(figure.name)
    print(f"\n{len(by_status.get('PASS', []))} of {len(figures)} figures pass", end="")
    for status, label in (
        ("MISS", "missed"),
        ("SKIP", "skipped"),
        ("WRONG", "RESULTS DIFFER, so the benchmark is broken"),
    ):
        if status in by_status:
            print(f"; {label}: {' | '.join(by_status[status])}", end="")
    print()
    return 2 if "WRONG" in by_status else 0


if __name__ == "__main__":
    raise SystemExit(main())
