"""
Shipping a data set as a package: the library's wheel carries none, the example's carries its
artifact and entry point, and a fresh virtual environment reads it with no configuration.

"""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "datasets" / "airports"

QUERY = """
from microcosm.api import create_object_graph
from microcosm_sqlite_airports import AirportStore
graph = create_object_graph("app")
airport = AirportStore(graph).by_iata("CDG")
print(airport.icao, airport.country.name, graph.sqlite.origin("airports"))
"""


def run(*command: str | Path, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=600, cwd=cwd
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def wheel_of(project: Path, folder: Path) -> tuple[Path, str]:
    """The wheel pip builds for a project, with no dependencies, and what the build printed."""
    before = set(folder.glob("*.whl"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", folder, project],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [built] = set(folder.glob("*.whl")) - before
    return built, result.stderr


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, str]]:
    """The library's wheel and the example's, each with what its build printed."""
    folder = tmp_path_factory.mktemp("wheels")
    return [wheel_of(ROOT, folder), wheel_of(EXAMPLE, folder)]


@pytest.fixture(scope="module")
def wheels(builds: list[tuple[Path, str]]) -> tuple[Path, Path]:
    return builds[0][0], builds[1][0]


def test_the_builds_print_no_setuptools_warning(builds: list[tuple[Path, str]]) -> None:
    """Neither build prints one of setuptools' banners (a deprecated licence classifier, a
    folder of package data that is no package): installs, and `make run`, stay quiet."""
    for wheel, printed in builds:
        banners = [line for line in printed.splitlines() if "Warning" in line or "!!" in line]
        assert banners == [], f"{wheel.name}:\n{printed}"


def entry_points(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [name for name in archive.namelist() if name.endswith("entry_points.txt")]
        return archive.read(name).decode()


def test_the_library_wheel_ships_no_data_set(wheels: tuple[Path, Path]) -> None:
    """No artifact, no data licences, no `microcosm.sqlite` entry point in the library."""
    library, _ = wheels
    with zipfile.ZipFile(library) as archive:
        names = archive.namelist()
    assert not [name for name in names if name.endswith(".sqlite")]
    assert not [name for name in names if "LICENSE-and-ATTRIBUTION" in name]
    assert "microcosm.sqlite" not in entry_points(library)
    assert "microcosm_sqlite/_sqla_internals.py" in names


def test_the_example_wheel_ships_its_artifact_and_entry_point(wheels: tuple[Path, Path]) -> None:
    """The data package's wheel holds the artifact, its licences and the entry point."""
    _, example = wheels
    with zipfile.ZipFile(example) as archive:
        names = archive.namelist()
        artifact = archive.read("microcosm_sqlite_airports/airports.sqlite")
    assert artifact == (EXAMPLE / "src/microcosm_sqlite_airports/airports.sqlite").read_bytes()
    assert any(name.endswith("LICENSE-and-ATTRIBUTION") for name in names)
    assert "airports = microcosm_sqlite_airports.models:airports_path" in entry_points(example)


def test_a_fresh_environment_reads_the_installed_data_set_with_no_config(
    wheels: tuple[Path, Path], tmp_path: Path
) -> None:
    """Installed from wheels, the data set resolves by name; `verify --dataset` accepts it."""
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", *wheels)
    elsewhere = tmp_path / "service"
    elsewhere.mkdir()
    output = run(python, "-c", QUERY, cwd=elsewhere)
    assert output.startswith("LFPG France entry point microcosm.sqlite:airports")
    assert "site-packages" not in output  # the origin names the entry point, not a path
    verified = subprocess.run(
        [environment / "bin" / "microcosm-sqlite", "verify", "--dataset", "airports"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=elsewhere,
    )
    assert verified.returncode == 0, verified.stderr
    assert "entry point microcosm.sqlite:airports" in verified.stderr
