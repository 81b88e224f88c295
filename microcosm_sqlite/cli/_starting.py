"""
Starting a data set: `init` writes a data package, `models` drafts its models from sources.

"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import click

from microcosm_sqlite.cli._options import configure_logging, fail, verbosity
from microcosm_sqlite.errors import SQLiteError
from microcosm_sqlite.formatting import plural
from microcosm_sqlite.tools.drafting import DEFAULT_SAMPLE_ROWS, draft_models
from microcosm_sqlite.tools.scaffold import create_data_package

__all__ = ["init_command", "models_command"]

logger = logging.getLogger(__name__)


@click.command("init")
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


@click.command("models")
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
