"""
The CLI finds what a service would: data sets by name (`--dataset`), and models in an app
directory or a src/ layout (`--app-dir`), with no PYTHONPATH.

"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONSOLE_SCRIPT = Path(sys.executable).parent / "microcosm-sqlite"
ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "datasets/airports/src/microcosm_sqlite_airports/airports.sqlite"

MODELS = """
from sqlalchemy.orm import Mapped, mapped_column

from microcosm_sqlite import DataSet

Base = DataSet.create("shelf")


class Book(Base):
    __tablename__ = "book"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
"""


def cli(*arguments: str | Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The console script, run as a user would, in `cwd`, with no PYTHONPATH."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(
        [str(CONSOLE_SCRIPT), *map(str, arguments)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={**environment, **env},
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A service laid out with src/: src/shelfdata/models.py and sources/book.csv."""
    package = tmp_path / "project" / "src" / "shelfdata"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(MODELS)
    sources = tmp_path / "project" / "sources"
    sources.mkdir()
    (sources / "book.csv").write_text("id,title\n1,Dune\n2,Emma\n")
    return tmp_path / "project"


def test_verify_by_name_resolves_through_the_installed_entry_point(tmp_path: Path) -> None:
    """`verify --dataset airports` checks the installed example and says where it came from."""
    result = cli("verify", "--dataset", "airports", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "entry point microcosm.sqlite:airports" in result.stderr
    assert "verified" in result.stderr


def test_inspect_by_name_follows_config_from_the_environment(tmp_path: Path) -> None:
    """sqlite.paths from the environment wins over the entry point, as in a service."""
    copy = tmp_path / "my airports.sqlite"
    shutil.copyfile(SHIPPED, copy)
    result = cli(
        "inspect",
        "--dataset",
        "airports",
        "--json",
        cwd=tmp_path,
        MICROCOSM_SQLITE__SQLITE__PATHS__airports=str(copy),
    )
    assert result.returncode == 0, result.stderr
    assert "config sqlite.paths" in result.stderr
    assert str(copy) in result.stdout


@pytest.mark.parametrize("command", ["verify", "inspect"])
def test_an_unknown_name_is_a_one_line_error(tmp_path: Path, command: str) -> None:
    """A name nothing registers fails with exit 1, naming it, with no traceback."""
    result = cli(command, "--dataset", "nowhere", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: data set 'nowhere'")
    assert "Traceback" not in result.stderr


def test_a_name_whose_file_is_missing_names_the_data_set_and_origin(tmp_path: Path) -> None:
    """A configured path with no file is reported as the service would report it."""
    result = cli(
        "verify",
        "--dataset",
        "airports",
        cwd=tmp_path,
        MICROCOSM_SQLITE__SQLITE__PATHS__airports=str(tmp_path / "gone.sqlite"),
    )
    assert result.returncode == 1
    assert "data set 'airports'" in result.stderr
    assert "config sqlite.paths" in result.stderr
    assert "no file exists" in result.stderr


@pytest.mark.parametrize("arguments", [(), ("x.sqlite", "--dataset", "airports")])
def test_path_or_dataset_exactly_one(tmp_path: Path, arguments: tuple[str, ...]) -> None:
    """PATH and --dataset are alternatives: neither, or both, is a usage error."""
    result = cli("verify", *arguments, cwd=tmp_path)
    assert result.returncode == 2
    assert "--dataset" in result.stderr


def test_models_in_a_src_layout_import_with_no_pythonpath(project: Path) -> None:
    """From the project root, build and verify --models find src/ by themselves."""
    built = cli("build", "shelfdata.models", "sources", "-o", "shelf.sqlite", cwd=project)
    assert built.returncode == 0, built.stderr
    verified = cli("verify", "shelf.sqlite", "--models", "shelfdata.models", cwd=project)
    assert verified.returncode == 0, verified.stderr


def test_app_dir_names_where_models_live(project: Path, tmp_path: Path) -> None:
    """From anywhere, --app-dir points build and verify at the models' directory."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    output = elsewhere / "shelf.sqlite"
    source_dir = project / "sources"
    without = cli("build", "shelfdata.models", source_dir, "-o", output, cwd=elsewhere)
    assert without.returncode == 2
    assert "cannot import models module" in without.stderr
    app_dir = project / "src"
    built = cli(
        "build",
        "shelfdata.models",
        source_dir,
        "-o",
        output,
        "--app-dir",
        app_dir,
        cwd=elsewhere,
    )
    assert built.returncode == 0, built.stderr
    verified = cli(
        "verify", output, "--models", "shelfdata.models", "--app-dir", app_dir, cwd=elsewhere
    )
    assert verified.returncode == 0, verified.stderr
