"""
Soak: threads and forked processes doing random Store reads for a while, every answer compared
with the same query through raw sqlite3.

    python -m bench.soak --seconds 60 --threads 16 --processes 4

Reads the airports data set (a real build, from the example data package) from a copy, which
`--replace-every` renames a fresh copy over now and then, as a deploy would: answers must not
change, and the graph must move to each new file without an error. At the end it prints the
operations, errors and mismatches of every process, its memory (RSS) and open file descriptors,
and exits non-zero on any error or mismatch, or when the artifact changed. (Descriptors on
replaced files at the end are those a child inherited at the fork, which it never closes, and
those of the version the graph read last, when a rename came after its last look.)

"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from microcosm.api import create_object_graph, load_from_dict
from microcosm_sqlite_airports.models import Airport, AirportStore, Country, CountryStore

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.errors import ModelNotFoundError

DATASET = "airports"
# tracebacks kept per process, so a broken run stays readable
KEPT_ERRORS = 5


@dataclass
class Tally:
    """One process's counts, shared by its threads."""

    ops: int = 0
    errors: int = 0
    mismatches: int = 0
    details: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ops: int, errors: int, mismatches: int, details: list[str]) -> None:
        with self.lock:
            self.ops += ops
            self.errors += errors
            self.mismatches += mismatches
            self.details.extend(details[: max(0, KEPT_ERRORS - len(self.details))])


def columns(model: type[Any]) -> list[str]:
    return [column.name for column in model.__table__.columns]


AIRPORT_COLUMNS = columns(Airport)
COUNTRY_COLUMNS = columns(Country)


def values(instance: Any, names: list[str]) -> tuple[Any, ...]:
    return tuple(getattr(instance, name) for name in names)


