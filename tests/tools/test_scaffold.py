"""
`microcosm-sqlite init NAME [DIR]`: a data package that builds, installs into a fresh
environment and passes its own tests right away; names checked, full directories refused.

"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import pytest
from fixtures.packages import layered_venv, make, passes, pip_install, run
from fixtures.tools import cli_runner, run_console_script

from microcosm_sqlite.cli import cli
from microcosm_sqlite.tools.scaffold import (
    LIBRARY_REQUIREMENT,
    ScaffoldError,
    create_data_package,
    package_names,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A data package `acme-reference` written by the console script into an empty folder."""
    target = tmp_path / "acme-reference"
    result = run_console_script("init", "acme-reference", target)
    assert result.returncode == 0, result.stderr
    return target


def test_init_writes_the_whole_package(package: Path) -> None:
    """pyproject with the entry point, package data and dependency, the package and its
    models, example sources, a test, a Makefile, .gitattributes and a README."""
    project = tomllib.loads((package / "pyproject.toml").read_text())
    files = sorted(str(path.relative_to(package)) for path in package.rglob("*") if path.is_file())

    assert files == [
        ".gitattributes",
        ".gitignore",
        "Makefile",
        "README.md",
        "pyproject.toml",
        "sources/city.csv",
        "sources/country.csv",
        "src/acme_reference/__init__.py",
        "src/acme_reference/artifact.py",
        "src/acme_reference/models.py",
        "src/acme_reference/py.typed",
        "tests/test_acme_reference.py",
    ]
    assert project["project"]["name"] == "acme-reference"
    assert project["project"]["dependencies"] == [LIBRARY_REQUIREMENT]
    assert project["project"]["entry-points"]["microcosm.sqlite"] == {
        "acme_reference": "acme_reference.artifact:artifact_path"
    }
    assert project["tool"]["setuptools"]["package-data"] == {
        "acme_reference": ["acme_reference.sqlite", "py.typed"]
    }
    assert "*.sqlite diff=microcosm-sqlite" in (package / ".gitattributes").read_text()
    readme = (package / "README.md").read_text()
    assert LIBRARY_REQUIREMENT in readme
    assert 'pip install "microcosm-sqlite @ git+https://' in readme
    models = (package / "src/acme_reference/models.py").read_text()
    assert 'class Base(DataSetBase, DeclarativeBase, dataset="acme_reference"):' in models
    assert 'ForeignKey("country.code")' in models


def test_a_new_package_builds_installs_and_passes_its_tests(package: Path, tmp_path: Path) -> None:
    """Right after init: make artifact, install into a fresh environment, its tests pass."""
    built = make(package, "artifact")
    assert built.returncode == 0, built.stderr
    python = layered_venv(tmp_path / "venv")
    pip_install(python, package)

    tested = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=package)

    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "3 passed" in tested.stdout
    installed = passes(python, "-c", "import acme_reference; print(acme_reference.__file__)")
    assert str(tmp_path / "venv") in installed  # the installed copy, not src/


def test_make_check_fails_when_the_artifact_is_stale(package: Path) -> None:
    """`make check` passes on a fresh build, and fails naming the change once a source moves."""
    assert make(package, "artifact").returncode == 0
    fresh = make(package, "check")
    with (package / "sources" / "country.csv").open("a") as sources:
        sources.write("IT,Italy,true\n")
    stale = make(package, "check")

    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert stale.returncode != 0
    assert '+ country (code="IT"): name="Italy"' in stale.stdout
    assert "is not what sources/ build: run make artifact" in stale.stdout


def test_init_refuses_a_directory_that_holds_anything(tmp_path: Path) -> None:
    """A non-empty DIR is refused and left alone; --force writes the package beside it."""
    (tmp_path / "notes.txt").write_text("mine")

    refused = cli_runner().invoke(cli, ["init", "acme-data", str(tmp_path)])
    forced = cli_runner().invoke(cli, ["init", "acme-data", str(tmp_path), "--force"])

    assert refused.exit_code == 1
    assert "the directory is not empty" in refused.stderr
    assert forced.exit_code == 0, forced.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "src" / "acme_data" / "models.py").is_file()


def test_init_defaults_to_a_folder_named_after_the_package(tmp_path: Path) -> None:
    """Without DIR, the package goes into ./NAME; --dataset names the data set."""
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = cli_runner().invoke(cli, ["init", "acme-geo", "--dataset", "geo"])
    finally:
        os.chdir(cwd)

    assert result.exit_code == 0, result.stderr
    artifact = (tmp_path / "acme-geo" / "src" / "acme_geo" / "artifact.py").read_text()
    assert 'DATASET = "geo"' in artifact


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Acme", "use lower case letters and digits"),
        ("1acme", "use lower case letters and digits"),
        ("acme--data", "use lower case letters and digits"),
        ("acme.data", "use lower case letters and digits"),
        ("acme-", "use lower case letters and digits"),
        ("class", "is a Python keyword"),
        ("json", "would shadow the module of that name"),
        ("microcosm-sqlite", "would shadow the module of that name"),
        ("tests", "would shadow the module of that name"),
    ],
)
def test_a_name_that_cannot_be_a_package_is_refused(name: str, reason: str, tmp_path: Path) -> None:
    """NAME must be a distribution's name and an importable package's that shadows nothing."""
    with pytest.raises(ScaffoldError, match=reason):
        create_data_package(name, tmp_path / "out")

    result = cli_runner().invoke(cli, ["init", name, str(tmp_path / "out")])
    assert result.exit_code == 1
    assert reason in result.stderr
    assert not (tmp_path / "out").exists()


def test_names_map_from_distribution_to_package_and_data_set() -> None:
    """`acme-reference_data` is the package `acme_reference_data`, its data set too."""
    names = package_names("acme-reference_data")

    assert (names.distribution, names.package, names.dataset) == (
        "acme-reference_data",
        "acme_reference_data",
        "acme_reference_data",
    )
    with pytest.raises(ScaffoldError, match="cannot name a data set"):
        package_names("acme", dataset="my data")


@pytest.mark.fresh_venv
def test_a_new_package_installs_into_a_truly_fresh_environment(tmp_path: Path) -> None:
    """With nothing but Python: this library from a wheel built here, then the package."""
    package = tmp_path / "acme-fresh"
    create_data_package("acme-fresh", package)
    assert make(package, "artifact").returncode == 0
    wheels = tmp_path / "wheels"
    passes(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, ROOT)
    environment = tmp_path / "venv"
    passes(sys.executable, "-m", "venv", environment)
    python = environment / "bin" / "python"
    passes(python, "-m", "pip", "install", "--quiet", *wheels.glob("*.whl"))
    passes(python, "-m", "pip", "install", "--quiet", f"{package}[test]")

    tested = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=package)

    assert tested.returncode == 0, tested.stdout + tested.stderr
