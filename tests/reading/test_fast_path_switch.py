"""
The fast path only where it is on: models stay plain SQLAlchemy models until a fast engine reads
them, so with the fast path off no instance meets this library's state class or its lock.

"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).parents[1]

# Constructs and reads models in a fresh process and prints what it saw, as JSON.
SCRIPT = """
import json, sys, threading
from inspect import getattr_static
from microcosm.api import create_object_graph, load_from_dict
from sqlalchemy import inspect
from microcosm_sqlite._sqla_internals import STATE_ATTR
from microcosm_sqlite.reading import sessions
from fixtures.runtime import City, CityStore


class CountingLock:
    def __init__(self):
        self.lock, self.taken = threading.RLock(), 0

    def __enter__(self):
        self.taken += 1
        return self.lock.__enter__()

    def __exit__(self, *exc):
        return self.lock.__exit__(*exc)


sessions.ATTACHING = counting = CountingLock()


def descriptor():
    return type(getattr_static(City, STATE_ATTR, None)).__name__


declared = descriptor()
made = [City(id=index, name="x", country_code="FR", population=1) for index in range(1000)]
constructed = counting.taken
graph = create_object_graph(
    "switch-test", testing=True,
    loader=load_from_dict(sqlite=dict(paths=dict(runtime=sys.argv[1]), fast_path=sys.argv[2])),
)
store = CityStore(graph)
cities = store.search()
read = [store.get(3), *cities, cities[0].country, *cities[0].country.cities]
print(json.dumps(dict(
    fast=graph.sqlite("runtime").fast_path,
    declared=declared,
    after=descriptor(),
    constructed=constructed,
    taken=counting.taken,
    states=sorted({type(inspect(instance)).__name__ for instance in read + made}),
    own_states=all(STATE_ATTR in vars(instance) for instance in read + made),
)))
"""


def run(artifact: Path, fast_path: str, **env: str) -> dict[str, Any]:
    """What a fresh process constructing and reading models saw."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(artifact), fast_path],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(TESTS), **env},
    )
    assert result.returncode == 0, result.stderr
    seen: dict[str, Any] = json.loads(result.stdout)
    return seen


@pytest.mark.parametrize(
    ("fast_path", "env"),
    [
        ("false", {}),
        ("true", {"MICROCOSM_SQLITE_FAST_PATH": "0"}),
        ("false", {"MICROCOSM_SQLITE_FAST_PATH": "0"}),
    ],
    ids=["config", "environment", "both"],
)
def test_with_the_fast_path_off_models_stay_plain(
    artifact: Path, fast_path: str, env: dict[str, str], fast_read_path: None
) -> None:
    """
    Off by config or by the environment, no model gets the library's state descriptor, every
    instance holds an ORM state of its own, and constructing a thousand takes no lock.

    """
    seen = run(artifact, fast_path, **env)
    assert seen["fast"] is False
    assert seen["declared"] == seen["after"] == "NoneType"
    assert seen["states"] == ["InstanceState"] and seen["own_states"] is True
    assert seen["constructed"] == seen["taken"] == 0


def test_the_descriptor_arrives_with_the_first_fast_read(
    artifact: Path, fast_read_path: None
) -> None:
    """
    On, the base gets its descriptor when a fast engine first reads a model, not when it is
    declared; constructing models takes no lock even then, only building a fast read's state.

    """
    seen = run(artifact, "true")
    assert seen["fast"] is True
    assert (seen["declared"], seen["after"]) == ("NoneType", "DeferredState")
    assert seen["constructed"] == 0
    assert seen["taken"] > 0
    assert seen["states"] == ["InstanceState"]
