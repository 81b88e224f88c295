"""
Commands that look inside an artifact: `inspect`, `verify` and `dump`.

"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from microcosm_sqlite.artifact.digest import file_sha256
from microcosm_sqlite.cli._models import import_models
from microcosm_sqlite.cli._options import (
    BAD_INPUT,
    app_dir_option,
    app_option,
    artifact_for,
    artifact_path,
    configure_logging,
    dataset_option,
    fail,
    optional_artifact_path,
    verbosity,
)
from microcosm_sqlite.errors import SQLiteError
from microcosm_sqlite.formatting import json_safe, name_text, one_line, plural
from microcosm_sqlite.tools.dump import (
    DUMP_FORMATS,
    DumpFormat,
    dump_artifact,
    dump_file_name,
    dump_to_stream,
)
from microcosm_sqlite.tools.inspect import describe, inspect_artifact
from microcosm_sqlite.tools.verify import verify_artifact

__all__ = ["dump", "inspect_command", "verify"]

logger = logging.getLogger(__name__)


@click.command("inspect")
@optional_artifact_path
@dataset_option
@app_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@verbosity()
def inspect_command(
    path: Path | None,
    dataset: str | None,
    app: str | None,
    as_json: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """
    Show what the artifact at PATH (or the data set --dataset NAME, as the service --app
    SERVICE resolves it) holds.

    Tables with their columns, row counts, foreign keys and indexes (SQLite's automatic
    `sqlite_autoindex_*` ones marked as such), the file's size, sha256 (to pin a URL to it,
    URL#sha256=<hex>) and page layout, and the manifest that `build` wrote (data set, schema
    fingerprint, row counts, versions).
    """
    graph = configure_logging(quiet, verbose)
    path = artifact_for(path, dataset, graph, app)
    try:
        info = inspect_artifact(path)
    except SQLiteError as error:
        fail(error)
    digest = file_sha256(path)
    if as_json:
        click.echo(json_safe({**info.as_dict(), "sha256": digest}, indent=2))
    else:
        first, _, rest = describe(info).partition("\n")
        click.echo(f"{first}\nsha256={digest}\n{rest}".rstrip("\n"))


@click.command()
@optional_artifact_path
@dataset_option
@app_option
@click.option(
    "--models",
    metavar="MODELS",
    help="Also check the schema against these models (package.module or package.module:Base).",
)
@app_dir_option
@verbosity()
def verify(
    path: Path | None,
    dataset: str | None,
    app: str | None,
    models: str | None,
    app_dir: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """
    Check the artifact at PATH (or the data set --dataset NAME, as the service --app SERVICE
    resolves it); exit 0 when sound, 1 if not.

    Runs SQLite's integrity and foreign key checks and compares the manifest with the content
    (row counts, schema fingerprint, full-text indexes against their tables' rows). With
    --models, also checks that tables and columns match the models (names, types, nullability
    and primary keys, full-text indexes) and runs the models' data checks, whose warnings are
    logged. Each difference is one line.
    """
    graph = configure_logging(quiet, verbose)
    path = artifact_for(path, dataset, graph, app)
    base = import_models(models, app_dir) if models else None
    try:
        differences = verify_artifact(path, base)
    except SQLiteError as error:
        fail(error)
    if differences:
        for difference in differences:
            click.echo(one_line(difference), err=True)
        click.echo(
            f"Error: {name_text(str(path))}: {plural(len(differences), 'problem')} found", err=True
        )
        raise click.exceptions.Exit(BAD_INPUT)
    logger.info("%s: verified", name_text(str(path)))


@click.command()
@artifact_path
@click.option(
    "-t",
    "--table",
    "tables",
    multiple=True,
    metavar="TABLE",
    help="Dump this table only (repeat for more); all tables by default.",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(DUMP_FORMATS),
    default="csv",
    show_default=True,
    help="The source format to write.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write <table>.<format> files into; without it, the one --table"
    " goes to stdout.",
)
@verbosity()
def dump(
    path: Path,
    tables: tuple[str, ...],
    format_: DumpFormat,
    output: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """
    Write the tables of the artifact at PATH back out as sources that `build` accepts.

    Dumping, then building from the dump, gives the same rows. CSV cannot tell an empty
    string from NULL; a table holding empty strings dumps as JSON Lines (--format jsonl).

    With -o DIR, each table goes to DIR/<table>.<format>, replacing what is there (a symbolic
    link is replaced, not followed). A table whose name is no plain file name (a `/`, a
    character that is not printable, too long) or two whose files a case-insensitive file
    system would take for one are refused before anything is written: dump such a table
    alone to stdout with --table.
    """
    configure_logging(quiet, verbose)
    if output is None and len(tables) != 1:
        raise click.UsageError("give -o DIR, or exactly one --table to write it to stdout")
    try:
        if output is None:
            stream = sys.stdout
            dump_to_stream(path, tables[0], stream, format_)
            stream.flush()
            return
        counts = dump_artifact(path, output, tables=tables, format=format_)
    except SQLiteError as error:
        fail(error)
    for table, rows in counts.items():
        target = output / dump_file_name(table, format_)
        logger.info("wrote %s of %s to %s", plural(rows, "row"), name_text(table), target)
