"""
Damaged artifacts: copies of a real build truncated, or with bytes flipped in the header or in
the pages, opened and read through every Store call. Each call answers or raises an
`SQLiteError`; never a raw exception, a crash or a hang.

The cases run in a child process (this file run as a script), so a hang or a crash in SQLite
fails the test naming the case, instead of stopping the suite. Seeds are fixed: `make test` runs
`FUZZ_CASES` cases per artifact (a modest default), `make fuzz` many more.

"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

CASES = int(os.environ.get("FUZZ_CASES", "40"))
SEED = int(os.environ.get("FUZZ_SEED", "0"))
# seconds a case may take before the child counts as hung
CASE_SECONDS = 10
HEADER_SIZE = 100


def damage(data: bytes, chooser: random.Random) -> tuple[str, bytes]:
    """One damaged copy, and what was done to it."""
    size = len(data)
    page_size = int.from_bytes(data[16:18], "big") or 65536
    kind = chooser.choice(["truncate", "header", "pages", "pages", "both"])
    if kind == "truncate":
        offset = chooser.choice(
            [
                0,
                HEADER_SIZE - 1,
                HEADER_SIZE,
                page_size,
                page_size + 1,
                size - 1,
                *(chooser.randrange(size) for _ in range(4)),
            ]
        )
        return f"truncated at {offset}", data[:offset]
    damaged = bytearray(data)
    flips = []
    spans = {"header": [(0, HEADER_SIZE)], "pages": [(HEADER_SIZE, size)]}
    spans["both"] = spans["header"] + spans["pages"]
    for start, end in spans[kind]:
        for _ in range(chooser.choice([1, 1, 2, 8, 64]) if end - start > HEADER_SIZE else 1):
            offset = chooser.randrange(start, end)
            damaged[offset] ^= chooser.randrange(1, 256)
            flips.append(offset)
    return f"{kind}: bytes flipped at {sorted(flips)}", bytes(damaged)


def store_calls(stores: dict[str, Any]) -> Iterator[tuple[str, Callable[[], Any]]]:
    """Every Store call on every store, with keys that exist in the undamaged data."""
    for name, (store, key, keys) in stores.items():
        yield from calls_of(name, store, key, keys)


def calls_of(
    name: str, store: Any, key: Any, keys: list[Any]
) -> Iterator[tuple[str, Callable[[], Any]]]:
    """Every call on one store (a scope of its own, so each call binds this store)."""
    yield f"{name}.get", lambda: store.get(key)
    yield f"{name}.get_many", lambda: store.get_many(keys)
    yield f"{name}.search", lambda: store.search()
    yield f"{name}.search(limit)", lambda: store.search(offset=1, limit=3)
    yield f"{name}.count", lambda: store.count()
    yield f"{name}.first", lambda: store.first()
    yield f"{name}.exists", lambda: store.exists()
    yield f"{name}.iterate", lambda: list(store.iterate())
    # every column of every instance, relationships included
    yield f"{name}.values", lambda: [repr(vars(instance)) for instance in store.search()]


def runtime_stores(graph: Any) -> dict[str, Any]:
    from fixtures.runtime import CityStore, CountryStore, RouteStore

    return {
        "CityStore": (CityStore(graph), 3, [1, 2, 59]),
        "CountryStore": (CountryStore(graph), "FR", ["DE", "US"]),
        "RouteStore": (RouteStore(graph), ("AMS", "CDG"), [("FRA", "JFK")]),
        "relationship": (CityStore(graph), 4, [5]),
    }


def library_stores(graph: Any) -> dict[str, Any]:
    from fixtures.library import AuthorStore, BookStore

    return {
        "AuthorStore": (AuthorStore(graph), 1, [1, 2]),
        "BookStore": (BookStore(graph), "9780141182803", ["9780141182803"]),
    }


STORES = {"runtime": runtime_stores, "library": library_stores}


def run_case(source: bytes, dataset: str, case: int, folder: Path, fast_path: bool) -> list[str]:
    """Reads a damaged copy every way; the raw exceptions it met (none, when all is well)."""
    from microcosm.api import create_object_graph, load_from_dict

    from microcosm_sqlite import dispose_sqlite_connections
    from microcosm_sqlite.errors import SQLiteError

    chooser = random.Random(f"{SEED}:{dataset}:{case}")
    done, data = damage(source, chooser)
    path = folder / f"{dataset}-{case}.sqlite"
    path.write_bytes(data)
    graph = create_object_graph(
        "fuzz",
        testing=True,
        loader=load_from_dict(sqlite=dict(paths={dataset: str(path)}, fast_path=fast_path)),
    )
    raw: list[str] = []
    try:
        for call, read in store_calls(STORES[dataset](graph)):
            try:
                read()
            except SQLiteError:
                pass
            except Exception as error:
                raw.append(f"{call} on a copy {done}: {type(error).__name__}: {error}")
                traceback.print_exc()
    finally:
        dispose_sqlite_connections(graph)
        path.unlink()
    return raw


def main(artifact: str, dataset: str, fast_path: bool) -> None:
    """The child: one JSON line as each case starts, and one with what it found."""
    import warnings

    warnings.simplefilter("error")
    # as setup.cfg's filterwarnings: microcosm-flask's stack warns about its own dependencies
    for module in ("microcosm_flask", "marshmallow", "openapi"):
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=f"{module}.*")
    source = Path(artifact).read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        for case in range(CASES):
            print(json.dumps({"start": case}), flush=True)
            raw = run_case(source, dataset, case, Path(folder), fast_path)
            print(json.dumps({"case": case, "raw": raw}), flush=True)


def fuzz(artifact: Path, dataset: str, fast_path: bool) -> None:
    """Runs the cases in a child and fails on any raw exception, crash or hang."""
    tests = Path(__file__).parents[1]
    try:
        result = subprocess.run(
            [sys.executable, __file__, str(artifact), dataset, str(fast_path)],
            capture_output=True,
            text=True,
            timeout=CASE_SECONDS * CASES + 30,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tests), *sys.path])},
        )
        output, errors, code = result.stdout, result.stderr, result.returncode
    except subprocess.TimeoutExpired as expired:
        output = (expired.stdout or b"").decode() if isinstance(expired.stdout, bytes) else ""
        errors, code = "hung", -1
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    started = [line["start"] for line in lines if "start" in line]
    found = [raw for line in lines for raw in line.get("raw", [])]
    assert found == [], "\n".join(found) + "\n" + errors[-4000:]
    assert code == 0, f"the child died or hung in case {started[-1:]}: {errors[-4000:]}"
    assert len(started) == CASES


def test_damaged_runtime_artifacts_answer_or_raise_sqlite_errors(
    artifact: Path, read_path: str
) -> None:
    """Truncated or bit-flipped copies of the runtime artifact never give a raw error or hang."""
    fuzz(artifact, "runtime", read_path == "fast")


def test_damaged_library_artifacts_answer_or_raise_sqlite_errors(
    built: Path, read_path: str
) -> None:
    """Copies of the library build (dates, JSON, enums, decimals) damaged: the same holds."""
    fuzz(built, "library", read_path == "fast")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] == "True")
