"""
A read-only look inside an artifact: `query`, `rows` and `get`, under `inspect`'s defences.

"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from microcosm_sqlite.cli._options import (
    app_option,
    artifact_for,
    configure_logging,
    dataset_option,
    fail,
    verbosity,
)
from microcosm_sqlite.errors import SQLiteError
from microcosm_sqlite.formatting import plural
from microcosm_sqlite.tools.output import OutputFormat, write_record, write_rows
from microcosm_sqlite.tools.query import (
    DEFAULT_LIMIT,
    DEFAULT_SECONDS,
    QueryResult,
    get_row,
    query_artifact,
    table_rows,
)

__all__ = ["get_command", "query_command", "rows_command"]

F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger(__name__)


def output_format(command: F) -> F:
    """--json, --jsonl and --csv (an aligned table without them), shared by query, rows, get."""
    for flag, value, text in (
        ("--csv", "csv", "Print CSV: a header, then a line per row."),
        ("--jsonl", "jsonl", "Print JSON Lines: one object per row."),
        ("--json", "json", "Print JSON: an array of objects (an object for get)."),
    ):
        command = click.option(flag, "format_", flag_value=value, help=text)(command)
    return command


def reading_options(command: F) -> F:
    """--limit and --timeout, shared by query and rows."""
    command = click.option(
        "--timeout",
        "seconds",
        type=click.FloatRange(min=0),
        metavar="SECONDS",
        default=DEFAULT_SECONDS,
        show_default=True,
        help="Stop the statement after this many seconds (0: no bound).",
    )(command)
    command = click.option(
        "--limit",
        type=click.IntRange(min=0),
        metavar="N",
        default=DEFAULT_LIMIT,
        show_default=True,
        help="Print at most this many rows (0: all).",
    )(command)
    command = click.option(
        "-p",
        "--param",
        "params",
        type=(str, str),
        multiple=True,
        metavar="NAME VALUE",
        help="A value for :NAME in the SQL (repeat for more).",
    )(command)
    return command


def split_arguments(
    arguments: tuple[str, ...],
    dataset: str | None,
    names: tuple[str, ...],
    graph: Any,
    app: str | None = None,
) -> tuple[Path, list[str]]:
    """The artifact (PATH, or --dataset NAME resolved, as service `app` would) and the
    arguments after it."""
    wanted = len(names) + (dataset is None)
    if len(arguments) < wanted or (len(arguments) > wanted and names[-1] != "KEY"):
        shown = " ".join(names)
        raise click.UsageError(f"give {'PATH ' if dataset is None else ''}{shown}")
    if dataset is None:
        return artifact_for(Path(arguments[0]), None, graph, app), list(arguments[1:])
    return artifact_for(None, dataset, graph, app), list(arguments)


def print_rows(result: QueryResult, format_: OutputFormat) -> None:
    """Write a result's rows to stdout, and say on stderr when the limit left rows out."""
    write_rows(result.columns, result.rows, sys.stdout, format_)
    sys.stdout.flush()
    if result.truncated:
        logger.warning(
            "only the first %s printed: --limit N for more, --limit 0 for all",
            plural(result.limit or 0, "row"),
        )


@click.command("query")
@click.argument("arguments", nargs=-1, metavar="[PATH] SQL")
@dataset_option
@app_option
@output_format
@reading_options
@verbosity()
def query_command(
    arguments: tuple[str, ...],
    dataset: str | None,
    app: str | None,
    format_: OutputFormat | None,
    params: tuple[tuple[str, str], ...],
    limit: int,
    seconds: float,
    quiet: bool,
    verbose: bool,
) -> None:
    """
    Run one SQL statement that reads on the artifact at PATH (or the data set --dataset NAME).

    The file opens read-only with the defences `inspect` uses. Statements that would write,
    change the schema, attach a file, open a transaction, set a pragma or load an extension
    are refused before they run, as is a second statement. The statement stops after
    --timeout seconds, and at most --limit rows print: an aligned table, or --json, --jsonl,
    --csv.
    """
    graph = configure_logging(quiet, verbose)
    path, (sql,) = split_arguments(arguments, dataset, ("SQL",), graph, app)
    try:
        with query_artifact(
            path, sql, dict(params), limit=limit or None, seconds=seconds
        ) as result:
            print_rows(result, format_ or "table")
    except SQLiteError as error:
        fail(error)


@click.command("rows")
@click.argument("arguments", nargs=-1, metavar="[PATH] TABLE")
@dataset_option
@app_option
@click.option("--where", metavar="SQL", help="Only rows for which this SQL expression holds.")
@output_format
@reading_options
@verbosity()
def rows_command(
    arguments: tuple[str, ...],
    dataset: str | None,
    app: str | None,
    where: str | None,
    format_: OutputFormat | None,
    params: tuple[tuple[str, str], ...],
    limit: int,
    seconds: float,
    quiet: bool,
    verbose: bool,
) -> None:
    """
    Print the rows of TABLE in the artifact at PATH (or the data set --dataset NAME), in
    primary key order.

    --where filters them with an SQL expression (`--where "country_code = :c" -p c FR`),
    read-only as `query` is; at most --limit rows print, within --timeout seconds.
    """
    graph = configure_logging(quiet, verbose)
    path, (table,) = split_arguments(arguments, dataset, ("TABLE",), graph, app)
    try:
        with table_rows(
            path, table, where=where, parameters=dict(params), limit=limit or None, seconds=seconds
        ) as result:
            print_rows(result, format_ or "table")
    except SQLiteError as error:
        fail(error)


@click.command("get")
@click.argument("arguments", nargs=-1, metavar="[PATH] TABLE KEY...")
@dataset_option
@app_option
@output_format
@verbosity()
def get_command(
    arguments: tuple[str, ...],
    dataset: str | None,
    app: str | None,
    format_: OutputFormat | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """
    Print the row of TABLE whose primary key is KEY, in the artifact at PATH (or the data set
    --dataset NAME); a composite key takes one KEY per column, in key order.

    Exit status 1, naming the key, when no row has it.
    """
    graph = configure_logging(quiet, verbose)
    path, (table, *key) = split_arguments(arguments, dataset, ("TABLE", "KEY"), graph, app)
    try:
        columns, row = get_row(path, table, key)
    except SQLiteError as error:
        fail(error)
    write_record(columns, row, sys.stdout, format_ or "table")
