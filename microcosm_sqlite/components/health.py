"""
The `sqlite_health` component: one check per data set in microcosm-flask's health convention,
so a missing, damaged or stale artifact makes `/api/health` fail with the data set named,
instead of answering 200 while every data endpoint answers 500. The checks are the runtime's
(`microcosm_sqlite.health`), run again at every probe: a file replaced under a running service
is checked at the next one.

What `/api/health` shows is for anyone who can reach it: each data set's state, the version of
its file (`ArtifactVersion`) and, when failing, why, never a path. What operators need besides
goes to the log, one line when a check's state changes (WARNING when it starts failing or fails
another way, INFO when it passes again), instead of microcosm-flask's traceback at every probe.
This module imports nothing of microcosm-flask: microcosm loads it with every graph.

"""

from __future__ import annotations

import logging
import threading
from typing import Any

from microcosm.api import defaults, typed
from microcosm.config.types import comma_separated_list
from microcosm_logging.decorators import logger

from microcosm_sqlite._public_text import public
from microcosm_sqlite.artifact.header import FileVersion
from microcosm_sqlite.errors import DataSetCheckError, DataSetError, SQLiteError
from microcosm_sqlite.health import ArtifactVersion, artifact_version, check_one, names_in_use

__all__ = ["CHECK_PREFIX", "DataSetHealth", "FailedCheck", "configure_sqlite_health"]

# how a data set's check is named in /api/health
CHECK_PREFIX = "sqlite."


class FailedCheck(DataSetCheckError):
    """One data set's failed check, as `/api/health` shows it: its state, why, and its file."""

    def __init__(self, problem: SQLiteError, version: ArtifactVersion) -> None:
        super().__init__([problem])
        self.version = version

    @property
    def description(self) -> str:
        """The state, the problem's client face and the file's version: never a path."""
        [problem] = self.problems
        return public(f"failing ({type(problem).__name__}): {problem.description}; {self.version}")


class QuietFailedChecks(logging.Filter):
    """
    Drops microcosm-flask's traceback for a data set check that failed (it logs one at ERROR
    for every failed check of every probe): the check logs its own line, once per change.

    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but those whose exception is a data set's failed check."""
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, FailedCheck)


# one filter for every graph: adding it to a logger again changes nothing
QUIET_FAILED_CHECKS = QuietFailedChecks()


@logger
class DataSetHealth:
    """One data set's check, in the shape microcosm-flask's health convention calls: f(graph)."""

    # set by microcosm-logging's @logger
    logger: logging.Logger

    def __init__(self, name: str) -> None:
        self.name = name
        # the failure last logged (its kind and developer text); None while the check passes
        self.failure: tuple[type[SQLiteError], str] | None = None
        self.lock = threading.Lock()

    def __call__(self, graph: Any) -> str:
        """The data set's state and version; raises `FailedCheck` when it cannot be served."""
        try:
            engine = check_one(graph.sqlite, self.name)
            version = artifact_version(engine)
        except SQLiteError as error:
            self.failed(error)
            path = error.path if isinstance(error, DataSetError) else None
            found = ArtifactVersion.of_file(FileVersion.at(path) if path else None)
            raise FailedCheck(error, found) from error
        self.passed(f"{engine.path}: {version}")
        return f"ok, {version}"

    def failed(self, error: SQLiteError) -> None:
        """Log a failure at WARNING, with everything known, when it is not the one last logged."""
        failure = (type(error), str(error))
        with self.lock:
            changed, self.failure = failure != self.failure, failure
        if changed:
            kind = type(error).__name__
            self.logger.warning("data set %r fails its check (%s): %s", self.name, kind, error)

    def passed(self, what: str) -> None:
        """Log at INFO when a check that failed passes again."""
        with self.lock:
            recovered, self.failure = self.failure is not None, None
        if recovered:
            self.logger.info("data set %r passes its check again: %s", self.name, what)


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
    health = graph.health_convention
    health.checks.update(checks)
    # microcosm-flask logs each failed check's traceback through the health object's logger
    health_logger: logging.Logger | None = getattr(health, "logger", None)
    if health_logger is not None:
        health_logger.addFilter(QUIET_FAILED_CHECKS)
    return checks
