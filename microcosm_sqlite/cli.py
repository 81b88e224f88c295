"""
The `microcosm-sqlite` command: a thin click layer over `build`, `inspection`, `diffing`, `remote`.

Every command's docstring is its `--help`. Exit status: 0 when all went well, 1 when the
input or the artifact is bad (each problem on its own line on stderr), 2 for usage errors.

"""

from __future__ import annotations

import logging
import re
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn, TypeVar

import click
from microcosm.api import create_object_graph, load_each, load_from_dict, load_from_environ

from microcosm_sqlite.artifact.digest import file_sha256
from microcosm_sqlite.artifact.header import check_artifact
from microcosm_sqlite.building import build_artifact, find_base
from microcosm_sqlite.diffing import diff_artifacts, write_textconv
from microcosm_sqlite.errors import BuildError, SQLiteError
from microcosm_sqlite.formatting import json_text, plural
from microcosm_sqlite.inspection import (
    DUMP_FORMATS,
    DumpFormat,
    describe,
    dump_artifact,
    dump_to_stream,
    inspect_artifact,
    verify_artifact,
)
from microcosm_sqlite.paths import ResolvedPath
from microcosm_sqlite.remote import is_remote
from microcosm_sqlite.tools.drafting import DEFAULT_SAMPLE_ROWS, draft_models
from microcosm_sqlite.tools.output import OutputFormat, write_record, write_rows
from microcosm_sqlite.tools.query import (
    DEFAULT_LIMIT,
    DEFAULT_SECONDS,
    QueryResult,
    get_row,
    query_artifact,
    table_rows,
)
from microcosm_sqlite.tools.scaffold import create_data_package

F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger(__name__)

GRAPH_NAME = "microcosm_sqlite"
# seconds a build runs before its progress bar appears
PROGRESS_DELAY = 0.5
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


def import_models(models: str, app_dir: Path | None = None) -> type[Any]:
    """
    The data set base for MODELS. It is imported from `--app-dir` first when given, then as
    `python -m` would (the current directory), then from `./src` for a src/ layout.

    """
    if app_dir is not None:
        sys.path.insert(0, str(app_dir.resolve()))
    for folder in (Path.cwd(), Path.cwd() / "src"):
        if (
            folder.is_dir()
            and str(folder) not in sys.path
            and (folder != Path.cwd() or "" not in sys.path)
        ):
            sys.path.append(str(folder))
    try:
        return find_base(models)
    except BuildError as error:
        raise click.BadParameter(error.reason, param_hint="MODELS") from error


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


