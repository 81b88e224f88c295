"""
What every command shares: options, logging to stderr, exit statuses, and how a failure is told.

"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from microcosm.api import create_object_graph, load_each, load_from_dict, load_from_environ
from microcosm.loaders.settings import load_from_json_file

from microcosm_sqlite._urls import is_url
from microcosm_sqlite.artifact.header import check_artifact
from microcosm_sqlite.errors import SQLiteError
from microcosm_sqlite.formatting import one_line

__all__ = [
    "BAD_INPUT",
    "DIFFERENT",
    "TROUBLE",
    "app_dir_option",
    "app_option",
    "artifact_for",
    "artifact_path",
    "configure_logging",
    "dataset_option",
    "fail",
    "is_output_error",
    "locate",
    "optional_artifact_path",
    "output_failed",
    "output_status",
    "report_output_error",
    "service_graph",
    "services_elsewhere",
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
# the status of a command whose output cannot be written, when not BAD_INPUT
OUTPUT_FAILED = {"diff": TROUBLE}
# the errors writing to a stream that end a command: the disk is full, the reader went away
OUTPUT_ERRORS = frozenset({errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


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
    " from the environment (MICROCOSM_SQLITE__SQLITE__PATHS__NAME, or with --app the"
    " service's own config), then installed microcosm.sqlite entry points.",
)
app_option = click.option(
    "--app",
    metavar="SERVICE",
    help="Resolve data sets as the microcosm service SERVICE does, with its config: its"
    " environment prefix (SERVICE__SQLITE__PATHS__NAME, SERVICE__SQLITE__CACHE_DIR...) and its"
    " SERVICE__SETTINGS JSON file, as microcosm's loaders read them for that graph name.",
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


def artifact_for(
    path: Path | None, dataset: str | None, graph: Any, app: str | None = None
) -> Path:
    """
    PATH, or the file --dataset resolves to (as service `app` resolves it, given one): the
    resolution is logged with where the path came from, and a missing or unreadable file, or
    another service's config for the name, fails here, named as the service would name it.

    """
    if path is not None and dataset is not None:
        raise click.UsageError("give PATH or --dataset NAME, not both")
    if path is not None:
        if app is not None:
            raise click.UsageError("--app resolves --dataset NAME; a PATH needs none")
        return path
    if dataset is None:
        raise click.UsageError("give PATH, or --dataset NAME")
    service = service_graph(app, graph)
    locate(service, dataset, app)
    try:
        resolved = service.sqlite.resolve(dataset)
        check_artifact(resolved.path, resolved.context())
    except SQLiteError as error:
        fail(error)
    return Path(resolved.path)


def service_graph(app: str | None, graph: Any) -> Any:
    """
    The graph that resolves data sets: the command's own (its environment prefix is
    MICROCOSM_SQLITE), or, for --app SERVICE, one configured as that service's is by
    microcosm's loaders: the SERVICE__SETTINGS JSON file, then the SERVICE__ environment.

    """
    if app is None:
        return graph
    settings: Any = load_from_json_file
    try:
        return create_object_graph(app, loader=load_each(settings, load_from_environ))
    except (OSError, ValueError) as error:
        raise click.UsageError(f"the config of service {app!r} cannot be read: {error}") from error


def locate(service: Any, dataset: str, app: str | None) -> Any:
    """
    Where `service` finds a data set (config or entry point), not fetched. Without --app, the
    environment must not configure it otherwise for a service, or this command would answer
    for a file that service never opens: that fails, naming the variables and the --app to use.

    """
    try:
        located = service.sqlite.resolver.locate(dataset)
    except SQLiteError as error:
        if app is None:
            refuse_elsewhere(dataset, services_elsewhere(dataset, None, ""))
        fail(error)
    if app is None:
        cache_dir = service.sqlite.resolver.downloads.cache_dir
        refuse_elsewhere(dataset, services_elsewhere(dataset, located.path, cache_dir))
    return located


def services_elsewhere(dataset: str, path: str | None, cache_dir: str) -> list[str]:
    """
    The environment variables by which a service (a prefix other than this command's) would
    find the data set elsewhere than `path`: its `SERVICE__SQLITE__PATHS__NAME` set otherwise,
    or, for a pinned URL, its `SERVICE__SQLITE__CACHE_DIR` other than this command's.

    """
    own = GRAPH_NAME.upper()
    found = []
    for key, value in sorted(os.environ.items()):
        prefix, _, rest = key.partition("__")
        if prefix == own or rest.lower() != f"sqlite__paths__{dataset.lower()}":
            continue
        if value != path:
            found.append(key)
            continue
        cache = f"{prefix}__SQLITE__CACHE_DIR"
        if is_url(value) and os.environ.get(cache, cache_dir) != cache_dir:
            found.append(cache)
    return found


def refuse_elsewhere(dataset: str, keys: list[str]) -> None:
    """Fail when `keys` name another service's config for the data set; nothing otherwise."""
    if not keys:
        return
    services = sorted({key.partition("__")[0].lower() for key in keys})
    hint = " or ".join(f"--app {service}" for service in services)
    click.echo(
        f"Error: data set {dataset!r}: the environment configures it otherwise for a service"
        f" ({', '.join(keys)}), whose config this command reads only with {hint}: the answer"
        " here would not be that service's",
        err=True,
    )
    raise click.exceptions.Exit(BAD_INPUT)


def fail(error: SQLiteError, problems: list[str] | tuple[str, ...] = ()) -> NoReturn:
    """
    Each problem on its own line, then the error, then exit status 1. What is not printable
    (a newline or ESC in a name from the file) is escaped, so each stays one line.

    """
    for problem in problems:
        click.echo(one_line(problem), err=True)
    click.echo(f"Error: {one_line(str(error))}", err=True)
    raise click.exceptions.Exit(BAD_INPUT)


def is_output_error(error: OSError) -> bool:
    """Whether an error is writing to a standard stream failing (no file of ours named)."""
    return error.filename is None and error.errno in OUTPUT_ERRORS


def output_status(command: str | None) -> int:
    """The exit status of a command whose output cannot be written: 1, or diff's 2."""
    return OUTPUT_FAILED.get(command or "", BAD_INPUT)


def report_output_error(error: OSError) -> None:
    """
    Say in one line on stderr that the output could not be written, and send what is left
    in stdout's buffer to the null device, so that the interpreter's last flush fails no more.

    """
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # replaced by a stream with no descriptor
        descriptor = None
    if descriptor is not None:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, descriptor)
        os.close(null)
    reason = os.strerror(error.errno) if error.errno else str(error)
    with contextlib.suppress(OSError):  # stderr is gone too: the status alone tells
        click.echo(f"Error: cannot write the output: {reason}", err=True)


def output_failed(error: OSError, command: str | None) -> NoReturn:
    """End a command whose output cannot be written: one line, and its status."""
    report_output_error(error)
    raise click.exceptions.Exit(output_status(command))