class Reader:
    """One thread's random reads, each through a Store and through its own raw connection."""

    def __init__(self, graph: Any, path: Path, seed: int, keys: dict[str, list[Any]]) -> None:
        self.graph = graph
        self.raw = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
        self.chooser = random.Random(seed)
        self.keys = keys

    def rows(self, sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
        return self.raw.execute(sql, parameters).fetchall()

    def icaos(self, sql: str, *parameters: Any) -> list[str]:
        return [row[0] for row in self.rows(sql, *parameters)]

    def one_read(self) -> tuple[str, Any, Any]:
        """A random Store call: its name, our answer and raw sqlite3's."""
        found: Any  # each call answers in its own shape
        choose = self.chooser.choice
        airports, countries = AirportStore(self.graph), CountryStore(self.graph)
        icao, code = choose(self.keys["icao"]), choose(self.keys["country"])
        select_airport = f"SELECT {', '.join(AIRPORT_COLUMNS)} FROM airports"
        kind = self.chooser.randrange(10)
        if kind == 0:
            airport = airports.get(icao)
            raw = self.rows(f"{select_airport} WHERE icao = ?", icao)
            code = airport.country_code
            country = self.rows("SELECT name FROM countries WHERE alpha_2 = ?", code)[0][0]
            ours = values(airport, AIRPORT_COLUMNS), airport.country.name
            return "get", ours, (raw[0], country)
        if kind == 1:
            wanted = [choose(self.keys["icao"]) for _ in range(20)] + ["ZZZZ"]
            found = [airport.icao for airport in airports.get_many(wanted)]
            present = set(
                self.icaos(
                    f"SELECT icao FROM airports WHERE icao IN ({', '.join('?' * len(wanted))})",
                    *wanted,
                )
            )
            return "get_many", found, [each for each in wanted if each in present]
        if kind == 2:
            found = [airport.icao for airport in airports.search(country_code=code)]
            raw_icaos = self.icaos(
                "SELECT icao FROM airports WHERE country_code = ? ORDER BY icao", code
            )
            return "search", found, raw_icaos
        if kind == 3:
            offset, limit = self.chooser.randrange(20), self.chooser.randrange(1, 30)
            found = [
                values(airport, AIRPORT_COLUMNS)
                for airport in airports.search(
                    offset=offset, limit=limit, order_by="-elevation_ft", country_code=code
                )
            ]
            raw = self.rows(
                f"{select_airport} WHERE country_code = ?"
                " ORDER BY elevation_ft DESC, icao LIMIT ? OFFSET ?",
                code,
                limit,
                offset,
            )
            return "search ordered", found, raw
        if kind == 4:
            elevation = self.chooser.randrange(-100, 10_000)
            return (
                "count",
                airports.count(min_elevation_ft=elevation, country_code=code),
                self.rows(
                    "SELECT count(*) FROM airports WHERE elevation_ft >= ? AND country_code = ?",
                    elevation,
                    code,
                )[0][0],
            )
        if kind == 5:
            city = choose(self.keys["city"])
            raw_exists = bool(self.rows("SELECT 1 FROM airports WHERE city = ? LIMIT 1", city))
            return "exists", airports.exists(city=city), raw_exists
        if kind == 6:
            first = airports.first(country_code=code)
            raw_first = self.icaos(
                "SELECT icao FROM airports WHERE country_code = ? ORDER BY icao LIMIT 1", code
            )
            return "first", [first.icao] if first else [], raw_first
        if kind == 7:
            found = [airport.icao for airport in airports.iterate(country_code=code)]
            return (
                "iterate",
                found,
                self.icaos("SELECT icao FROM airports WHERE country_code = ? ORDER BY icao", code),
            )
        if kind == 8:
            try:
                found = values(countries.get(code), COUNTRY_COLUMNS)
            except ModelNotFoundError:
                found = None
            raw = self.rows(
                f"SELECT {', '.join(COUNTRY_COLUMNS)} FROM countries WHERE alpha_2 = ?", code
            )
            return "country get", found, tuple(raw[0]) if raw else None
        counts = [tuple(row) for row in airports.count_by_country(limit=5)]
        raw = self.rows(
            "SELECT c.alpha_2, c.name, count(a.icao) FROM airports a"
            " JOIN countries c ON a.country_code = c.alpha_2"
            " GROUP BY c.alpha_2, c.name ORDER BY count(a.icao) DESC, c.alpha_2 LIMIT 5"
        )
        return "count_by_country", counts, [tuple(row) for row in raw]

    def run(self, until: float, tally: Tally) -> None:
        ops = errors = mismatches = 0
        details: list[str] = []
        while time.monotonic() < until:
            ops += 1
            try:
                name, ours, raw = self.one_read()
            except Exception:
                errors += 1
                details.append(traceback.format_exc())
                continue
            if normalized(ours) != normalized(raw):
                mismatches += 1
                details.append(f"{name}: ours {ours!r}, raw sqlite3 {raw!r}")
        self.raw.close()
        tally.add(ops, errors, mismatches, details)


def normalized(value: Any) -> Any:
    """Lists and tuples alike, booleans as SQLite stores them."""
    if isinstance(value, list | tuple):
        return [normalized(each) for each in value]
    if isinstance(value, bool):
        return int(value)
    return value


def sample_keys(path: Path) -> dict[str, list[Any]]:
    """Keys to read: every airport, every country code (and a missing one), some cities."""
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True) as raw:
        icaos = [row[0] for row in raw.execute("SELECT icao FROM airports")]
        countries = [row[0] for row in raw.execute("SELECT alpha_2 FROM countries")] + ["XX"]
        cities = [
            row[0]
            for row in raw.execute("SELECT DISTINCT city FROM airports WHERE city IS NOT NULL")
        ] + ["Nowhere"]
    raw.close()
    return {"icao": icaos, "country": countries, "city": cities}


def process_figures() -> dict[str, int]:
    """This process's resident memory (KiB), open file descriptors, and those of replaced files."""
    gc.collect()  # connections of threads that ended are closed when their reads are collected
    rss = 0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    targets = []
    for entry in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own descriptor is gone by now
            targets.append(os.readlink(f"/proc/self/fd/{entry}"))
    deleted = sum(target.endswith(" (deleted)") for target in targets)
    return {"rss_kib": rss, "fds": len(targets), "replaced_fds": deleted}


