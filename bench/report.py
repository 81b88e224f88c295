"""
Timing rounds and printing figures: the machine, each figure as it is measured, the final table.

Both sides of a figure run in the same rounds, alternating, so drift in the machine (other
load, CPU frequency, the page cache) lands on both; each side's figure is its median round.
Read figures are measured a second time with the fast path off (`sqlite.fast_path=False`, the
ORM's public API only), by the same code against the same raw reads, in a child process
(`bench.ormpath`) so the fast figures' process never holds ORM objects: the "ORM path"
column, what the fallback costs. It has no target of its own.

"""

from __future__ import annotations

import gc
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
# a round: untimed setup returning the timed work, which returns what it read for checking
Setup = Callable[[], Callable[[], T]]

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": lambda measured, limit: measured <= limit,
    ">=": lambda measured, limit: measured >= limit,
    "<": lambda measured, limit: measured < limit,
}


@dataclass
class Figure:
    """
    One reported figure and its target.

    `compare="ratio"` checks ours/raw against the limit (times); `compare="value"` checks ours
    itself (memory growth, a scaling factor), with raw printed alongside for reference.

    """

    name: str
    work: str
    ours: float | None
    raw: float | None
    unit: str
    op: str
    limit: float
    compare: str = "ratio"
    baseline: str = "raw"
    # why there is no figure (a tool missing), or why it cannot be trusted (results differ)
    skipped: str | None = None
    wrong: bool = False
    # ours again with the fast path off (the ORM path), for read figures; None elsewhere:
    # its own figure, the raw side timed in the same rounds, and what went wrong, if anything
    orm: float | None = None
    orm_raw: float | None = None
    orm_wrong: bool = False
    orm_problem: str | None = None

    @property
    def measured(self) -> float | None:
        if self.ours is None or self.skipped or self.wrong:
            return None
        if self.compare == "ratio":
            return self.ours / self.raw if self.raw else None
        return self.ours

    @property
    def orm_measured(self) -> float | None:
        """The ORM path's figure, as `measured` is the fast path's (None: not measured)."""
        if self.orm is None or self.skipped or self.orm_wrong:
            return None
        if self.compare == "ratio":
            return self.orm / self.orm_raw if self.orm_raw else None
        return self.orm

    @property
    def status(self) -> str:
        if self.wrong or self.orm_wrong:
            return "WRONG"
        measured = self.measured
        if measured is None:
            return "SKIP"
        return "PASS" if OPERATORS[self.op](measured, self.limit) else "MISS"

    def target(self) -> str:
        suffix = "x" if self.compare == "ratio" or self.unit == "x" else f" {self.unit}"
        return f"{self.op} {self.limit:g}{suffix}"

    def line(self) -> str:
        """The figure on one line, as printed when it is measured."""
        if self.skipped:
            known = f"; {self.baseline} {fmt(self.raw, self.unit)}" if self.raw else ""
            return f"{self.name}: SKIP ({self.skipped}){known}"
        if self.wrong:
            return f"{self.name}: WRONG: results differ from {self.baseline}; no timing reported"
        if self.orm_wrong:
            return (
                f"{self.name}: WRONG on the ORM path:"
                f" {self.orm_problem or f'results differ from {self.baseline}'}"
            )
        measured = self.measured
        shown = (
            "-"
            if measured is None
            else (f"{measured:.2f}x" if self.compare == "ratio" else fmt(measured, self.unit))
        )
        orm_measured = self.orm_measured
        if orm_measured is None:
            orm = ""
        elif self.compare == "ratio":
            orm = (
                f"; ORM path {fmt(self.orm, self.unit)},"
                f" {self.baseline} {fmt(self.orm_raw, self.unit)} -> {orm_measured:.2f}x"
            )
        else:
            orm = f"; ORM path {fmt(orm_measured, self.unit)}"
        return (
            f"{self.name} ({self.work}): ours {fmt(self.ours, self.unit)},"
            f" {self.baseline} {fmt(self.raw, self.unit)} -> {shown}"
            f" (target {self.target()}) {self.status}{orm}"
        )

    def orm_cell(self) -> str:
        """The ORM path's figure: ratio and time for ratios, the value itself otherwise."""
        if self.orm_wrong:
            return "WRONG"
        measured = self.orm_measured
        if measured is None:
            return "-"
        if self.compare == "ratio":
            return f"{measured:.2f}x ({fmt(self.orm, self.unit)})"
        return fmt(measured, self.unit)


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.1f} {unit}"


