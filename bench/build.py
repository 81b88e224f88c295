"""
Builds: `microcosm-sqlite build` against the `sqlite3` command line's `.import` and sqlite-utils.

Every tool runs as its own process on the same CSV into the same schema (the models' DDL,
index created after loading, as a careful hand import would), and every artifact is checked
row by row, values and storage types, against the `sqlite3 .import` one. Time is wall time
from spawn to exit; peak memory is the process's own `ru_maxrss`, from `wait4`.

"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.data import TABLE, schema_statements, table_matches
from bench.report import Figure

ROOT = Path(__file__).resolve().parent.parent
MODELS = "bench.models"
# builds are long: at most this many rounds, and sqlite-utils (~40 s a build for 1,000,000
# rows, where we only check that ours is faster) runs once
BUILD_ROUNDS = 3


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    stderr: str


def spawn(command: list[str], stdin: Path | None = None) -> Run:
    """Run a command to its end and measure it, keeping its output out of the report."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile("w+") as errors:
        source = stdin.open() if stdin else subprocess.DEVNULL
        try:
            start = time.perf_counter()
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=environment,
                stdin=source,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
            _, status, usage = os.wait4(process.pid, 0)
            elapsed = time.perf_counter() - start
        finally:
            if stdin:
                source.close()  # type: ignore[union-attr]
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        # ru_maxrss is in KiB on Linux
        return Run(elapsed, usage.ru_maxrss / 1024, process.returncode, errors.read())


