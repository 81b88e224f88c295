"""
Startup checks: every data set a service uses, resolved, opened and compared with its models
before the first request needs it.

`graph.sqlite.check()` raises one `DataSetCheckError` listing every problem. The data sets in use
are those the models declare (every data set base declared in the process, however it is
derived) and those the config names. The `sqlite_health` component
(`microcosm_sqlite.components.health`) reports the same checks in microcosm-flask's `/api/health`.

"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from microcosm_sqlite.dataset import data_set_bases
from microcosm_sqlite.engines import DataSetEngine
from microcosm_sqlite.errors import DataSetCheckError, SQLiteError

__all__ = ["DataSets", "check_data_sets", "check_one", "models_of", "names_in_use"]


class DataSets(Protocol):
    """What the checks need of a graph's `sqlite` component: engines by name, and the config."""

    def __call__(self, name: str) -> DataSetEngine:
        """The data set's engine."""

    @property
    def configured(self) -> Mapping[str, Any]:
        """The data sets config names, by name."""
        ...


def models_of(name: str) -> list[type[Any]]:
    """The mapped classes of every data set base named `name` declared in this process."""
    return [
        mapper.class_
        for base in data_set_bases(name)
        if hasattr(base, "registry")
        for mapper in base.registry.mappers
    ]


def names_in_use(data_sets: DataSets) -> list[str]:
    """The data sets this process uses: those its models declare, and those config names."""
    declared = {
        base.__dataset__
        for base in data_set_bases()
        if hasattr(base, "registry") and base.registry.mappers
    }
    return sorted(declared | set(data_sets.configured))


def check_one(data_sets: DataSets, name: str) -> str:
    """Open one data set read-only and compare it with its models; a line saying what holds."""
    engine = data_sets(name)
    if engine.read_only:
        for model in models_of(name):
            engine.check_model(model)
    return f"{engine.path} (from {engine.resolved.origin})"


def check_data_sets(data_sets: DataSets, names: Iterable[str] = ()) -> dict[str, str]:
    """
    Each data set (every one in use when no names are given): name -> what was checked. Every
    problem is collected before one `DataSetCheckError` is raised, so one run lists them all.

    """
    checked: dict[str, str] = {}
    problems: list[SQLiteError] = []
    for name in list(names) or names_in_use(data_sets):
        try:
            checked[name] = check_one(data_sets, name)
        except SQLiteError as error:
            problems.append(error)
    if problems:
        raise DataSetCheckError(problems)
    return checked
