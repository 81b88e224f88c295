"""
An artifact is a function of its rows and its models: the example data package's sources, spelled
otherwise (CRLF line endings, every field quoted, columns in another order, converted to JSON
Lines, given as Python rows), build the same bytes, so the same sha256 pin, as the committed
artifact.

"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from microcosm_sqlite_airports import models

from microcosm_sqlite.building import build_artifact, build_from_rows

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "datasets" / "airports" / "sources"
ARTIFACT = ROOT / "datasets" / "airports" / "src" / "microcosm_sqlite_airports" / "airports.sqlite"

Respell = Callable[[Path, Path], None]


def records(source: Path) -> tuple[list[str], list[dict[str, str]]]:
    """A CSV source's header and records."""
    with source.open(newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        return list(reader.fieldnames or []), list(reader)


def write_csv(target: Path, header: list[str], rows: list[dict[str, str]], **options: Any) -> None:
    """The rows as CSV under `header`, with the csv module's `options`."""
    with target.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, header, **options)
        writer.writeheader()
        writer.writerows(rows)


def crlf(source: Path, target: Path) -> None:
    """Python's csv module's own line endings, or git's core.autocrlf on checkout."""
    header, rows = records(source)
    write_csv(target, header, rows, lineterminator="\r\n")


def quoted(source: Path, target: Path) -> None:
    """Every field quoted."""
    header, rows = records(source)
    write_csv(target, header, rows, quoting=csv.QUOTE_ALL)


def reordered(source: Path, target: Path) -> None:
    """The columns in the opposite order."""
    header, rows = records(source)
    write_csv(target, header[::-1], rows)


def json_lines(source: Path, target: Path) -> None:
    """Converted to JSON Lines: an empty field is null, keys in the opposite order."""
    header, rows = records(source)
    with target.with_suffix(".jsonl").open("w", encoding="utf-8") as stream:
        for row in rows:
            record = {name: row[name] or None for name in reversed(header)}
            stream.write(json.dumps(record, ensure_ascii=False) + "\r\n")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("respell", [crlf, quoted, reordered, json_lines])
def test_sources_spelled_otherwise_build_the_same_sha256(tmp_path: Path, respell: Respell) -> None:
    """Each source rewritten (line endings, quoting, column order, or CSV to JSON Lines) builds
    the committed artifact's exact bytes."""
    sources = tmp_path / "sources"
    sources.mkdir()
    for source in SOURCES.glob("*.csv"):
        respell(source, sources / source.name)
    output = tmp_path / "airports.sqlite"

    build_artifact(models.Base, sources, output)

    assert sha256(output) == sha256(ARTIFACT), "stale artifact? run `make datasets`"


def test_one_table_in_each_format_builds_the_same_sha256(tmp_path: Path) -> None:
    """A source directory mixing formats, one table as JSON Lines and one as CSV, gives the same
    bytes too."""
    sources = tmp_path / "sources"
    sources.mkdir()
    json_lines(SOURCES / "countries.csv", sources / "countries.csv")
    shutil.copyfile(SOURCES / "airports.csv", sources / "airports.csv")
    output = tmp_path / "airports.sqlite"

    build_artifact(models.Base, sources, output)

    assert sha256(output) == sha256(ARTIFACT)


def test_the_same_rows_from_python_build_the_same_sha256(tmp_path: Path) -> None:
    """`build_from_rows`, given the sources' rows as text, writes what the files build."""
    rows = {}
    for source in SOURCES.glob("*.csv"):
        _, read = records(source)
        rows[source.stem] = [{name: value or None for name, value in row.items()} for row in read]
    output = tmp_path / "airports.sqlite"

    build_from_rows(models.Base, rows, output)

    assert sha256(output) == sha256(ARTIFACT)
