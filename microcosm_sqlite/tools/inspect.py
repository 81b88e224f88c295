"""
`inspect`: what an artifact holds. Its tables with their row counts, columns, indexes and foreign
keys, the file's size and page layout, and the manifest its build wrote.

The artifact opens as `microcosm_sqlite.artifact.opening` opens it: read-only, defended, and
refused when its schema holds views, triggers or virtual tables other than the full-text
indexes a build writes, which are shown with their tables. Every error names its path.
Generated columns are shown, marked so. In the text form, a name or value holding a character
that is not printable is quoted and escaped (`microcosm_sqlite.formatting`); a malformed
manifest's entries are listed as problems, not raised.

"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from microcosm_sqlite.artifact.contents import (
    ColumnInfo,
    ForeignKeyInfo,
    IndexInfo,
    columns_of,
    data_tables,
    foreign_keys_of,
    indexes_of,
    quote,
)
from microcosm_sqlite.artifact.fts import FullTextIndex, vouch
from microcosm_sqlite.artifact.manifest import manifest_problems, read_manifest
from microcosm_sqlite.artifact.opening import open_artifact
from microcosm_sqlite.formatting import code_text, name_text, plural, quote_text, size

__all__ = ["ArtifactInfo", "FullTextInfo", "TableInfo", "describe", "inspect_artifact"]


@dataclass(frozen=True)
class FullTextInfo:
    """A table's full-text index: its name, the columns it indexes, how, with what prefixes."""

    name: str
    columns: tuple[str, ...]
    tokenize: str
    prefix: tuple[int, ...] = ()

    @classmethod
    def of(cls, index: FullTextIndex) -> FullTextInfo:
        """What `inspect` shows of an index the defences vouched for."""
        declaration = index.declaration
        return cls(index.name, declaration.columns, declaration.tokenize, declaration.prefix)


@dataclass(frozen=True)
class TableInfo:
    """One table as `inspect` shows it: rows, columns, indexes, foreign keys, full-text index."""

    name: str
    rows: int
    columns: tuple[ColumnInfo, ...]
    indexes: tuple[IndexInfo, ...]
    foreign_keys: tuple[ForeignKeyInfo, ...] = ()
    fulltext: FullTextInfo | None = None


@dataclass(frozen=True)
class ArtifactInfo:
    """What `inspect` shows; `as_dict()` is its JSON form."""

    path: str
    size: int
    page_size: int
    page_count: int
    journal_mode: str
    tables: tuple[TableInfo, ...]
    manifest: dict[str, str] | None = field(default=None)
    # what is wrong with the manifest's entries (keys or values that are not text...)
    manifest_problems: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON form `inspect --json` prints."""
        found: dict[str, Any] = _plain(self)
        return found


def _plain(value: Any) -> Any:
    """JSON's shapes: records (dataclasses, named tuples) as objects, sequences as arrays."""
    if is_dataclass(value) and not isinstance(value, type):
        return {each.name: _plain(getattr(value, each.name)) for each in fields(value)}
    names = getattr(type(value), "__annotations__", None)
    if isinstance(value, tuple) and names:  # a NamedTuple
        return {name: _plain(item) for name, item in zip(names, value, strict=True)}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def inspect_artifact(path: str | os.PathLike[str]) -> ArtifactInfo:
    """Tables, columns, row counts, indexes, size and manifest of an artifact."""
    with open_artifact(path) as connection:
        fulltext = {index.table: FullTextInfo.of(index) for index in vouch(connection)[0]}
        tables = tuple(
            TableInfo(
                name,
                connection.execute(f"SELECT count(*) FROM {quote(name)}").fetchone()[0],
                columns_of(connection, name, generated=True),
                indexes_of(connection, name),
                foreign_keys_of(connection, name),
                fulltext.get(name),
            )
            for name in data_tables(connection)
        )
        return ArtifactInfo(
            path=os.fspath(path),
            size=Path(path).stat().st_size,
            page_size=connection.execute("PRAGMA page_size").fetchone()[0],
            page_count=connection.execute("PRAGMA page_count").fetchone()[0],
            journal_mode=connection.execute("PRAGMA journal_mode").fetchone()[0],
            tables=tables,
            manifest=read_manifest(connection),
            manifest_problems=tuple(manifest_problems(connection)),
        )


def describe(info: ArtifactInfo) -> str:
    """`inspect`'s text form."""
    lines = [
        f"{name_text(info.path)}: {size(info.size)} ({plural(info.page_count, 'page')} of"
        f" {plural(info.page_size, 'byte')}), journal mode {info.journal_mode}"
    ]
    for table in info.tables:
        lines.append(f"table {name_text(table.name)}: {plural(table.rows, 'row')}")
        for column in table.columns:
            flags = column.constraints(shown=code_text)
            declared = [name_text(column.name), code_text(column.type), *flags]
            lines.append("  " + " ".join(part for part in declared if part))
        for key in table.foreign_keys:
            lines.append(f"  {code_text(key.describe())}")
        for index in table.indexes:
            unique = "unique " if index.unique else ""
            automatic = f" [automatic, for {index.automatic}]" if index.automatic else ""
            columns = ", ".join(map(name_text, index.columns))
            lines.append(f"  {unique}index {name_text(index.name)} ({columns}){automatic}")
        if table.fulltext is not None:
            found = table.fulltext
            prefix = f", prefix {' '.join(map(str, found.prefix))}" if found.prefix else ""
            lines.append(
                f"  full-text index {name_text(found.name)}"
                f" ({', '.join(map(name_text, found.columns))}),"
                f" tokenize {quote_text(found.tokenize)}{prefix}"
            )
    if info.manifest is None:
        lines.append("no manifest (not built by microcosm-sqlite build)")
    else:
        lines.append("manifest:")
        lines.extend(
            f"  {name_text(key)} = {name_text(value)}" for key, value in info.manifest.items()
        )
        lines.extend(f"  {problem}" for problem in info.manifest_problems)
    return "\n".join(lines)
