"""
Commands that make or get an artifact: `build` from sources, `fetch` from a pinned URL.

"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from microcosm_sqlite.artifact.digest import file_sha256
from microcosm_sqlite.artifact.header import check_artifact
from microcosm_sqlite.building import build_artifact
from microcosm_sqlite.cli._models import import_models
from microcosm_sqlite.cli._options import (
    BAD_INPUT,
    app_dir_option,
    app_option,
    configure_logging,
    fail,
    locate,
    service_graph,
    verbosity,
)
from microcosm_sqlite.cli._progress import ProgressBar
from microcosm_sqlite.errors import BuildError, DataSetError, SQLiteError
from microcosm_sqlite.formatting import one_line
from microcosm_sqlite.paths import is_remote, url_file_name

__all__ = ["build", "fetch"]

logger = logging.getLogger(__name__)


@click.command()
@click.argument("models")
@click.argument("source_dir", type=click.Path(exists=True, path_type=Path))
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
    row) or `<table>.jsonl` (one JSON object per line). It may be a SQLite file instead, such
    as one microcosm-sqlite 2.x built: its tables are the sources, and the checked artifact
    that comes out is what 3.x serves and verifies.

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
        # every problem on its line, then the error without the few its message lists
        headline = BuildError(error.reason, dataset=error.dataset, output=error.output)
        fail(headline, [str(problem) for problem in error.problems])
    # for pinning the artifact's URL: URL#sha256=<hex>
    logger.info("%s: sha256=%s", output, file_sha256(output))


@click.command()
@click.argument("target", metavar="NAME|URL")
@app_option
@click.option(
    "--verify",
    is_flag=True,
    help="Re-hash a file already in the cache against its pin, and download it again if it"
    " differs.",
)
@verbosity(progress=True)
def fetch(target: str, app: str | None, verify: bool, quiet: bool, verbose: bool) -> None:
    """
    Download the data set NAME's pinned URL, or URL itself, into this machine's cache.

    Run it when building a container image, so that services start with no download. With
    --app SERVICE, NAME resolves as that microcosm service resolves it, from its own config
    (SERVICE__SQLITE__PATHS__NAME, its cache SERVICE__SQLITE__CACHE_DIR, its SERVICE__SETTINGS
    file), then installed microcosm.sqlite entry points; without, from this command's
    (MICROCOSM_SQLITE__SQLITE__PATHS__NAME...), and it fails when the environment configures
    NAME otherwise for a service, rather than answer for a file that service never opens. A
    URL is pinned by its content hash, URL#sha256=<hex>. The cache is sqlite.cache_dir, by
    default the per-user cache directory.

    A file already in the cache is used when it looks whole (a regular file of the size its
    header gives); --verify re-hashes it against the pin, and downloads it again if it differs.
    Prints the cached file's path; a NAME whose path is a local file is checked and printed.
    """
    graph = configure_logging(quiet, verbose)
    service = service_graph(app, graph)
    on_terminal = not quiet and sys.stderr.isatty()
    progress = ProgressBar(enabled=on_terminal, verbose=verbose) if on_terminal else None
    if progress is not None:
        progress.label = "downloading"
    if is_remote(target):
        name = url_file_name(target)
        try:
            resolved = service.sqlite.resolver.fetch_url(
                target, "the command line", progress, verify=verify
            )
            check_artifact(resolved.path, resolved.context())
        except DataSetError as error:
            # a URL given alone names no data set: the file is named as a file
            where = "" if error.path is None else f" at {error.path}"
            click.echo(f"Error: file {one_line(name)}{where}: {one_line(error.reason)}", err=True)
            raise click.exceptions.Exit(BAD_INPUT) from error
        except SQLiteError as error:
            fail(error)
        logger.info("file %s: %s", name, resolved.origin)
        click.echo(resolved.path)
        return
    located = locate(service, target, app)
    try:
        resolved = service.sqlite.resolver.fetch(located, progress, verify=verify)
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
