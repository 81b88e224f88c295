"""
Commands for reviewing a change of data: `diff` of two artifacts, `textconv`, the text form
git's diff driver shows, and `git-setup`, which sets that driver up in a clone.

"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from microcosm_sqlite.cli._options import (
    BAD_INPUT,
    DIFFERENT,
    TROUBLE,
    artifact_path,
    configure_logging,
    verbosity,
)
from microcosm_sqlite.errors import SQLiteError
from microcosm_sqlite.formatting import one_line
from microcosm_sqlite.tools.diff import diff_artifacts
from microcosm_sqlite.tools.git_setup import DRIVER, PATTERN, git_setup
from microcosm_sqlite.tools.textconv import unreadable_line, write_textconv

__all__ = ["diff_command", "git_setup_command", "textconv"]

logger = logging.getLogger(__name__)


@click.command("diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")
@click.option("-t", "--table", metavar="TABLE", help="Compare this table only.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    metavar="N",
    help="Show at most N changed rows per table; the counts stay exact.",
)
@verbosity()
def diff_command(
    old: Path,
    new: Path,
    as_json: bool,
    table: str | None,
    limit: int | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """
    Show what changed from the artifact OLD to NEW: schema, then rows by primary key.

    Schema changes come first (tables, columns, indexes, foreign keys added, removed or
    changed), then per table each row added (+), removed (-) or changed (~, only the columns
    that changed, old -> new), and a line of counts. Tables with no primary key compare
    whole rows. The manifest (versions, row counts) is not content.

    A JSON column's changed document shows what changed inside it, each key or item at its
    path: `names.common_name "Latin" -> "Latin (classical)"`.

    Names and values holding a newline or a character that is not printable are quoted and
    escaped. --json is strict JSON; a blob is {"blob": "<hex>"}, an infinite real
    {"real": "Infinity"} and a JSON column's document {"json": <the value it holds>} (a
    changed one with its "changes"), so no value looks like one of another type.

    Exit status as diff(1)'s: 0 when the content is the same, 1 when it differs, 2 on
    trouble (a path that is missing, not an artifact, or corrupt, or output that cannot be
    written).
    """
    configure_logging(quiet, verbose)
    try:
        differs = diff_artifacts(old, new, sys.stdout, as_json=as_json, table=table, limit=limit)
    except ValueError as error:
        if table is None:
            raise
        # a --table that neither artifact has
        raise click.BadParameter(str(error), param_hint="--table") from error
    except SQLiteError as error:
        click.echo(f"Error: {one_line(str(error))}", err=True)
        raise click.exceptions.Exit(TROUBLE) from error
    sys.stdout.flush()
    if differs:
        raise click.exceptions.Exit(DIFFERENT)


@click.command()
@artifact_path
@verbosity()
def textconv(path: Path, quiet: bool, verbose: bool) -> None:
    """
    Print the artifact at PATH as stable text, one line per row, for git's diff driver.

    The data set's name and schema first, then each table's rows sorted by primary key.
    `microcosm-sqlite git-setup` makes it git's diff driver for artifacts, so that `git diff`
    and `git log -p` show the rows that changed.

    A file it cannot read (a Git LFS pointer, a corrupt file, one holding a view) is shown as
    one line saying why, and the exit status stays 0, so that git goes on with the next file.
    `microcosm-sqlite verify` tells whether a file is sound.
    """
    configure_logging(quiet, verbose)
    try:
        write_textconv(path, sys.stdout)
    except SQLiteError as error:
        # what was written stays; the line says where and why it stopped
        sys.stdout.write(unreadable_line(path, error) + "\n")
    sys.stdout.flush()


@click.command("git-setup")
@click.argument(
    "directory",
    required=False,
    default=".",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option(
    "--pattern",
    default=PATTERN,
    show_default=True,
    help="The files the driver shows, as .gitattributes matches them.",
)
@verbosity()
def git_setup_command(directory: Path, pattern: str, quiet: bool, verbose: bool) -> None:
    """
    Set up git's diff driver for artifacts in the clone holding DIRECTORY (the current one).

    Adds `*.sqlite diff=microcosm-sqlite` to the work tree's .gitattributes (commit it once),
    and sets `diff.microcosm-sqlite.textconv` in this clone's .git/config to this environment's
    Python by its full path, `/.../bin/python -m microcosm_sqlite textconv`, so that `git diff`,
    `git log -p` and `git show` print changed rows in any shell, IDE or CI job, with or without
    the environment activated. git never takes that command from a repository's files: each
    clone runs `microcosm-sqlite git-setup` once (again when its environment moves).

    Changes nothing that is already right, so it can run at every checkout.
    """
    configure_logging(quiet, verbose)
    try:
        done = git_setup(directory, pattern)
    except ValueError as error:
        click.echo(f"Error: {one_line(str(error))}", err=True)
        raise click.exceptions.Exit(BAD_INPUT) from error
    attributes = one_line(str(done.attributes))
    if done.attribute_added:
        logger.info("added %r to %s: commit it, once, for every clone", done.attribute, attributes)
    else:
        logger.info("%s already sends %s to the %s driver", attributes, pattern, DRIVER)
    if not done.command_set:
        logger.info("this clone's diff.%s.textconv is already %s", DRIVER, done.command)
    elif done.previous is None:
        logger.info("set this clone's diff.%s.textconv to %s", DRIVER, done.command)
    else:
        logger.info(
            "set this clone's diff.%s.textconv to %s (was %s)", DRIVER, done.command, done.previous
        )
    logger.info(
        "each clone (every colleague, every CI job) runs `microcosm-sqlite git-setup` once:"
        " git takes no command from a repository's files"
    )
