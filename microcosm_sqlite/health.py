"""
Checks of the data sets a service uses: each resolved, its path looked at now, and the file there
compared with its models, at startup and whenever `/api/health` asks.

`graph.sqlite.check()` raises one `DataSetCheckError` listing every problem. The data sets in use
are those the models declare (every data set base declared in the process, however it is
derived) and those the config names. A check looks at the path even when a read would not yet
(`replacement_check_seconds`), so a file deleted, damaged or replaced by one that does not fit
the models fails the check at once, and the reads from then on. The `sqlite_health` component
(`microcosm_sqlite.components.health`) reports the same checks in microcosm-flask's `/api/health`,
each data set with `ArtifactVersion`, which names the file a data set reads without its path.

"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

from microcosm_sqlite._error_mapping import translating
from microcosm_sqlite.artifact.header import FileVersion
from microcosm_sqlite.artifact.manifest import read_manifest
from microcosm_sqlite.dataset import data_set_bases
from microcosm_sqlite.engines import DataSetEngine
from microcosm_sqlite.errors import DataSetCheckError, SQLiteError
from microcosm_sqlite.formatting import number

__all__ = [
    "ArtifactVersion",
    "DataSets",
    "artifact_version",
    "check_data_sets",
    "check_one",
    "models_of",
    "names_in_use",
]

# how many hex digits of the manifest's sha256 name a build
BUILD_DIGITS = 12


class DataSets(Protocol):
    """What the checks need of a graph's `sqlite` component: engines by name, and the config."""

    def __call__(self, name: str) -> DataSetEngine:
        """The data set's engine."""

    @property
    def configured(self) -> Mapping[str, Any]:
        """The data sets config names, by name."""
        ...


class ArtifactVersion(NamedTuple):
    """
    Which file a data set reads, as a health check shows it, never by its path: the build (the
    first digits of its manifest's sha256, the same for the same sources built by the same
    version), the library version that built it, a pinned URL's sha256, and the file's size and
    modification time.

    """

    build: str | None = None
    built_by: str | None = None
    sha256: str | None = None
    size: int | None = None
    modified: str | None = None

    @classmethod
    def of_file(cls, version: FileVersion | None, url: str | None = None) -> ArtifactVersion:
        """A file's size and modification time (UTC), and its pinned sha256 if it has one."""
        sha256 = (url.rpartition("#sha256=")[2] or None) if url else None
        if version is None:
            return cls(sha256=sha256)
        modified = datetime.fromtimestamp(version.modified_ns / 1e9, UTC)
        return cls(
            sha256=sha256, size=version.size, modified=modified.strftime("%Y-%m-%dT%H:%M:%SZ")
        )

    def __str__(self) -> str:
        parts = []
        if self.build is not None:
            by = f" (microcosm-sqlite {self.built_by})" if self.built_by else ""
            parts.append(f"build {self.build}{by}")
        if self.sha256 is not None:
            parts.append(f"sha256 {self.sha256}")
        if self.size is None:
            parts.append("no file")
        else:
            parts.append(f"{number(self.size)} bytes, modified {self.modified}")
        return ", ".join(parts)


def artifact_version(engine: DataSetEngine) -> ArtifactVersion:
    """The version of the file an engine reads now: its manifest's build, size and time."""
    version = engine.version if engine.read_only else FileVersion.at(engine.path)
    found = ArtifactVersion.of_file(version, engine.resolved.url)
    if version is None:
        return found
    with engine.engine.connect() as connection, translating(engine.error_context):
        raw = connection.connection.dbapi_connection
        assert isinstance(raw, sqlite3.Connection)
        manifest = read_manifest(raw)
    if manifest is None:
        return found
    entries = "".join(f"{key}={value}\n" for key, value in sorted(manifest.items()))
    build = hashlib.sha256(entries.encode()).hexdigest()[:BUILD_DIGITS]
    return ArtifactVersion(
        build, manifest.get("library_version"), found.sha256, found.size, found.modified
    )


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


def check_one(data_sets: DataSets, name: str) -> DataSetEngine:
    """
    One data set's engine, once the file at its path now (a new one is moved to, as reads do)
    is a ready artifact that fits every model of the data set; raises what is wrong otherwise.

    """
    engine = data_sets(name)
    engine.check_replacement(force=True)
    if engine.read_only:
        for model in models_of(name):
            engine.check_model(model)
    return engine


def check_data_sets(data_sets: DataSets, names: Iterable[str] = ()) -> dict[str, str]:
    """
    Each data set (every one in use when no names are given): name -> the path checked and
    where it came from. Every problem is collected before one `DataSetCheckError` is raised, so
    one run lists them all.

    """
    checked: dict[str, str] = {}
    problems: list[SQLiteError] = []
    for name in list(names) or names_in_use(data_sets):
        try:
            engine = check_one(data_sets, name)
        except SQLiteError as error:
            problems.append(error)
        else:
            checked[name] = f"{engine.path} (from {engine.resolved.origin})"
    if problems:
        raise DataSetCheckError(problems)
    return checked
