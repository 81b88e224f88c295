"""What the build and dump refuse: bad input, by file, line and column."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from microcosm_sqlite._public_text import about, public, shown
from microcosm_sqlite.errors._root import SQLiteError
from microcosm_sqlite.formatting import plural

__all__ = ["BuildError", "BuildInputError", "DumpError"]


class BuildInputError(SQLiteError):
    """One problem with build input, located as precisely as the source allows."""

    status_code = 400

    def __init__(
        self,
        reason: str,
        *,
        file: str | Path,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = str(file)
        self.line = line
        self.column = column
        location = self.file if line is None else f"{self.file}:{line}"
        field = "" if column is None else f" column {column!r}:"
        super().__init__(f"{location}:{field} {reason}")

    @property
    def description(self) -> str:
        """The source by its file's name (never the folder it is in), line, column and reason."""
        where = Path(self.file).name if self.line is None else f"{Path(self.file).name}:{self.line}"
        field = "" if self.column is None else f" column {shown(self.column)}:"
        return public(f"{where}:{field} {self.reason}")


class BuildError(SQLiteError):
    """
    A build that failed; nothing was written to the output.

    The message lists the first problems, the first on its first line (all that one-line
    reports, such as pytest's summary, show), then says how many more `problems` holds, and
    last the output it was building.

    """

    status_code = 400
    summary = "the build failed"
    # how many problems the message lists
    listed = 5

    def __init__(
        self,
        reason: str,
        *,
        dataset: str | None = None,
        output: str | Path | None = None,
        problems: Sequence[BuildInputError] = (),
    ) -> None:
        self.reason = reason
        self.output = None if output is None else str(output)
        self.problems = tuple(problems)
        subject = f"build of data set {dataset!r}" if dataset else "build"
        if not self.problems:
            target = f" into {self.output}" if self.output else ""
            super().__init__(f"{subject}{target} failed: {reason}", dataset=dataset)
            return
        # the first problem comes first, before a long temporary path
        listed = [str(problem) for problem in self.problems[: self.listed]]
        more = len(self.problems) - len(listed)
        if more:
            listed.append(f"and {more} more (the error's `problems` holds them all)")
        if self.output:
            listed.append(f"(output {self.output}, left as it was)")
        super().__init__(f"{subject} failed: {reason}: " + "\n  ".join(listed), dataset=dataset)

    @property
    def description(self) -> str:
        """How many problems its input has (never the output's path)."""
        found = f": {plural(len(self.problems), 'problem')} in its input" if self.problems else ""
        return about(self.dataset, f"{self.summary}{found}")


class DumpError(SQLiteError):
    """A table that cannot be written in the chosen format without changing its data."""

    status_code = 400
    summary = "the table cannot be dumped in this format without changing its data"
