"""
Startup and health checks: every data set a service uses, resolved, opened and compared with its
models before the first request needs it.

`graph.sqlite.check()` raises one `DataSetCheckError` listing every problem. The `sqlite_health`
component adds one check per data set to microcosm-flask's `/api/health`, so a missing or stale
artifact makes health fail with the data set named, instead of answering 200 while every data
endpoint answers 500.

"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from microcosm.api import defaults, typed
from microcosm.config.types import comma_separated_list

from microcosm_sqlite.dataset import DataSetBase
from microcosm_sqlite.errors import DataSetCheckError, SQLiteError

if TYPE_CHECKING:
    from microcosm_sqlite.factories import SQLiteBindFactory

# how a data set's check is named in /api/health
CHECK_PREFIX = "sqlite."


def models_of(name: str) -> list[type[Any]]:
    """The mapped classes of every data set base named `name` defined in this process."""
    return [
        mapper.class_
        for base in DataSetBase.__subclasses__()
        if getattr(base, "__dataset__", None) == name and hasattr(base, "registry")
        for mapper in base.registry.mappers
    ]


def names_in_use(factory: SQLiteBindFactory) -> list[str]:
    """The data sets this process uses: those its models declare, and those config names."""
    declared = {
        base.__dataset__
        for base in DataSetBase.__subclasses__()
        if hasattr(base, "registry") and base.registry.mappers
    }
    return sorted(declared | set(factory.resolver.configured))


def check_one(factory: SQLiteBindFactory, name: str) -> str:
    """Open one data set read-only and compare it with its models; a line saying what holds."""
    engine = factory(name)
    if engine.read_only:
        for model in models_of(name):
            engine.check_model(model)
    return f"{engine.path} (from {engine.resolved.origin})"


def check_data_sets(factory: SQLiteBindFactory, names: Iterable[str] = ()) -> dict[str, str]:
    """
    Each data set (every one in use when no names are given): name -> what was checked. Every
    problem is collected before one `DataSetCheckError` is raised, so one run lists them all.

    """
    checked: dict[str, str] = {}
    problems: list[SQLiteError] = []
    for name in list(names) or names_in_use(factory):
        try:
            checked[name] = check_one(factory, name)
        except SQLiteError as error:
            problems.append(error)
    if problems:
        raise DataSetCheckError(problems)
    return checked


class DataSetHealth:
    """One data set's check, in the shape microcosm-flask's health convention calls: f(graph)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, graph: Any) -> str:
        return check_one(graph.sqlite, self.name)


@defaults(  # type: ignore[untyped-decorator, no-untyped-call]
    # the data sets to report, comma-separated; empty: every data set the service uses
    datasets=typed(comma_separated_list, default_value=""),
)
def configure_sqlite_health(graph: Any) -> dict[str, DataSetHealth]:
    """
    `graph.use("sqlite_health")`: one `/api/health` check per data set, named `sqlite.<name>`,
    in microcosm-flask's health convention (which this brings up if the service has not).

    """
    names = [name for name in graph.config.sqlite_health.datasets if name]
    checks = {
        f"{CHECK_PREFIX}{name}": DataSetHealth(name) for name in names or names_in_use(graph.sqlite)
    }
    graph.health_convention.checks.update(checks)
    return checks
