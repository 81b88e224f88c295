"""
The graph components: the `sqlite` bind factory as microcosm finds it, its defaults and their
ranges, the components of `microcosm_sqlite.components`, and the logging component.

"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from fixtures.runtime import Base, CityStore
from microcosm.api import create_object_graph, load_from_dict

from microcosm_sqlite.components.builder import SQLiteBuilder
from microcosm_sqlite.components.dumper import SQLiteDumper
from microcosm_sqlite.engines import DataSetEngine, ReadOnlyEngine, WritableEngine
from microcosm_sqlite.errors import ConfigurationError, ReadOnlyDataSetError
from microcosm_sqlite.factories import SQLiteBindFactory, configure_sqlite
from microcosm_sqlite.paths import ENTRY_POINT_GROUP
from microcosm_sqlite.reading import FastReadSession


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The logging component configures the root logger; put it back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_sqlite_factory_is_registered_for_microcosm() -> None:
    """microcosm finds `sqlite` through the microcosm.factories entry point group."""
    (entry_point,) = [ep for ep in entry_points(group="microcosm.factories") if ep.name == "sqlite"]
    assert entry_point.load() is configure_sqlite
    assert ENTRY_POINT_GROUP == "microcosm.sqlite"


def test_components_are_registered_and_give_the_core_classes(make_graph: Any) -> None:
    """sqlite_builder and sqlite_dumper come from microcosm_sqlite.components, as core classes."""
    found = {
        entry_point.name: entry_point.value
        for entry_point in entry_points(group="microcosm.factories")
        if entry_point.name.startswith("sqlite_")
    }
    assert found == {
        "sqlite_builder": "microcosm_sqlite.components.factories:configure_sqlite_builder",
        "sqlite_dumper": "microcosm_sqlite.components.factories:configure_sqlite_dumper",
        "sqlite_health": "microcosm_sqlite.components.health:configure_sqlite_health",
    }
    graph = make_graph()
    assert type(graph.sqlite_builder) is SQLiteBuilder
    assert type(graph.sqlite_dumper) is SQLiteDumper


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("cache_size_kib", -5, "a whole number, 0 or more"),
        ("fulltext_cache_size_kib", -1, "a whole number, 0 or more"),
        ("mmap_size", -1, "a whole number, 0 or more"),
        ("instance_cache_size", -1, "a whole number, 0 or more"),
        ("replacement_check_seconds", -0.5, "a number, 0 or more"),
        ("download_timeout_seconds", 0, "a number, more than 0"),
        ("download_attempts", 0, "a whole number, 1 or more"),
        ("cache_size_kib", "-5", "a whole number, 0 or more"),
    ],
)
def test_out_of_range_config_is_an_error_naming_the_key(
    key: str, value: Any, expected: str
) -> None:
    """A value out of range fails when the component is built, naming the key and the range."""
    graph = create_object_graph("ranges", loader=load_from_dict(sqlite={key: value}))
    with pytest.raises(ConfigurationError) as caught:
        graph.sqlite  # noqa: B018
    assert caught.value.key == f"sqlite.{key}"
    assert str(caught.value).startswith(f"config sqlite.{key} is ")
    assert str(caught.value).endswith(f"it must be {expected}")


@pytest.mark.parametrize("value", [0, -3])
def test_builder_max_errors_below_one_is_an_error(value: int) -> None:
    """sqlite_builder.max_errors under 1 fails when the builder is built, naming the key."""
    graph = create_object_graph(
        "ranges", loader=load_from_dict(sqlite_builder=dict(max_errors=value))
    )
    with pytest.raises(ConfigurationError, match=r"sqlite_builder\.max_errors"):
        graph.sqlite_builder  # noqa: B018


def test_the_edges_of_the_ranges_are_accepted(make_graph: Any, artifact: Path) -> None:
    """0 turns caches and mmap off and makes every call look for a replacement; reads work."""
    graph = make_graph(
        {"runtime": str(artifact)},
        cache_size_kib=0,
        mmap_size=0,
        instance_cache_size=0,
        replacement_check_seconds=0,
        download_attempts=1,
        download_timeout_seconds=0.5,
    )
    assert CityStore(graph).get(1).id == 1


def test_defaults_are_safe(make_graph: Any) -> None:
    """With no config: read-only, immutable, foreign keys on, no paths, in-memory fallback."""
    graph = make_graph()
    config = graph.config.sqlite
    assert config.read_only is True
    assert config.immutable is True
    assert config.use_foreign_keys is True
    assert config.echo is False
    assert config.mmap_size == 0
    assert dict(config.paths) == {}
    assert config.path == ":memory:"
    assert isinstance(graph.sqlite, SQLiteBindFactory)


def test_read_only_accepts_environment_spellings(make_graph: Any) -> None:
    """read_only given as text, as environment config gives it, converts to a boolean."""
    assert make_graph(read_only="false").sqlite.options.read_only is False
    assert make_graph(read_only="true").sqlite.options.read_only is True


def test_calling_the_factory_gives_one_engine_per_name(graph: Any, artifact: Path) -> None:
    """graph.sqlite(name) gives the data set's engine and session maker, the same each time."""
    engine = graph.sqlite("runtime")
    assert isinstance(engine, DataSetEngine)
    assert engine is graph.sqlite("runtime") is Base.engine_for(graph)
    assert (engine.dataset, engine.path, engine.read_only) == ("runtime", str(artifact), True)
    session = engine.sessionmaker()
    try:
        assert session.bind is engine.engine
    finally:
        session.close()


def test_the_engine_class_is_chosen_once_by_the_config(
    make_graph: Any, artifact: Path, tmp_path: Path, fast_read_path: None
) -> None:
    """Read-only config gives a ReadOnlyEngine (fast, refusing writes); false a WritableEngine."""
    reader = make_graph(paths=dict(runtime=str(artifact))).sqlite("runtime")
    assert type(reader) is ReadOnlyEngine
    assert (reader.read_only, reader.fast_path, reader.follows_replacements) == (True, True, True)
    with pytest.raises(ReadOnlyDataSetError, match="cannot write rows: the data set is read-only"):
        reader.refuse_write("write rows")

    writer = make_graph(read_only=False, paths=dict(runtime=str(tmp_path / "new.sqlite")))
    engine = writer.sqlite("runtime")
    assert type(engine) is WritableEngine
    assert not (engine.read_only or engine.fast_path or engine.follows_replacements)
    engine.refuse_write("write rows")  # nothing to refuse
    assert engine.version is None
    assert not isinstance(engine.new_session(), FastReadSession)
    assert isinstance(reader.new_session(), FastReadSession)


def test_the_logging_component_builds(make_graph: Any, restore_logging: None) -> None:
    """graph.use("logging") and graph.logger work (guards the python-json-logger pin)."""
    graph = make_graph()
    graph.use("logging")
    assert isinstance(graph.logger, logging.Logger)
    graph.logger.info("logging works")


def test_reads_work_with_the_logging_component_in_use(
    graph: Any, restore_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    """With the logging component configured, reads work and the resolution is logged."""
    graph.use("logging")
    # configuring logging replaced the root logger's handlers, caplog's among them
    logging.getLogger().addHandler(caplog.handler)
    assert CityStore(graph).get(1).name == "city-001"
    assert [record.name for record in caplog.records] == ["SQLiteBindFactory"]
    assert "resolved to" in caplog.records[0].getMessage()
