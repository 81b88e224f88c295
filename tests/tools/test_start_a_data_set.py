"""
Issue 28's "done when": from an empty folder, `init`, then `models` over a public data set no
one here prepared (ISO 3166 countries and subdivisions and ISO 4217 currencies, as pycountry
carries them, exported to CSV here), then build, `pip install` and the package's own tests,
with no hand edits; the draft has the keys and foreign keys a person would choose.

"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pycountry
import pytest
from fixtures.packages import layered_venv, make, pip_install, run
from fixtures.tools import run_console_script

# table -> the pycountry attributes written as its columns
EXPORTS = {
    "country": ("alpha_2", "alpha_3", "numeric", "name", "official_name", "common_name", "flag"),
    "subdivision": ("code", "country_code", "name", "type", "parent_code"),
    "currency": ("alpha_3", "numeric", "name"),
}
DATABASES = {
    "country": pycountry.countries,
    "subdivision": pycountry.subdivisions,
    "currency": pycountry.currencies,
}


def export_pycountry(folder: Path) -> None:
    """pycountry's tables as CSV, one file each; a missing attribute is an empty field."""
    for table, columns in EXPORTS.items():
        with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(columns)
            for record in DATABASES[table]:
                writer.writerow([getattr(record, column, None) or "" for column in columns])


@pytest.fixture
def iso_package(tmp_path: Path) -> Path:
    """`init acme-iso` in an empty folder, its example sources replaced by pycountry's."""
    package = tmp_path / "acme-iso"
    created = run_console_script("init", "acme-iso", package)
    assert created.returncode == 0, created.stderr
    for example in (package / "sources").iterdir():
        example.unlink()
    export_pycountry(package / "sources")
    drafted = run_console_script(
        "models",
        package / "sources",
        "--dataset",
        "acme_iso",
        "-o",
        package / "src" / "acme_iso" / "models.py",
        "--force",
    )
    assert drafted.returncode == 0, drafted.stderr
    return package


def test_pycountry_drafts_builds_installs_and_passes_its_tests(
    iso_package: Path, tmp_path: Path
) -> None:
    """No hand edits between `models` and a passing test suite in a fresh environment."""
    built = make(iso_package, "artifact")
    checked = make(iso_package, "check")
    python = layered_venv(tmp_path / "venv")
    pip_install(python, iso_package)

    tested = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=iso_package)

    assert built.returncode == 0, built.stderr
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "3 passed" in tested.stdout


def test_the_draft_has_the_keys_and_foreign_keys_a_person_would_choose(iso_package: Path) -> None:
    """ISO codes as keys; subdivisions point at their country and their parent subdivision;
    nothing else is a foreign key; codes with leading zeros stay text."""
    assert make(iso_package, "artifact").returncode == 0
    artifact = iso_package / "src" / "acme_iso" / "acme_iso.sqlite"
    inspected = run_console_script("inspect", artifact, "--json")
    tables = {table["name"]: table for table in json.loads(inspected.stdout)["tables"]}

    keys = {
        name: [column["name"] for column in table["columns"] if column["primary_key"]]
        for name, table in tables.items()
    }
    foreign = {
        name: sorted(
            (tuple(key["columns"]), key["table"], tuple(key["references"]))
            for key in table["foreign_keys"]
        )
        for name, table in tables.items()
    }
    types = {column["name"]: column["type"] for column in tables["country"]["columns"]}
    assert keys == {"country": ["alpha_2"], "currency": ["alpha_3"], "subdivision": ["code"]}
    assert foreign == {
        "country": [],
        "currency": [],
        "subdivision": [
            (("country_code",), "country", ("alpha_2",)),
            (("parent_code",), "subdivision", ("code",)),
        ],
    }
    assert types["numeric"] == "VARCHAR(3)"
    assert tables["subdivision"]["rows"] == len(pycountry.subdivisions)
    models = (iso_package / "src" / "acme_iso" / "models.py").read_text()
    assert "digits with leading zeros ('004'): text" in models
