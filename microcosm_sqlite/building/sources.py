"""
One table's rows, read from a source and converted: what the table writer writes.

`TableSource` is what every source shares: the table's column converters, the defaults of
columns a source leaves out, and problems that name where they are. `FileSource` adds a CSV
or JSON Lines stream (a path, or an open binary or text stream): opening it as UTF-8, finding
the line of a byte that is not UTF-8, reading it again for a second pass, and reporting the
bytes read for progress. The formats themselves are `csv_source` and `jsonl_source`, rows held
in Python `rows`.

Rows stream: memory does not grow with the size of a source. A bad row becomes a
`BuildInputError` naming the file, line and column, collected by `Problems`.

"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, ClassVar, NamedTuple

from sqlalchemy import Column, Table
from sqlalchemy.engine import Dialect

from microcosm_sqlite.building.conversion import ColumnConverter
from microcosm_sqlite.building.defaults import Fill, fill_for
from microcosm_sqlite.building.problems import Problems
from microcosm_sqlite.errors import BuildInputError

__all__ = [
    "BATCH_SIZE",
    "HEADER_LINE",
    "UNKNOWN_COLUMN",
    "Batch",
    "FileSource",
    "ProgressCallback",
    "TableSource",
]

# the line that problems with a CSV header (or with a whole file) point at
HEADER_LINE = 1
# rows per executemany: large enough to keep Python out of the way, small enough for memory
BATCH_SIZE = 6000
UNKNOWN_COLUMN = (
    "unknown column: table {table!r} has no such column (--ignore-unknown-columns skips it)"
)

ProgressCallback = Callable[[int], None]


class Batch(NamedTuple):
    """Converted rows in source order, and the line each starts on."""

    rows: list[tuple[Any, ...]]
    lines: list[int]


class TableSource(ABC):
    """
    One table's rows, converted, in source order.

    `batches()` yields the good rows as tuples in `columns` order, a list at a time, with the
    line each starts on, and sends each bad row to `problems`.

    """

    def __init__(
        self, table: Table, dialect: Dialect, name: str, *, ignore_unknown_columns: bool = False
    ) -> None:
        self.table = table
        self.name = name
        self.ignore_unknown_columns = ignore_unknown_columns
        self.columns: tuple[Column[Any], ...] = tuple(table.columns)
        self.converters = tuple(ColumnConverter(column, dialect) for column in self.columns)

    @property
    def size(self) -> int | None:
        """The source's size in bytes, when known, for progress."""
        return None

    def problem(
        self, reason: str, line: int | None = None, column: str | None = None
    ) -> BuildInputError:
        """The problem `reason` at a line (and column) of this source."""
        return BuildInputError(reason, file=self.name, line=line, column=column)

    def rewind(self) -> bool:
        """Go back to the start for a second pass; False when the source cannot."""
        return False

    def fills(
        self, given: set[str], problems: Problems, server_defaults: dict[str, Any]
    ) -> dict[int, Fill] | None:
        """
        Fills for the columns a source leaves out, or None after reporting missing ones.

        Raises `TooManyProblems` when the problems reach their limit.

        """
        fills: dict[int, Fill] = {}
        complete = True
        for index, converter in enumerate(self.converters):
            if converter.name in given:
                continue
            try:
                fill = fill_for(converter, server_defaults)
            except ValueError as error:
                fill = f"its default does not fit the column ({error})"
            if isinstance(fill, str):
                complete = False
                problems.add(self.problem(f"missing column: {fill}", HEADER_LINE, converter.name))
            else:
                fills[index] = fill
        return fills if complete else None

    @abstractmethod
    def batches(
        self,
        problems: Problems,
        server_defaults: dict[str, Any] | None = None,
        progress: ProgressCallback | None = None,
        size: int = BATCH_SIZE,
    ) -> Iterator[Batch]:
        """
        Every good row, converted, in lists of up to `size`; bad rows go to `problems`.

        Raises `TooManyProblems` when the problems reach their limit, `OSError` when a file
        cannot be read.

        """

    def rows(
        self, problems: Problems, server_defaults: dict[str, Any] | None = None
    ) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """Every good row with its line: for second passes, where speed matters less."""
        for batch in self.batches(problems, server_defaults):
            yield from zip(batch.lines, batch.rows, strict=True)


