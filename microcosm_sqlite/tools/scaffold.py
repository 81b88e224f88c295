"""
`microcosm-sqlite init NAME [DIR]`: a new data package that builds, installs and passes its
own tests at once.

The package has the shape of the example under `datasets/airports`: `pyproject.toml` with the
`microcosm.sqlite` entry point and the artifact as package data, `src/<package>/` with its
models (drafted from the example sources by `tools.drafting`, as `microcosm-sqlite models`
would draft them) and `artifact_path`, `sources/` with a small example, tests on the pytest
plugin, a Makefile whose `check` fails when the committed artifact is stale, the
`.gitattributes` line for the diff driver, and a README. The text of each file is a template
in `tools/templates/`, package data of this library.

"""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from microcosm_sqlite.errors import SQLiteError
from microcosm_sqlite.tools.drafting import draft_models

__all__ = [
    "LIBRARY_REQUIREMENT",
    "LIBRARY_SOURCE",
    "PackageNames",
    "ScaffoldError",
    "create_data_package",
    "package_names",
]

# How a data package depends on this library. 3.x is not on PyPI, whose microcosm-sqlite is
# 2.0.0: the generated README says how to install it first (LIBRARY_SOURCE, or a wheel).
LIBRARY_REQUIREMENT = "microcosm-sqlite>=3.0,<4"
LIBRARY_SOURCE = "git+https://github.com/globality-corp/microcosm-sqlite"

# lower case letters and digits, words joined by one '-' or '_', a letter first
NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
DATASET_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# packages a data package must not shadow, besides the standard library's
TAKEN_PACKAGES = frozenset(
    {"microcosm", "microcosm_sqlite", "sqlalchemy", "click", "pytest", "test", "tests"}
)
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")

# file in the package -> template, `{package}` standing for the package's name
TEMPLATES = {
    "pyproject.toml": "pyproject.toml.tmpl",
    "README.md": "README.md.tmpl",
    "Makefile": "Makefile.tmpl",
    ".gitattributes": "gitattributes.tmpl",
    ".gitignore": "gitignore.tmpl",
    "sources/country.csv": "country.csv.tmpl",
    "sources/city.csv": "city.csv.tmpl",
    "src/{package}/__init__.py": "__init__.py.tmpl",
    "src/{package}/artifact.py": "artifact.py.tmpl",
    "tests/test_{package}.py": "test_package.py.tmpl",
}
MODELS = "src/{package}/models.py"
PY_TYPED = "src/{package}/py.typed"


class ScaffoldError(SQLiteError):
    """`init` cannot write the package: a bad name, or a directory in the way."""

    status_code = 400


@dataclass(frozen=True)
class PackageNames:
    """The names of one data package: distribution, import package and data set."""

    distribution: str
    package: str
    dataset: str


def package_names(name: str, dataset: str | None = None) -> PackageNames:
    """
    The names for `init NAME`: the distribution `NAME`, the package with `-` as `_`, and the
    data set (the package's name unless given). Raises `ScaffoldError` for a name that is not
    both a distribution's and an importable package's.

    """
    if NAME.fullmatch(name) is None:
        raise ScaffoldError(
            f"{name!r} cannot name a data package: use lower case letters and digits, words"
            " joined by '-' or '_', starting with a letter (such as 'acme-reference-data')"
        )
    package = name.replace("-", "_")
    if keyword.iskeyword(package):
        raise ScaffoldError(f"{name!r} cannot name a data package: {package} is a Python keyword")
    if package in sys.stdlib_module_names or package in TAKEN_PACKAGES:
        raise ScaffoldError(
            f"{name!r} cannot name a data package: the package {package} would shadow the"
            " module of that name; choose a more specific one (such as 'acme-{name}')"
        )
    chosen = package if dataset is None else dataset
    if DATASET_NAME.fullmatch(chosen) is None:
        raise ScaffoldError(
            f"{chosen!r} cannot name a data set: use letters, digits, '_' and '-', starting"
            " with a letter (it names the artifact's file and the entry point)"
        )
    return PackageNames(name, package, chosen)


def _render(template: str, values: dict[str, str]) -> str:
    text = files("microcosm_sqlite.tools").joinpath("templates", template).read_text("utf-8")

    def substitute(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return PLACEHOLDER.sub(substitute, text)


def create_data_package(
    name: str,
    directory: str | Path | None = None,
    *,
    dataset: str | None = None,
    force: bool = False,
) -> list[Path]:
    """
    Write a data package named `name` into `directory` (`./name` by default); returns the
    files written. A directory that exists and holds anything is refused unless `force`, in
    which case the package's files replace any of the same name and nothing else is touched.

    """
    names = package_names(name, dataset)
    target = Path(name if directory is None else directory)
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"{target}: exists and is not a directory")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise ScaffoldError(
            f"{target}: the directory is not empty; choose another, or --force to write the"
            " package's files over any of the same name"
        )
    values = {
        "name": names.distribution,
        "package": names.package,
        "dataset": names.dataset,
        "requirement": LIBRARY_REQUIREMENT,
        "library_source": LIBRARY_SOURCE,
    }
    contents = {
        path.format(package=names.package): _render(template, values)
        for path, template in TEMPLATES.items()
    }
    contents[PY_TYPED.format(package=names.package)] = ""
    written = []
    for relative, text in contents.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    models = target / MODELS.format(package=names.package)
    build = (
        f"microcosm-sqlite build --app-dir src {names.package}.models sources"
        f" -o src/{names.package}/{names.dataset}.sqlite"
    )
    models.write_text(
        draft_models([target / "sources"], dataset=names.dataset, build_command=build),
        encoding="utf-8",
        newline="\n",
    )
    written.append(models)
    return sorted(written)
