"""
The pytest plugin, registered through the `pytest11` entry point: installing the library makes
its fixtures available to every test suite, with no conftest.

- `sqlite_artifact(Base, rows)` or `sqlite_artifact(Base, source_dir=...)`: a temporary,
  read-only artifact built as `build_from_rows` or `microcosm-sqlite build` would build it
  (the same validation, so bad test data fails the test with the build's problems).
- `sqlite_graph(Base, rows)` (or `source_dir=...`, or `artifact=...`): a microcosm graph in
  which the data set's name points at that artifact, read-only as in production. Its
  connections are closed when the test ends.

    def test_cities(sqlite_graph):
        graph = sqlite_graph(Base, {"country": [...], "city": [...]})
        assert CityStore(graph).get(3).name == "Tokyo"

Nothing heavy is imported until a fixture is used, so the plugin costs other tests nothing.

"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

__all__ = ["sqlite_artifact", "sqlite_graph"]

Rows = Mapping[str, Iterable[Mapping[str, Any]]]
ArtifactFactory = Callable[..., Path]
GraphFactory = Callable[..., Any]
# permissions of a test's artifact: readable, never written
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
# the build's own default (`build_from_rows`, `build_artifact`)
DEFAULT_MAX_ERRORS = 20


@pytest.fixture
def sqlite_artifact(tmp_path_factory: pytest.TempPathFactory) -> ArtifactFactory:
    """
    Builds a read-only artifact for this test, from rows or a source directory; returns its path.

        path = sqlite_artifact(Base, {"country": [{"code": "FR", "name": "France"}]})
        path = sqlite_artifact(Base, source_dir="tests/data/reference")
        path = sqlite_artifact(Base, {"country": [...]}, allow_missing=True)

    `allow_missing`, `ignore_unknown_columns` and `max_errors` are the build's
    (`build_from_rows`, `build_artifact`). Bad rows raise `BuildError`, whose message lists the
    first problems.

    """

    def build(
        base: type[Any],
        rows: Rows | None = None,
        *,
        source_dir: str | os.PathLike[str] | None = None,
        allow_missing: bool = False,
        ignore_unknown_columns: bool = False,
        max_errors: int = DEFAULT_MAX_ERRORS,
    ) -> Path:
        # a failure points at the test's line, not at the plugin's
        __tracebackhide__ = True
        from microcosm_sqlite.building import build_artifact, build_from_rows

        if (rows is None) == (source_dir is None):
            raise TypeError("sqlite_artifact takes rows or source_dir=, one of the two")
        dataset: str = base.__dataset__
        output = tmp_path_factory.mktemp(f"sqlite-{dataset}") / f"{dataset}.sqlite"
        options: dict[str, Any] = dict(
            allow_missing=allow_missing,
            ignore_unknown_columns=ignore_unknown_columns,
            max_errors=max_errors,
        )
        if rows is not None:
            build_from_rows(base, rows, output, **options)
        else:
            assert source_dir is not None
            build_artifact(base, source_dir, output, **options)
        output.chmod(READ_ONLY)
        return output

    return build


@pytest.fixture
def sqlite_graph(sqlite_artifact: ArtifactFactory) -> Iterator[GraphFactory]:
    """
    A microcosm graph whose data set reads an artifact built for this test.

        graph = sqlite_graph(Base, rows)                    # or source_dir=..., or artifact=...
        graph = sqlite_graph(Base, rows, allow_missing=True)   # tables without rows are empty
        graph = sqlite_graph(Base, rows, name="app", config=dict(my_component=dict(...)))

    The build takes `sqlite_artifact`'s options (`allow_missing`, `ignore_unknown_columns`,
    `max_errors`); the graph `create_object_graph`'s `name` (default "test"), and its config:
    `paths={name: path}` adds other data sets, `sqlite={...}` other `sqlite` config (such as
    `fast_path=False`), `config` other sections. The graph's connections close at teardown.

    """
    graphs: list[Any] = []

    def create(
        base: type[Any],
        rows: Rows | None = None,
        *,
        source_dir: str | os.PathLike[str] | None = None,
        artifact: str | os.PathLike[str] | None = None,
        allow_missing: bool = False,
        ignore_unknown_columns: bool = False,
        max_errors: int = DEFAULT_MAX_ERRORS,
        paths: Mapping[str, str | os.PathLike[str]] | None = None,
        name: str = "test",
        sqlite: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> Any:
        __tracebackhide__ = True
        from microcosm.api import create_object_graph, load_from_dict

        if artifact is None:
            artifact = sqlite_artifact(
                base,
                rows,
                source_dir=source_dir,
                allow_missing=allow_missing,
                ignore_unknown_columns=ignore_unknown_columns,
                max_errors=max_errors,
            )
        elif rows is not None or source_dir is not None:
            raise TypeError("sqlite_graph takes rows, source_dir= or artifact=, one of them")
        elif allow_missing or ignore_unknown_columns or max_errors != DEFAULT_MAX_ERRORS:
            raise TypeError(
                "sqlite_graph's build options go with rows or source_dir=, not artifact="
            )
        all_paths = {base.__dataset__: os.fspath(artifact)}
        all_paths.update({key: os.fspath(value) for key, value in (paths or {}).items()})
        section = {**(sqlite or {}), "paths": all_paths}
        graph = create_object_graph(
            name, testing=True, loader=load_from_dict({**(config or {}), "sqlite": section})
        )
        graphs.append(graph)
        return graph

    yield create

    from microcosm_sqlite.dispose import dispose_sqlite_connections

    for graph in graphs:
        dispose_sqlite_connections(graph)