def read_in_threads(
    graph: Any, path: Path, threads: int, seconds: float, seed: int, keys: dict[str, list[Any]]
) -> Tally:
    tally = Tally()
    until = time.monotonic() + seconds
    workers = [
        threading.Thread(
            target=Reader(graph, path, seed * 1000 + index, keys).run, args=(until, tally)
        )
        for index in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return tally


def replace_now_and_then(path: Path, source: Path, every: float, until: float) -> int:
    """Renames a fresh copy of the artifact over the path every so often; how many times."""
    replaced = 0
    while time.monotonic() + every < until:
        time.sleep(every)
        following = path.with_name(f"{path.name}.next")
        shutil.copyfile(source, following)
        os.replace(following, path)
        replaced += 1
    return replaced


def fork_child(run: Callable[[], dict[str, Any]]) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        status = 0
        try:
            report = run()
        except BaseException:
            report, status = {"crash": traceback.format_exc()}, 1
        os.write(write_end, json.dumps(report).encode())
        os._exit(status)
    os.close(write_end)
    return pid, read_end


def collect(pid: int, read_end: int) -> dict[str, Any]:
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    report: dict[str, Any] = json.loads(data) if data else {"crash": "no report"}
    report["exit"] = os.waitstatus_to_exitcode(status)
    return report


def summary(tally: Tally) -> dict[str, Any]:
    return {
        "ops": tally.ops,
        "errors": tally.errors,
        "mismatches": tally.mismatches,
        "details": tally.details,
        **process_figures(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, default=16, help="reading threads per process")
    parser.add_argument("--processes", type=int, default=4, help="forked reading processes")
    parser.add_argument(
        "--replace-every",
        type=float,
        default=5.0,
        help="seconds between renames of a fresh copy over the artifact (0: never)",
    )
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="soak-") as folder:
        loader = load_from_dict(sqlite=dict(read_only=True))
        graph: Any = create_object_graph("soak", testing=True, loader=loader)
        source = Path(graph.sqlite[DATASET])
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        path = Path(folder) / "airports.sqlite"
        shutil.copyfile(source, path)
        keys = sample_keys(path)
        graph = create_object_graph(
            "soak",
            testing=True,
            loader=load_from_dict(
                sqlite=dict(paths={DATASET: str(path)}, replacement_check_seconds=0.5)
            ),
        )
        # the parent reads before forking, as a pre-fork server does
        Reader(graph, path, options.seed, keys).run(time.monotonic() + 0.5, Tally())
        before = process_figures()
        until = time.monotonic() + options.seconds
        children = [
            fork_child(
                lambda index=index: summary(  # type: ignore[misc]
                    read_in_threads(
                        graph, path, 1, until - time.monotonic(), options.seed + index + 1, keys
                    )
                )
            )
            for index in range(options.processes)
        ]
        replaced = [0]
        if options.replace_every > 0:
            replacer = threading.Thread(
                target=lambda: replaced.__setitem__(
                    0, replace_now_and_then(path, source, options.replace_every, until)
                )
            )
            replacer.start()
        parent = summary(
            read_in_threads(
                graph, path, options.threads, until - time.monotonic(), options.seed, keys
            )
        )
        if options.replace_every > 0:
            replacer.join()
        reports = [collect(pid, read_end) for pid, read_end in children]
        dispose_sqlite_connections(graph)
        unchanged = {hashlib.sha256(each.read_bytes()).hexdigest() for each in (path, source)} == {
            digest
        }

    processes = [("parent", parent), *((f"child {n}", r) for n, r in enumerate(reports, 1))]
    print(
        f"soak: {options.seconds:g} s, {options.threads} threads + {options.processes} forked"
        f" processes, artifact replaced {replaced[0]} times"
    )
    for name, report in processes:
        if "crash" in report:
            print(f"  {name}: crashed\n{report['crash']}")
            continue
        print(
            f"  {name}: {report['ops']} ops, {report['errors']} errors,"
            f" {report['mismatches']} mismatches, RSS {report['rss_kib'] / 1024:.1f} MiB,"
            f" {report['fds']} open fds ({report['replaced_fds']} on replaced files)"
        )
        for detail in report["details"]:
            print(textwrap_indent(detail))
    print(f"  parent before the run: RSS {before['rss_kib'] / 1024:.1f} MiB, {before['fds']} fds")
    total = {
        key: sum(report.get(key, 0) for _, report in processes)
        for key in ("ops", "errors", "mismatches")
    }
    print(
        f"total: {total['ops']} ops, {total['errors']} errors, {total['mismatches']} mismatches;"
        f" artifact {'unchanged' if unchanged else 'CHANGED'}"
    )
    failed = (
        not total["ops"]
        or total["errors"]
        or total["mismatches"]
        or not unchanged
        or any("crash" in report or report.get("exit") for report in reports)
    )
    return 1 if failed else 0


def textwrap_indent(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.rstrip().splitlines()).rstrip("\n")


if __name__ == "__main__":
    sys.exit(main())
