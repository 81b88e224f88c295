"""
Commands for reviewing a change of data: `diff` of two artifacts, and `textconv`, the text form
git's diff driver shows.

"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from microcosm_sqlite.cli._options import (
    DIFFERENT,
    TROUBLE,
    artifact_path,
    configure_logging,
    verbosity,
)
from microcosm_sqlite.errors import SQLiteError
from microcosm_sqlite.formatting import one_line
from microcosm_sqlite.tools.diff import diff_artifacts
from microcosm_sqlite.tools.textconv import unreadable_line, write_textconv

__all__ = ["diff_command", "textconv"]


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

    Names and values holding a newline or a character that is not printable are quoted and
    escaped. --json is strict JSON; a blob is {"blob": "<hex>"} and an infinite real
    {"real": "Infinity"}, so no value looks like one of another type.

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

    The data set's name and schema first, then each table's rows sorted by primary key. With
    `*.sqlite diff=microcosm-sqlite` in .gitattributes and
    `git config diff.microcosm-sqlite.textconv "microcosm-sqlite textconv"`, `git diff` and
    `git log -p` show the rows that changed.

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
