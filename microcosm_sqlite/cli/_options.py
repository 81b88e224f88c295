"""
What every command shares: options, logging to stderr, exit statuses, and how a failure is told.

"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from microcosm.api import create_object_graph, load_each, load_from_dict, load_from_environ

from microcosm_sqlite.artifact.header import check_artifact
from microcosm_sqlite.errors import SQLiteError

__all__ = [
    "BAD_INPUT",
    "DIFFERENT",
    "TROUBLE",
    "app_dir_option",
    "artifact_for",
    "artifact_path",
    "configure_logging",
    "dataset_option",
    "fail",
    "optional_artifact_path",
    "verbosity",
]

F = TypeVar("F", bound=Callable[..., Any])

GRAPH_NAME = "microcosm_sqlite"
# how problems and log lines look on stderr
LOG_FORMAT = "{message}"

# exit statuses
BAD_INPUT = 1
# diff's, as diff(1)'s: 0 the same, 1 different, 2 trouble
DIFFERENT = 1
TROUBLE = 2


def verbosity(progress: bool = False) -> Callable[[F], F]:
    """`--quiet` and `--verbose`, shared by every command; `progress` for those with a bar."""
    quiet_help = "Log only warnings and errors" + ("; no progress bar." if progress else ".")

    def decorate(command: F) -> F:
        command = click.option(
            "-v", "--verbose", is_flag=True, help="Log each step (debug level)."
        )(command)
        command = click.option("-q", "--quiet", is_flag=True, help=quiet_help)(command)
        return command

    return decorate


app_dir_option = click.option(
    "--app-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Import MODELS from this directory first (as uvicorn's and flask's --app-dir);"
    " ./src is searched after the current directory.",
)
dataset_option = click.option(
    "--dataset",
    metavar="NAME",
    help="Instead of PATH, the data set NAME resolved as a service resolves it: sqlite.paths"
    " from the environment (MICROCOSM_SQLITE__SQLITE__PATHS__NAME), then installed"
    " microcosm.sqlite entry points.",
)
artifact_path = click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
# PATH, or --dataset NAME in its place
optional_artifact_path = click.argument(
    "path", required=False, type=click.Path(dir_okay=False, path_type=Path)
)


def configure_logging(quiet: bool, verbose: bool) -> Any:
    """
    A microcosm graph whose `logging` component sends log lines to stderr.

    The environment (MICROCOSM_SQLITE__LOGGING__...) may change the logging config; the flags
    choose the level. Root handlers are restored when the command ends, so running commands
    in-process (tests, scripts) leaves no handler behind on a closed stream.

    """
    level = "WARNING" if quiet else "DEBUG" if verbose else "INFO"
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    graph = create_object_graph(
        GRAPH_NAME,
        loader=load_each(
            load_from_dict(
                logging=dict(
                    default_format=LOG_FORMAT,
                    stream_handler=dict(stream="ext://sys.stderr"),
                )
            ),
            load_from_environ,
            load_from_dict(logging=dict(level=level)),
        ),
    )
    graph.use("logging")

    def restore() -> None:
        for handler in root.handlers:
            if handler not in saved[0]:
                handler.close()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])

    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(restore)
    return graph


def artifact_for(path: Path | None, dataset: str | None, graph: Any) -> Path:
    """
    PATH, or the file --dataset resolves to: the resolution is logged with where the path came
    from, and a missing or unreadable file fails here, named as the service would name it.

    """
    if path is not None and dataset is not None:
        raise click.UsageError("give PATH or --dataset NAME, not both")
    if path is not None:
        return path
    if dataset is None:
        raise click.UsageError("give PATH, or --dataset NAME")
    try:
        resolved = graph.sqlite.resolve(dataset)
        check_artifact(resolved.path, resolved.context())
    except SQLiteError as error:
        fail(error)
    return Path(resolved.path)


def fail(error: SQLiteError, problems: list[str] | tuple[str, ...] = ()) -> NoReturn:
    """Each problem on its own line, then the error, then exit status 1."""
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"Error: {error}", err=True)
    raise click.exceptions.Exit(BAD_INPUT)