class ProgressBar:
    """
    A build's progress on a terminal: each step's name as it starts (`loading authors`,
    `creating indexes`, `compacting (VACUUM)`, ...) on one status line that the next step
    overwrites, and a bar by bytes read once loading takes a moment. The status line is
    cleared when the build ends; with `verbose`, whose log lines would break into it, each
    step is a line of its own instead. Disabled (not a terminal, or `--quiet`), it shows
    nothing.
    """

    def __init__(self, enabled: bool, verbose: bool = False) -> None:
        self.enabled = enabled
        self.verbose = verbose
        self.total = 0
        self.done = 0
        self.started = time.monotonic()
        self.bar: Any = None
        self.label = "loading"
        # whether a status line is on screen, to clear
        self.shown = False

    @property
    def file(self) -> Any:
        """Where the bar draws: stderr, so stdout stays the command's output."""
        return sys.stderr

    def begin(self, total_bytes: int) -> None:
        """The build starts reading `total_bytes` of sources."""
        self.total = total_bytes
        self.started = time.monotonic()

    def phase(self, name: str) -> None:
        """A step of the build starts: its name replaces the last one."""
        loading = name.startswith("loading")
        if self.bar is not None and not loading:
            self._close_bar()
        self.label = name
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.label = name
            self.bar.render_progress()
            return
        self._status(name)

    def advance(self, bytes_read: int) -> None:
        """Bytes read since the last call; the bar appears once loading takes a moment."""
        self.done += bytes_read
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.started < PROGRESS_DELAY:
                return
            self._status("")
            self.bar = click.progressbar(
                length=max(self.total, 1), label=self.label, file=self.file, show_eta=True
            )
            self.bar.__enter__()
            self.bar.update(self.done)
            return
        self.bar.update(bytes_read)

    def end(self) -> None:
        """Close the bar and clear the status line."""
        self._close_bar()
        if self.enabled:
            self._status("")

    def _close_bar(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def _status(self, text: str) -> None:
        """`text` on the status line, or the line cleared when it is empty."""
        if self.verbose:
            if text:
                self.file.write(f"{text}\n")
        elif text or self.shown:
            # back to the line's start, clear it (ANSI erase-in-line), then the text
            self.file.write(f"\r\x1b[K{text}")
            self.shown = bool(text)
        self.file.flush()


@click.group(context_settings=dict(help_option_names=["-h", "--help"]))
@click.version_option(package_name="microcosm-sqlite")
def cli() -> None:
    """
    Build, inspect, verify and dump read-only reference data sets shipped as SQLite files.

    Sources are CSV or JSON Lines files, one per table; `build` turns them into an artifact
    that microcosm services read through `graph.sqlite` and `Store` classes.
    """


@cli.command()
@click.argument("models")
@click.argument("source_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The artifact to write (replaced atomically, only when the build succeeds).",
)
@click.option(
    "--allow-missing",
    is_flag=True,
    help="Build tables that have no source file empty instead of failing.",
)
@click.option(
    "--ignore-unknown-columns",
    is_flag=True,
    help="Skip source columns the models do not have instead of failing.",
)
@click.option(
    "--max-errors",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Stop after this many problems.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace OUTPUT even when it is not an artifact that a build wrote.",
)
@app_dir_option
@verbosity(progress=True)
def build(
    models: str,
    source_dir: Path,
    output: Path,
    allow_missing: bool,
    ignore_unknown_columns: bool,
    max_errors: int,
    force: bool,
    app_dir: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """
    Build an artifact from MODELS and the sources in SOURCE_DIR.

    MODELS is the module defining the data set's models, `package.module`, or its base,
    `package.module:Base`. SOURCE_DIR holds one file per table, `<table>.csv` (with a header
    row) or `<table>.jsonl` (one JSON object per line).

    Values convert by column type. An empty CSV field is NULL; a column a source leaves out
    takes its default (or NULL when nullable). Any bad value, missing or unknown column,
    duplicate key, foreign key with no target or malformed line fails the build, with one
    line per problem, and leaves OUTPUT as it was. The same sources build the same bytes.

    OUTPUT is replaced only when it is an artifact a build wrote (or an empty file): any other
    file, a source for one, is kept unless --force is given.
    """
    configure_logging(quiet, verbose)
    base = import_models(models, app_dir)
    progress = ProgressBar(enabled=not quiet and sys.stderr.isatty(), verbose=verbose)
    try:
        build_artifact(
            base,
            source_dir,
            output,
            allow_missing=allow_missing,
            ignore_unknown_columns=ignore_unknown_columns,
            max_errors=max_errors,
            progress=progress,
            force=force,
        )
    except BuildError as error:
        fail(error, [str(problem) for problem in error.problems])
    # for pinning the artifact's URL: URL#sha256=<hex>
    logger.info("%s: sha256=%s", output, file_sha256(output))


artifact_path = click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
# PATH, or --dataset NAME in its place
optional_artifact_path = click.argument(
    "path", required=False, type=click.Path(dir_okay=False, path_type=Path)
)


@cli.command("inspect")
@optional_artifact_path
@dataset_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@verbosity()
def inspect_command(
    path: Path | None, dataset: str | None, as_json: bool, quiet: bool, verbose: bool
) -> None:
    """
    Show what the artifact at PATH (or the data set --dataset NAME) holds.

    Tables with their columns, row counts, foreign keys and indexes (SQLite's automatic
    `sqlite_autoindex_*` ones marked as such), the file's size, sha256 (to pin a URL to it,
    URL#sha256=<hex>) and page layout, and the manifest that `build` wrote (data set, schema
    fingerprint, sources, versions).
    """
    graph = configure_logging(quiet, verbose)
    path = artifact_for(path, dataset, graph)
    try:
        info = inspect_artifact(path)
    except SQLiteError as error:
        fail(error)
    digest = file_sha256(path)
    if as_json:
        click.echo(json_text({**info.as_dict(), "sha256": digest}, indent=2))
    else:
        first, _, rest = describe(info).partition("\n")
        click.echo(f"{first}\nsha256={digest}\n{rest}".rstrip("\n"))


@cli.command()
@optional_artifact_path
@dataset_option
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
    models: str | None,
    app_dir: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """
    Check the artifact at PATH (or the data set --dataset NAME); exit 0 when sound, 1 if not.

    Runs SQLite's integrity and foreign key checks and compares the manifest with the content
    (row counts, schema fingerprint). With --models, also checks that tables and columns match
    the models: names, types, nullability and primary keys. Each difference is one line.
    """
    graph = configure_logging(quiet, verbose)
    path = artifact_for(path, dataset, graph)
    base = import_models(models, app_dir) if models else None
    try:
        differences = verify_artifact(path, base)
    except SQLiteError as error:
        fail(error)
    if differences:
        for difference in differences:
            click.echo(difference, err=True)
        click.echo(f"Error: {path}: {plural(len(differences), 'problem')} found", err=True)
        raise click.exceptions.Exit(BAD_INPUT)
    logger.info("%s: verified", path)


@cli.command()
@click.argument("target", metavar="NAME|URL")
@verbosity(progress=True)
def fetch(target: str, quiet: bool, verbose: bool) -> None:
    """
    Download the data set NAME's pinned URL, or URL itself, into this machine's cache.

    Run it when building a container image, so that services start with no download. NAME
    resolves as a service resolves it: sqlite.paths from the environment
    (MICROCOSM_SQLITE__SQLITE__PATHS__NAME), then installed microcosm.sqlite entry points.
    A URL is pinned by its content hash, URL#sha256=<hex>. The cache is sqlite.cache_dir
    (MICROCOSM_SQLITE__SQLITE__CACHE_DIR), by default the per-user cache directory.

    Prints the cached file's path; a NAME whose path is a local file is checked and printed.
    """
    graph = configure_logging(quiet, verbose)
    on_terminal = not quiet and sys.stderr.isatty()
    progress = ProgressBar(enabled=on_terminal, verbose=verbose) if on_terminal else None
    if progress is not None:
        progress.label = "downloading"
    try:
        if is_remote(target):
            # named by its file, for messages: https://host/x.sqlite#... is 'x'
            name = Path(target.partition("#")[0]).stem
            located = ResolvedPath(name, target, "the command line")
            resolved = graph.sqlite.resolver.fetch(located, progress)
        else:
            resolved = graph.sqlite.fetch(target, progress)
        check_artifact(resolved.path, resolved.context())
    except SQLiteError as error:
        fail(error)
    if resolved.url is None:
        logger.info(
            "data set %r is a local file (from %s): nothing to download",
            resolved.dataset,
            resolved.origin,
        )
    else:
        logger.info("data set %r: %s", resolved.dataset, resolved.origin)
    click.echo(resolved.path)


@cli.command()
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
        target = output / f"{table}.{format_}"
        logger.info("wrote %s of %s to %s", plural(rows, "row"), table, target)


@cli.command("diff")
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
    whole rows. The manifest's versions and source hashes are not content.

    Exit status as diff(1)'s: 0 when the content is the same, 1 when it differs, 2 on
    trouble (a path that is missing, not an artifact, or corrupt).
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
        click.echo(f"Error: {error}", err=True)
        raise click.exceptions.Exit(TROUBLE) from error
    sys.stdout.flush()
    if differs:
        raise click.exceptions.Exit(DIFFERENT)


@cli.command()
@artifact_path
@verbosity()
def textconv(path: Path, quiet: bool, verbose: bool) -> None:
    """
    Print the artifact at PATH as stable text, one line per row, for git's diff driver.

    The data set's name and schema first, then each table's rows sorted by primary key. With
    `*.sqlite diff=microcosm-sqlite` in .gitattributes and
    `git config diff.microcosm-sqlite.textconv "microcosm-sqlite textconv"`, `git diff` and
    `git log -p` show the rows that changed.
    """
    configure_logging(quiet, verbose)
    try:
        write_textconv(path, sys.stdout)
    except SQLiteError as error:
        fail(error)
    sys.stdout.flush()


# --- starting a data set, and a read-only look inside ----------------------------------------


@cli.command("init")
@click.argument("name")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--dataset",
    metavar="NAME",
    help="The data set's name, as services ask for it (default: the package's name).",
)
@click.option("--force", is_flag=True, help="Write into DIRECTORY even when it holds files.")
@verbosity()
def init_command(
    name: str,
    directory: Path | None,
    dataset: str | None,
    force: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """
    Start a data package NAME in DIRECTORY (./NAME by default).

    NAME is the distribution's name (lower case, words joined by - or _); its package is NAME
    with _ for -. The package has pyproject.toml with the microcosm.sqlite entry point, its
    models drafted from the example in sources/, tests on the pytest plugin, a Makefile
    (`make artifact`, and `make check`, which fails when the committed artifact is stale),
    the .gitattributes line for the diff driver, and a README saying how to go on. A
    directory that holds anything is refused unless --force.
    """
    configure_logging(quiet, verbose)
    try:
        written = create_data_package(name, directory, dataset=dataset, force=force)
    except SQLiteError as error:
        fail(error)
    target = Path(name) if directory is None else directory
    logger.info(
        "wrote the data package %s into %s (%s)", name, target, plural(len(written), "file")
    )
    logger.info(
        "next: cd %s; pip install -e '.[test]'; make artifact; make test (see README.md)", target
    )


def default_dataset(sources: tuple[Path, ...]) -> str:
    """The data set a directory of sources is for: its name, or its parent's for `sources/`."""
    folder = sources[0].resolve()
    if not folder.is_dir():
        folder = folder.parent
    if folder.name == "sources":
        folder = folder.parent
    return re.sub(r"[^0-9A-Za-z_]+", "_", folder.name).strip("_").lower() or "data"


@cli.command("models")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--dataset",
    metavar="NAME",
    help="The data set's name on the models' base (default: the sources' folder's name, or"
    " its parent's when it is named sources).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the module to this file (kept if it exists, unless --force); stdout by default.",
)
@click.option("--force", is_flag=True, help="Replace OUTPUT when it exists.")
@click.option(
    "--sample-rows",
    type=click.IntRange(min=0),
    metavar="N",
    default=DEFAULT_SAMPLE_ROWS,
    show_default=True,
    help="Read at most this many rows of each source (0: all); the build reads every row.",
)
@verbosity()
def models_command(
    sources: tuple[Path, ...],
    dataset: str | None,
    output: Path | None,
    force: bool,
    sample_rows: int,
    quiet: bool,
    verbose: bool,
) -> None:
    """
    Draft typed models from SOURCES: directories of <table>.csv and <table>.jsonl files, or
    such files.

    Each column's type comes from its values, as the build converts them: 64-bit integers,
    floats, decimals, booleans, ISO dates and datetimes, JSON documents, text; nullable when
    a value is missing. A unique column present in every row is the primary key (`id` and
    `code` first), a column whose values are all another table's keys, and whose name says
    so, a foreign key, and text with few repeated values an enum. Comments mark the guesses
    worth a second look. `microcosm-sqlite build` then checks every row against them.
    """
    configure_logging(quiet, verbose)
    if output is not None and output.exists() and not force:
        raise click.BadParameter(f"{output} exists: --force replaces it", param_hint="--output")
    name = dataset or default_dataset(sources)
    try:
        module = draft_models(sources, dataset=name, sample_rows=sample_rows or None)
    except SQLiteError as error:
        fail(error)
    if output is None:
        click.echo(module, nl=False)
        return
    output.write_text(module, encoding="utf-8", newline="\n")
    logger.info("wrote the models of data set %r to %s", name, output)


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
    arguments: tuple[str, ...], dataset: str | None, names: tuple[str, ...], graph: Any
) -> tuple[Path, list[str]]:
    """The artifact (PATH, or --dataset NAME resolved) and the arguments after it."""
    wanted = len(names) + (dataset is None)
    if len(arguments) < wanted or (len(arguments) > wanted and names[-1] != "KEY"):
        shown = " ".join(names)
        raise click.UsageError(f"give {'PATH ' if dataset is None else ''}{shown}")
    if dataset is None:
        return artifact_for(Path(arguments[0]), None, graph), list(arguments[1:])
    return artifact_for(None, dataset, graph), list(arguments)


