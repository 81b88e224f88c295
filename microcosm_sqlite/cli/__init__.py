"""
The `microcosm-sqlite` command: a thin click layer over the Python API (`microcosm_sqlite.building`,
`microcosm_sqlite.tools`, the `sqlite` graph component).

Every command's docstring is its `--help`. Exit status: 0 when all went well, 1 when the
input or the artifact is bad (each problem on its own line on stderr), 2 for usage errors.
Commands live in modules by theme: `_artifacts` (build, fetch), `_looking` (inspect, verify,
dump), `_reviewing` (diff, textconv), `_starting` (init, models), `_querying` (query, rows,
get); what they share is `_options`.

"""

from __future__ import annotations

import signal
from types import FrameType
from typing import NoReturn

import click

from microcosm_sqlite.cli._artifacts import build, fetch
from microcosm_sqlite.cli._looking import dump, inspect_command, verify
from microcosm_sqlite.cli._querying import get_command, query_command, rows_command
from microcosm_sqlite.cli._reviewing import diff_command, textconv
from microcosm_sqlite.cli._starting import init_command, models_command

__all__ = ["cli", "main"]


@click.group(context_settings=dict(help_option_names=["-h", "--help"]))
@click.version_option(package_name="microcosm-sqlite")
def cli() -> None:
    """
    Build, inspect, verify and dump read-only reference data sets shipped as SQLite files.

    Sources are CSV or JSON Lines files, one per table; `build` turns them into an artifact
    that microcosm services read through `graph.sqlite` and `Store` classes.
    """


cli.add_command(build)
cli.add_command(fetch)
cli.add_command(inspect_command)
cli.add_command(verify)
cli.add_command(dump)
cli.add_command(diff_command)
cli.add_command(textconv)
cli.add_command(init_command)
cli.add_command(models_command)
cli.add_command(query_command)
cli.add_command(rows_command)
cli.add_command(get_command)


def terminate(signum: int, frame: FrameType | None) -> NoReturn:
    """SIGTERM unwinds like Ctrl-C, so a build removes its temporary file."""
    raise SystemExit(128 + signum)


def main() -> None:
    """The console script, and `python -m microcosm_sqlite` (or `microcosm_sqlite.cli`)."""
    signal.signal(signal.SIGTERM, terminate)
    cli(prog_name="microcosm-sqlite")