def rounds_of(rounds: int, ours: Setup[Any], raw: Setup[Any]) -> tuple[float, float, Any, Any]:
    """Median seconds of each side over alternating rounds, and each side's last result."""
    ours_times: list[float] = []
    raw_times: list[float] = []
    ours_result = raw_result = None
    for index in range(rounds):
        # alternate which side goes first, so neither always runs on a warmer machine
        order = ((ours, ours_times), (raw, raw_times))
        for setup, times in order if index % 2 == 0 else reversed(order):
            # drop this side's last result and collect first: each round starts from the same
            # heap, so the collector's cost in a round is that round's own allocations
            if setup is ours:
                ours_result = None
            else:
                raw_result = None
            work = setup()
            gc.collect()
            start = time.perf_counter()
            result = work()
            times.append(time.perf_counter() - start)
            if setup is ours:
                ours_result = result
            else:
                raw_result = result
    return statistics.median(ours_times), statistics.median(raw_times), ours_result, raw_result


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load() -> str:
    """The 1-minute load average against the cores: a busy machine cannot scale to 2 workers."""
    if not hasattr(os, "getloadavg"):
        return "unknown"
    return f"1-minute load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


def header(rows: int, rounds: int) -> str:
    """The machine and versions, so a figure can be read against where it was measured."""
    import sqlalchemy

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cli = shutil.which("sqlite3")
    cli_version = (
        subprocess.run([cli, "--version"], capture_output=True, text=True).stdout.split()[0]
        if cli
        else "not installed"
    )
    lines = [
        "microcosm-sqlite benchmark (issue 5): ours vs raw SQLite, median of rounds",
        f"  machine:    {cpu_model()}, {os.cpu_count()} cores ({usable} usable),"
        f" {platform.system()} {platform.release()}",
        f"  python:     {platform.python_implementation()} {platform.python_version()}"
        f" ({sys.executable})",
        f"  sqlite:     library {sqlite3.sqlite_version}, command line {cli_version}",
        f"  sqlalchemy: {sqlalchemy.__version__}",
        f"  data:       {rows:,} rows x 6 columns, {rounds} rounds",
        f"  load:       {load()} (other work on the machine skews every figure, concurrency most)",
    ]
    return "\n".join(lines)


def table(figures: list[Figure]) -> str:
    """The final summary: one row per figure."""
    heads = ("figure", "work", "ours", "baseline", "measured", "target", "status", "ORM path")
    rows = []
    for figure in figures:
        measured = figure.measured
        shown = (
            "-"
            if measured is None
            else (f"{measured:.2f}x" if figure.compare == "ratio" else fmt(measured, figure.unit))
        )
        rows.append(
            (
                figure.name,
                figure.work,
                fmt(figure.ours, figure.unit),
                f"{figure.baseline} {fmt(figure.raw, figure.unit)}",
                shown,
                figure.target(),
                figure.status,
                "" if figure.orm is None and not figure.orm_wrong else figure.orm_cell(),
            )
        )
    widths = [max(len(str(row[i])) for row in (heads, *rows)) for i in range(len(heads))]

    def render(row: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))

    rule = "  ".join("-" * width for width in widths)
    lines = [render(heads), rule, *(render(row) for row in rows)]
    reasons = dict.fromkeys(figure.skipped for figure in figures if figure.skipped)
    lines += [f"SKIP: {reason}" for reason in reasons]
    return "\n".join(line.rstrip() for line in lines)
