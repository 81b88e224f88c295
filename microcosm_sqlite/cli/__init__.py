"""
The `microcosm-sqlite` command: a thin click layer over the Python API (`microcosm_sqlite.building`,
`microcosm_sqlite.tools`, the `sqlite` graph component).

Every command's docstring is its `--help`. Exit status: 0 when all went well, 1 when the
input or the artifact is bad (each problem on its own line on stderr), 2 for usage errors;
`diff` exits as diff(1) does. Output that cannot be written (a full disk, a pipe whose reader
has gone) ends any command, `--help` included, with one line on stderr and exit status 1 (2
for `diff`, its status for trouble), never a traceback. Names and values from a file are
escaped in every line written for people (see `microcosm_sqlite.formatting`).
Commands live in modules by theme: `_artifacts` (build, fetch), `_looking` (inspect, verify,
dump), `_reviewing` (diff, textconv, git-setup), `_starting` (init, models), `_querying` (query,
rows, get); what they share is `_options`.

"""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Any, NoReturn

import click

from microcosm_sqlite.cli._artifacts import build, fetch
from microcosm_sqlite.cli._looking import dump, inspect_command, verify
from microcosm_sqlite.cli._options import (
    BAD_INPUT,
    is_output_error,
    output_failed,
    report_output_error,
)
from microcosm_sqlite.cli._querying import get_command, query_command, rows_command
from microcosm_sqlite.cli._reviewing import diff_command, git_setup_command, textconv
from microcosm_sqlite.cli._starting import init_command, models_command

__all__ = ["cli", "main"]


class _Commands(click.Group):
    """The command group: a command whose output cannot be written ends with one line."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Read the group's options: `--help` and `--version` print as they are read."""
        try:
            return super().parse_args(ctx, args)
        except OSError as error:
            if not is_output_error(error):
                raise
            output_failed(error, None)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, then flush stdout: what cannot be written is told, not raised."""
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()
        except OSError as error:
            if not is_output_error(error):
                raise
            output_failed(error, ctx.invoked_subcommand)


@click.group(cls=_Commands, context_settings=dict(help_option_names=["-h", "--help"]))
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
cli.add_command(git_setup_command)
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
    try:
        try:
            cli(prog_name="microcosm-sqlite")
        finally:
            # what the group wrote itself (`--help`, `--version`) is flushed here
            sys.stdout.flush()
    except OSError as error:
        if not is_output_error(error):
            raise
        report_output_error(error)
        sys.exit(BAD_INPUT)
