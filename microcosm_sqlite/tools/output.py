"""
Rows written for people or for programs: an aligned table (the default of `query`, `rows` and
`get`), JSON (one array), JSON Lines (an object a line) or CSV (a header, then a line a row).

Values are written as SQLite holds them: NULL is an empty cell in a table and in CSV, `null` in
JSON; floats as Python writes them, which read back exactly (an infinite one, which JSON lacks, as
`{"real": "Infinity"}` in JSON); blobs as hexadecimal; text as it is. What the file holds never
reaches a terminal raw: in a table, names and text have every character that is not printable
escaped as JSON escapes it (`\\n`, `\\u001b`), so each row keeps one line and no value drives
the terminal, and JSON output escapes the same characters (`formatting.json_safe`). CSV, which
programs read, holds the text exactly.

"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from typing import IO, Any, Literal

from microcosm_sqlite.formatting import json_safe, one_line

__all__ = ["OUTPUT_FORMATS", "OutputFormat", "write_record", "write_rows"]

OutputFormat = Literal["table", "json", "jsonl", "csv"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("table", "json", "jsonl", "csv")


def _plain(value: Any) -> Any:
    """A value CSV can hold: blobs become hexadecimal text."""
    if isinstance(value, bytes):
        return value.hex()
    return value


def _json_value(value: Any) -> Any:
    """A value strict JSON can hold: blobs as hexadecimal, an infinite real as an object."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"real": "Infinity" if value > 0 else "-Infinity"}
    return _plain(value)


def _cell(value: Any) -> str:
    """One table cell's text."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, float):
        return repr(value)
    return one_line(str(value))


def write_rows(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    stream: IO[str],
    format: OutputFormat = "table",
) -> int:
    """Write rows in `format`; returns how many. Only the table holds them all at once."""
    if format == "table":
        return _write_table(columns, list(rows), stream)
    count = 0
    if format == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if value is None else _plain(value) for value in row])
            count += 1
        return count
    if format == "jsonl":
        for row in rows:
            stream.write(_object(columns, row) + "\n")
            count += 1
        return count
    stream.write("[")
    for row in rows:
        stream.write(("\n" if count == 0 else ",\n") + _object(columns, row))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


def write_record(
    columns: Sequence[str], row: Sequence[Any], stream: IO[str], format: OutputFormat = "table"
) -> None:
    """One row: as a table of column and value, one line each; in JSON, one object."""
    if format == "table":
        _write_table(("column", "value"), list(zip(columns, row, strict=True)), stream)
    elif format == "json":
        stream.write(_object(columns, row) + "\n")
    else:
        write_rows(columns, [row], stream, format)


def _object(columns: Sequence[str], row: Sequence[Any]) -> str:
    return json_safe({name: _json_value(value) for name, value in zip(columns, row, strict=True)})


def _write_table(columns: Sequence[str], rows: list[Sequence[Any]], stream: IO[str]) -> int:
    """Columns padded to their widest cell, numbers aligned right, a rule under the header."""
    cells = [[_cell(value) for value in row] for row in rows]
    columns = [one_line(name) for name in columns]
    widths = [len(name) for name in columns]
    for texts in cells:
        widths = [max(width, len(cell)) for width, cell in zip(widths, texts, strict=True)]
    numeric = [
        bool(rows)
        and all(isinstance(row[index], int | float) or row[index] is None for row in rows)
        and any(row[index] is not None for row in rows)
        for index in range(len(columns))
    ]

    def line(texts: Sequence[str]) -> str:
        padded = (
            text.rjust(width) if right else text.ljust(width)
            for text, width, right in zip(texts, widths, numeric, strict=True)
        )
        return "  ".join(padded).rstrip()

    stream.write(line(columns) + "\n")
    stream.write("  ".join("-" * width for width in widths) + "\n")
    for texts in cells:
        stream.write(line(texts) + "\n")
    return len(rows)
