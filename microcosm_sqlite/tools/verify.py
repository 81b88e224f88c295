"""
`verify`: is an artifact sound, does it hold what its manifest says, and (given its models) does
its schema match them. Every way it does not is one line.

Views, triggers and virtual tables (but the full-text indexes a build writes, which are checked
against their tables' rows) are reported, not refused, and nothing more is read from a file
that holds them. Damage bad enough that SQLite's integrity check itself fails is a line too,
not an exception, and so is a malformed manifest (a key that is no text, a row count that is no
number). Names from the file are quoted where they hold what is not printable.

Given the models, their full-text declarations are compared with the indexes, and their data
checks (`microcosm_sqlite.checks`) run on the file's read-only, defended connection: the
models' SQL is trusted, the file is not. A failing check is a line; a failing warning is logged.

"""

from __future__ import annotations

import logging
import os
import sqlite3
from typing import Any

from microcosm_sqlite.artifact.checks import foreign_key_problems, integrity_problems
from microcosm_sqlite.artifact.contents import MANIFEST_TABLE, data_tables, quote
from microcosm_sqlite.artifact.defences import refused_objects
from microcosm_sqlite.artifact.fts import index_difference, matches_rows, vouch
from microcosm_sqlite.artifact.manifest import (
    READABLE_VERSIONS,
    library_version,
    manifest_problems,
    manifest_tables,
    read_manifest,
    schema_fingerprint,
)
from microcosm_sqlite.artifact.model_schema import schema_differences
from microcosm_sqlite.artifact.opening import open_artifact
from microcosm_sqlite.building.checks import run_checks
from microcosm_sqlite.formatting import name_text, number, plural
from microcosm_sqlite.fulltext import declared_indexes

__all__ = ["check_differences", "fulltext_differences", "manifest_differences", "verify_artifact"]

logger = logging.getLogger(__name__)


def verify_artifact(path: str | os.PathLike[str], base: type[Any] | None = None) -> list[str]:
    """
    Every way the artifact is unsound or differs from its manifest (and models): one line each.

    An empty list means the artifact holds: integrity, foreign keys, manifest against content,
    and, given the data set base, tables and columns against the models.

    """
    with open_artifact(path, refuse_unexpected=False) as connection:
        differences = [f"integrity: {problem}" for problem in integrity_problems(connection)]
        # what no build writes holds SQL of its own: reported, and nothing more is read
        differences.extend(
            f"not written by a build: {found}" for found in refused_objects(connection)
        )
        if differences:
            return differences
        differences.extend(foreign_key_problems(connection))
        differences.extend(manifest_differences(connection))
        differences.extend(fulltext_differences(connection, base))
        if base is not None:
            manifest = read_manifest(connection) or {}
            dataset = manifest.get("dataset")
            if dataset is not None and dataset != base.__dataset__:
                differences.append(
                    f"manifest: data set {dataset!r}, but the models are of {base.__dataset__!r}"
                )
            differences.extend(schema_differences(connection, base.metadata.tables.values()))
            differences.extend(check_differences(connection, base))
    return differences


def fulltext_differences(connection: sqlite3.Connection, base: type[Any] | None) -> list[str]:
    """
    Each full-text index against its table's rows, and (given the models) against their
    declarations: indexes missing, different or not declared.

    """
    indexes, _ = vouch(connection)
    differences = [
        f"full-text index {name_text(index.name)}: does not match the rows of table"
        f" {name_text(index.table)} (a build would write another index)"
        for index in indexes
        if not matches_rows(connection, index)
    ]
    if base is None:
        return differences
    declared = declared_indexes(base)
    for table, declaration in declared.items():
        difference = index_difference(connection, table, declaration)
        if difference is not None:
            differences.append(f"full-text index: {difference}")
    differences.extend(
        f"full-text index {name_text(index.name)}: not in the models"
        for index in indexes
        if index.table not in declared
    )
    return differences


def check_differences(connection: sqlite3.Connection, base: type[Any]) -> list[str]:
    """The models' data checks: failing errors one line each; failing warnings logged."""
    differences = []
    for result in run_checks(connection, base):
        if result.severity == "error":
            differences.append(result.line())
        else:
            logger.warning("%s (a warning)", result.line())
    return differences


def manifest_differences(connection: sqlite3.Connection) -> list[str]:
    """The manifest against the content: its version, the schema fingerprint and row counts."""
    manifest = read_manifest(connection)
    if manifest is None:
        return [_no_manifest(connection)]
    differences = manifest_problems(connection)
    version = manifest.get("manifest_version")
    if version not in READABLE_VERSIONS:
        shown = "missing" if version is None else name_text(version)
        differences.append(
            f"manifest: version {shown}, which microcosm-sqlite {library_version()}"
            " neither writes nor knows (a later version built it?)"
        )
    recorded = manifest.get("schema_sha256")
    actual = schema_fingerprint(connection)
    if recorded != actual:
        shown = "missing" if recorded is None else name_text(recorded)
        differences.append(f"manifest: schema sha256 {shown} but the schema's is {actual}")
    counts = manifest_tables(manifest)
    tables = set(data_tables(connection))
    for table in sorted(counts.keys() | tables):
        shown, count = name_text(table), counts.get(table)
        if table not in tables:
            differences.append(f"manifest: table {shown} is listed but missing")
        elif table not in counts:
            differences.append(f"manifest: table {shown} is not listed")
        elif count is not None:  # a count that is no number is one of the manifest's problems
            rows = connection.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()[0]
            if rows != count:
                differences.append(
                    f"manifest: table {shown} should hold {plural(count, 'row')},"
                    f" holds {number(rows)}"
                )
    return differences


def _no_manifest(connection: sqlite3.Connection) -> str:
    """
    What a file with no manifest is, and how to make it an artifact: microcosm-sqlite 2.x
    wrote none (a 2.x data set with migrations has alembic's table), nor does another tool.

    """
    found = connection.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    who = (
        "microcosm-sqlite 2.x (it has 2.x's alembic_version table)"
        if found
        else "microcosm-sqlite 2.x or another tool"
    )
    return (
        f"manifest: no {MANIFEST_TABLE} table: the file was built by {who}, not by"
        " `microcosm-sqlite build`; build a checked artifact from it with"
        " `microcosm-sqlite build MODELS THIS_FILE -o NEW_FILE` (see UPGRADING.md)"
    )
