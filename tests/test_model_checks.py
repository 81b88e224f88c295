"""
The checks a file passes before a model is read from it (`engines._model_checks`): at first use,
and again, for every model read so far, before any read of a new file renamed over the path.

"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fixtures.runtime import CityStore, CountryStore, RouteStore, sample_rows
from fixtures.tools import alter

from microcosm_sqlite.errors import SchemaMismatchError, SQLiteError, UntrustedArtifactError


def stale(path: Path) -> Path:
    """A copy of the artifact whose city table lost a column the model maps."""
    copy = Path(shutil.copy(path, path.with_name("stale.tmp")))
    return alter(copy, "ALTER TABLE city DROP COLUMN population")


def city_view(path: Path) -> Path:
    """A copy of the artifact where a view stands in the city table's place."""
    copy = Path(shutil.copy(path, path.with_name("view.tmp")))
    return alter(
        copy,
        "PRAGMA foreign_keys = OFF",
        "ALTER TABLE city RENAME TO city_data",
        "CREATE VIEW city AS SELECT * FROM city_data",
    )


def city_virtual_table(path: Path) -> Path:
    """A copy of the artifact where an FTS5 virtual table stands in the city table's place."""
    copy = Path(shutil.copy(path, path.with_name("virtual.tmp")))
    return alter(
        copy,
        "PRAGMA foreign_keys = OFF",
        "DROP TABLE city",
        "CREATE VIRTUAL TABLE city USING fts5(id, name, country_code, population)",
    )


UNFIT: dict[str, tuple[Callable[[Path], Path], type[SQLiteError], str]] = {
    "a column missing": (stale, SchemaMismatchError, "column population is missing"),
    "a view": (city_view, UntrustedArtifactError, "a view city stands where City's table"),
    "a virtual table": (
        city_virtual_table,
        UntrustedArtifactError,
        "a virtual table city stands where City's table",
    ),
}


@pytest.mark.parametrize(("unfit", "error", "said"), list(UNFIT.values()), ids=list(UNFIT))
def test_a_file_that_does_not_fit_fails_at_first_use(
    make_graph: Any,
    artifact: Path,
    unfit: Callable[[Path], Path],
    error: type[SQLiteError],
    said: str,
) -> None:
    """A model whose table is missing a column, or is a view or virtual table, is never read."""
    graph = make_graph({"runtime": str(unfit(artifact))})
    with pytest.raises(error, match=said):
        CityStore(graph).get(1)
    # the data set's other models fit, and read
    assert CountryStore(graph).get("FR").name == "France"


@pytest.mark.parametrize(("unfit", "error", "said"), list(UNFIT.values()), ids=list(UNFIT))
def test_a_replacement_is_checked_against_the_models_before_any_read_of_it(
    make_graph: Any,
    build: Any,
    artifact: Path,
    data_dir: Path,
    unfit: Callable[[Path], Path],
    error: type[SQLiteError],
    said: str,
) -> None:
    """
    A file renamed over the path that does not fit a model read so far fails every read with
    that model's error (never "no such column", never rows from a view), until a good one comes.

    """
    graph = make_graph({"runtime": str(artifact)}, replacement_check_seconds=0)
    cities, countries = CityStore(graph), CountryStore(graph)
    assert cities.get(1).name == "city-001"
    assert countries.get("FR").name == "France"

    os.replace(unfit(artifact), artifact)
    reads: list[Callable[[], object]] = [
        lambda: cities.get(1),
        lambda: cities.search(limit=3),
        lambda: cities.count(),
        lambda: countries.get("FR"),
        lambda: CityStore(graph).first(),
        lambda: RouteStore(graph).count(),
    ]
    for read in reads:
        with pytest.raises(error, match=said):
            read()

    good = build(data_dir / "next.sqlite", rows=sample_rows(" v2"))
    os.replace(good, artifact)
    assert countries.get("FR").name == "France v2"
    assert cities.get(1).country.name == "Germany v2"
    assert RouteStore(graph).count() > 0


def test_a_model_first_read_after_a_replacement_is_checked_against_the_new_file(
    make_graph: Any, artifact: Path
) -> None:
    """A model no call read before the switch is checked at its first read, on the new file."""
    graph = make_graph({"runtime": str(artifact)}, replacement_check_seconds=0)
    assert CountryStore(graph).get("FR").name == "France"
    os.replace(stale(artifact), artifact)
    assert CountryStore(graph).get("FR").name == "France"
    with pytest.raises(SchemaMismatchError, match="column population is missing"):
        CityStore(graph).get(1)
