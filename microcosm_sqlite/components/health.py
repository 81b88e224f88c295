"""
The `sqlite_health` component: one check per data set in microcosm-flask's health convention,
so a missing or stale artifact makes `/api/health` fail with the data set named, instead of
answering 200 while every data endpoint answers 500. The checks are the runtime's
(`microcosm_sqlite.health`).

"""

from __future__ import annotations

from typing import Any

from microcosm.api import defaults, typed
from microcosm.config.types import comma_separated_list

from microcosm_sqlite.health import check_one, names_in_use

__all__ = ["CHECK_PREFIX", "DataSetHealth", "configure_sqlite_health"]

# how a data set's check is named in /api/health
CHECK_PREFIX = "sqlite."


class DataSetHealth:
    """One data set's check, in the shape microcosm-flask's health convention calls: f(graph)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, graph: Any) -> str:
        """Check the data set in `graph`: a line saying what holds, or an SQLiteError."""
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