def console_script(name: str) -> str | None:
    """A tool from this interpreter's environment first, so the code under test is this tree's."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def ours_command(source_dir: Path, output: Path) -> list[str] | None:
    script = console_script("microcosm-sqlite")
    if script is None:
        return None
    command = [script, "build", MODELS, str(source_dir), "-o", str(output)]
    helped = subprocess.run([script, "build", "--help"], capture_output=True, text=True)
    if "--quiet" in helped.stdout:
        command.insert(2, "--quiet")
    return command


def build_ours(source_dir: Path, output: Path) -> Run | str:
    """Our build, or why it could not run (no builder yet, or it failed)."""
    command = ours_command(source_dir, output)
    if command is None:
        return "builder not available: no microcosm-sqlite console script"
    output.unlink(missing_ok=True)
    run = spawn(command)
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        return f"builder not available: exit {run.returncode}: {last[:160]}"
    return run


def sqlite3_cli_script(csv_path: Path, workdir: Path) -> Path:
    table_ddl, *index_ddl = schema_statements()
    script = workdir / "import.sql"
    lines = [
        f"{table_ddl};",
        f'.import --csv --skip 1 "{csv_path}" {TABLE}',
        *(f"{statement};" for statement in index_ddl),
    ]
    script.write_text("\n".join(lines) + "\n")
    return script


def build_sqlite3_cli(cli: str, script: Path, output: Path) -> Run:
    output.unlink(missing_ok=True)
    return spawn([cli, "-bail", str(output)], stdin=script)


def build_sqlite_utils(tool: str, cli: str, csv_path: Path, output: Path) -> Run:
    """`sqlite-utils insert --csv` into the pre-created table, then the index, as one figure."""
    table_ddl, *index_ddl = schema_statements()
    output.unlink(missing_ok=True)
    with sqlite3.connect(output) as connection:
        connection.execute(table_ddl)
    connection.close()
    insert = spawn([tool, "insert", str(output), TABLE, str(csv_path), "--csv"])
    if insert.returncode != 0:
        return insert
    index = spawn([cli, "-bail", str(output), "; ".join(index_ddl)])
    return Run(
        insert.seconds + index.seconds,
        max(insert.peak_mb, index.peak_mb),
        index.returncode,
        insert.stderr + index.stderr,
    )


def checked(run: Run, what: str) -> Run:
    if run.returncode != 0:
        raise RuntimeError(f"{what} failed with exit {run.returncode}: {run.stderr[-500:]}")
    return run


def build(csv_path: Path, workdir: Path, rounds: int) -> list[Figure]:
    """Time, memory and output equality of the three builds, alternating their order by round."""
    cli = shutil.which("sqlite3")
    tool = console_script("sqlite-utils")
    if cli is None or tool is None:
        missing = "the sqlite3 command line" if cli is None else "sqlite-utils"
        return [
            Figure(name, "", None, None, unit, op, limit, skipped=f"{missing} not installed")
            for name, unit, op, limit in (
                ("build", "s", "<=", 3.0),
                ("build peak RSS", "MB", "<=", 150),
                ("build vs sqlite-utils", "s", "<", 1.0),
            )
        ]
    rows = sum(1 for _ in csv_path.open()) - 1
    script = sqlite3_cli_script(csv_path, workdir)
    outputs = {side: workdir / f"build-{side}.sqlite" for side in ("ours", "cli", "utils")}
    runs: dict[str, list[Run]] = {side: [] for side in outputs}
    unavailable: str | None = None
    for index in range(min(rounds, BUILD_ROUNDS)):
        sides = ["ours", "cli", "utils"]
        for side in sides[index % 3 :] + sides[: index % 3]:
            if side == "utils" and runs["utils"]:
                continue
            if side == "ours":
                if unavailable:
                    continue
                ours = build_ours(csv_path.parent, outputs["ours"])
                if isinstance(ours, str):
                    unavailable = ours
                else:
                    runs["ours"].append(ours)
            elif side == "cli":
                runs["cli"].append(
                    checked(build_sqlite3_cli(cli, script, outputs["cli"]), "sqlite3 .import")
                )
            else:
                runs["utils"].append(
                    checked(
                        build_sqlite_utils(tool, cli, csv_path, outputs["utils"]),
                        "sqlite-utils insert",
                    )
                )
    cli_seconds = statistics.median(run.seconds for run in runs["cli"])
    cli_peak = statistics.median(run.peak_mb for run in runs["cli"])
    utils_seconds = statistics.median(run.seconds for run in runs["utils"])
    utils_equal = table_matches(outputs["utils"], outputs["cli"])[2] == 0
    work = f"{rows:,}-row CSV, {len(runs['cli'])} rounds"
    once = f"{rows:,}-row CSV, sqlite-utils once"
    if unavailable:
        return [
            Figure(
                "build",
                work,
                None,
                cli_seconds,
                "s",
                "<=",
                3.0,
                baseline="sqlite3 .import",
                skipped=unavailable,
            ),
            Figure(
                "build peak RSS",
                work,
                None,
                cli_peak,
                "MB",
                "<=",
                150,
                compare="value",
                baseline="sqlite3 .import",
                skipped=unavailable,
            ),
            Figure(
                "build vs sqlite-utils",
                once,
                None,
                utils_seconds,
                "s",
                "<",
                1.0,
                baseline="sqlite-utils",
                skipped=unavailable,
                wrong=not utils_equal,
            ),
        ]
    ours_equal = table_matches(outputs["ours"], outputs["cli"])[2] == 0
    ours_seconds = statistics.median(run.seconds for run in runs["ours"])
    ours_peak = statistics.median(run.peak_mb for run in runs["ours"])
    return [
        Figure(
            "build",
            work,
            ours_seconds,
            cli_seconds,
            "s",
            "<=",
            3.0,
            baseline="sqlite3 .import",
            wrong=not ours_equal,
        ),
        Figure(
            "build peak RSS",
            work,
            ours_peak,
            cli_peak,
            "MB",
            "<=",
            150,
            compare="value",
            baseline="sqlite3 .import",
            wrong=not ours_equal,
        ),
        Figure(
            "build vs sqlite-utils",
            once,
            ours_seconds,
            utils_seconds,
            "s",
            "<",
            1.0,
            baseline="sqlite-utils",
            wrong=not (ours_equal and utils_equal),
        ),
    ]


def build_artifact(csv_path: Path, output: Path) -> str | None:
    """Build the artifact the read figures use with our builder; why not, when it cannot."""
    result = build_ours(csv_path.parent, output)
    return result if isinstance(result, str) else None