def print_rows(result: QueryResult, format_: OutputFormat) -> None:
    """Write a result's rows to stdout, and say on stderr when the limit left rows out."""
    write_rows(result.columns, result.rows, sys.stdout, format_)
    sys.stdout.flush()
    if result.truncated:
        logger.warning(
            "only the first %s printed: --limit N for more, --limit 0 for all",
            plural(result.limit or 0, "row"),
        )


@cli.command("query")
@click.argument("arguments", nargs=-1, metavar="[PATH] SQL")
@dataset_option
@output_format
@reading_options
@verbosity()
def query_command(
    arguments: tuple[str, ...],
    dataset: str | None,
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
    path, (sql,) = split_arguments(arguments, dataset, ("SQL",), graph)
    try:
        with query_artifact(
            path, sql, dict(params), limit=limit or None, seconds=seconds
        ) as result:
            print_rows(result, format_ or "table")
    except SQLiteError as error:
        fail(error)


@cli.command("rows")
@click.argument("arguments", nargs=-1, metavar="[PATH] TABLE")
@dataset_option
@click.option("--where", metavar="SQL", help="Only rows for which this SQL expression holds.")
@output_format
@reading_options
@verbosity()
def rows_command(
    arguments: tuple[str, ...],
    dataset: str | None,
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
    path, (table,) = split_arguments(arguments, dataset, ("TABLE",), graph)
    try:
        with table_rows(
            path, table, where=where, parameters=dict(params), limit=limit or None, seconds=seconds
        ) as result:
            print_rows(result, format_ or "table")
    except SQLiteError as error:
        fail(error)


@cli.command("get")
@click.argument("arguments", nargs=-1, metavar="[PATH] TABLE KEY...")
@dataset_option
@output_format
@verbosity()
def get_command(
    arguments: tuple[str, ...],
    dataset: str | None,
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
    path, (table, *key) = split_arguments(arguments, dataset, ("TABLE", "KEY"), graph)
    try:
        columns, row = get_row(path, table, key)
    except SQLiteError as error:
        fail(error)
    write_record(columns, row, sys.stdout, format_ or "table")


def terminate(signum: int, frame: FrameType | None) -> NoReturn:
    """SIGTERM unwinds like Ctrl-C, so a build removes its temporary file."""
    raise SystemExit(128 + signum)


def main() -> None:
    """The console script, and `python -m microcosm_sqlite` (or `microcosm_sqlite.cli`)."""
    signal.signal(signal.SIGTERM, terminate)
    cli(prog_name="microcosm-sqlite")


if __name__ == "__main__":
    main()