class FileSource(TableSource):
    """
    One table's rows from one CSV or JSON Lines stream or path, read as UTF-8.

    It can be read again (to locate duplicates after a failed load) when the source is a
    path or a seekable stream.

    """

    # the format's name, for a stream that has none of its own: `<table.csv>`
    format: ClassVar[str]

    def __init__(
        self,
        table: Table,
        dialect: Dialect,
        source: Path | IO[str] | IO[bytes],
        *,
        name: str | None = None,
        ignore_unknown_columns: bool = False,
    ) -> None:
        super().__init__(
            table,
            dialect,
            name or source_name(source, f"<{table.name}.{self.format}>"),
            ignore_unknown_columns=ignore_unknown_columns,
        )
        self.source = source

    @property
    def size(self) -> int | None:
        """The source's size in bytes, when known, for progress."""
        if isinstance(self.source, Path):
            return self.source.stat().st_size
        return None

    @contextmanager
    def _open(self) -> Iterator[tuple[IO[str], Callable[[], int]]]:
        """The text stream and a function giving the bytes read so far."""
        if isinstance(self.source, Path):
            with self.source.open("rb") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                try:
                    yield text, raw.tell
                finally:
                    text.detach()
            return
        stream: Any = self.source
        if isinstance(stream, io.TextIOBase):
            yield stream, lambda: 0  # type: ignore[misc]
            return
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            yield text, lambda: 0
        finally:
            text.detach()

    def not_utf8(self, error: UnicodeDecodeError, near: int) -> BuildInputError:
        """
        The problem for text that is not UTF-8, on the line that holds the first bad byte.

        Text decodes a block at a time, so the reader fails where the block starts (`near`):
        a second look at the bytes, line by line, finds the line itself. A stream that cannot
        go back is reported at `near`.

        """
        found: tuple[int, UnicodeDecodeError] | None = None
        if isinstance(self.source, Path):
            with self.source.open("rb") as raw:
                found = first_bad_utf8(raw)
        elif not isinstance(self.source, io.TextIOBase) and self.source.seekable():
            stream: Any = self.source
            stream.seek(0)
            found = first_bad_utf8(stream)
        if found is None:
            return self.problem(_not_utf8(error) + ", on this line or one after it", near)
        line, located = found
        return self.problem(_not_utf8(located), line)

    def rewind(self) -> bool:
        """Go back to the start for a second pass; False when the source cannot."""
        if isinstance(self.source, Path):
            return True
        stream: Any = self.source
        if stream.seekable():
            stream.seek(0)
            return True
        return False

    def batches(
        self,
        problems: Problems,
        server_defaults: dict[str, Any] | None = None,
        progress: ProgressCallback | None = None,
        size: int = BATCH_SIZE,
    ) -> Iterator[Batch]:
        """
        Every good row, converted, in lists of up to `size`; bad rows go to `problems`.

        Raises `TooManyProblems` when the problems reach their limit, `OSError` when the file
        cannot be read.

        """
        server_defaults = server_defaults or {}
        with self._open() as (stream, tell):
            yield from self.read(stream, problems, server_defaults, reporter(tell, progress), size)

    @abstractmethod
    def read(
        self,
        stream: IO[str],
        problems: Problems,
        server_defaults: dict[str, Any],
        report: Callable[[], None],
        size: int,
    ) -> Iterator[Batch]:
        """The format's reading of an open text stream, calling `report` as it goes."""


def source_name(source: Path | IO[str] | IO[bytes], fallback: str) -> str:
    """How problems name a source: its path, a stream's file name, or the fallback."""
    if isinstance(source, Path):
        return str(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else fallback


def _not_utf8(error: UnicodeDecodeError) -> str:
    bad = error.object[error.start : error.end].hex(" ")
    return f"not UTF-8 text: {error.reason} (bytes {bad})"


def first_bad_utf8(raw: IO[bytes]) -> tuple[int, UnicodeDecodeError] | None:
    """
    The line holding the first byte that is not UTF-8, and the decoding error, or None.

    Lines end as a reader with `newline=""` ends them: at `\\n`, `\\r\\n` or a bare `\\r`.
    A line is decoded alone: no UTF-8 sequence holds the byte of `\\n`, so none spans two.

    """
    line = 1
    for chunk in raw:
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError as error:
            return line + _line_breaks(chunk[: error.start]), error
        line += _line_breaks(chunk)
    return None


def _line_breaks(data: bytes) -> int:
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def reporter(tell: Callable[[], int], progress: ProgressCallback | None) -> Callable[[], None]:
    """Reports the bytes read since its last call to `progress`; does nothing without one."""
    if progress is None:
        return lambda: None
    listener = progress
    reported = 0

    def report() -> None:
        nonlocal reported
        now = tell()
        listener(now - reported)
        reported = now

    return report
