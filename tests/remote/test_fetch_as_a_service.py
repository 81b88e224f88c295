"""
The command line resolves data sets as the service does (`--app SERVICE`): `fetch`, `verify` and
`inspect` read that service's config (its environment prefix, its settings file), and without
`--app` they never answer for a file the service's config does not point at. A URL fetched
alone is named as the file it is.

"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from fixtures.artifact_server import AIRPORTS, SHA256, WRONG, ArtifactServer, files_in
from fixtures.tools import console_script, subprocess_env


def cli(*arguments: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The console script, as a Dockerfile's RUN step runs it: only the variables given."""
    base = {
        key: value
        for key, value in subprocess_env().items()
        if "__SQLITE__" not in key and not key.endswith("__SETTINGS")
    }
    return subprocess.run(
        [str(console_script()), *map(str, arguments)],
        capture_output=True,
        text=True,
        env={**base, **env},
        timeout=120,
    )


def test_fetch_app_downloads_what_the_service_configures(
    server: ArtifactServer, tmp_path: Path
) -> None:
    """`fetch --app isosvc airports` downloads the URL ISOSVC__SQLITE__PATHS__AIRPORTS pins
    into the service's own cache, where the service then finds it, with no download."""
    cache = tmp_path / "service-cache"
    env = dict(ISOSVC__SQLITE__PATHS__AIRPORTS=server.url(), ISOSVC__SQLITE__CACHE_DIR=str(cache))

    fetched = cli("fetch", "--app", "isosvc", "airports", **env)
    verified = cli("verify", "--app", "isosvc", "--dataset", "airports", **env)

    cached = cache / "sha256" / f"{SHA256}.sqlite"
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout == f"{cached}\n"
    assert "(from config sqlite.paths.airports), cached at" in fetched.stderr
    assert verified.returncode == 0, verified.stderr
    assert server.gets == {"/airports.sqlite": 1}


def test_without_app_fetch_refuses_to_answer_for_another_file(
    server: ArtifactServer, tmp_path: Path
) -> None:
    """With the service's config in the environment, `fetch airports` (no --app) does not say
    "a local file, nothing to download" from the entry point: it fails, naming the variable and
    the --app that reads it, and downloads nothing."""
    env = dict(ISOSVC__SQLITE__PATHS__AIRPORTS=server.url())

    result = cli("fetch", "airports", **env)

    assert result.returncode == 1
    assert result.stdout == ""
    assert "nothing to download" not in result.stderr
    assert result.stderr.strip() == (
        "Error: data set 'airports': the environment configures it otherwise for a service"
        " (ISOSVC__SQLITE__PATHS__AIRPORTS), whose config this command reads only with"
        " --app isosvc: the answer here would not be that service's"
    )
    assert server.gets == {}


@pytest.mark.parametrize("command", ["verify", "inspect", "rows"])
def test_the_other_commands_refuse_too(tmp_path: Path, command: str) -> None:
    """`verify`, `inspect` and `rows --dataset` fail alike while a service's config names
    another file, and read that file with --app."""
    copy = tmp_path / "service airports.sqlite"
    shutil.copyfile(AIRPORTS, copy)
    env = dict(ISO_SVC__SQLITE__PATHS__AIRPORTS=str(copy))
    extra = ["countries", "--limit", "1"] if command == "rows" else []

    refused = cli(command, "--dataset", "airports", *extra, **env)
    resolved = cli(command, "--app", "iso-svc", "--dataset", "airports", *extra, **env)

    assert refused.returncode == 1
    assert "ISO_SVC__SQLITE__PATHS__AIRPORTS" in refused.stderr and "--app iso_svc" in (
        refused.stderr
    )
    assert resolved.returncode == 0, resolved.stderr
    assert f"resolved to {copy} (from config sqlite.paths" in resolved.stderr


def test_the_same_file_in_both_configs_is_no_conflict(tmp_path: Path) -> None:
    """A service's variable that says what this command's config says is no reason to fail."""
    copy = tmp_path / "airports.sqlite"
    shutil.copyfile(AIRPORTS, copy)
    env = dict(
        ISOSVC__SQLITE__PATHS__AIRPORTS=str(copy),
        MICROCOSM_SQLITE__SQLITE__PATHS__AIRPORTS=str(copy),
    )

    result = cli("verify", "--dataset", "airports", **env)

    assert result.returncode == 0, result.stderr


def test_another_cache_for_the_same_url_is_a_conflict(
    server: ArtifactServer, tmp_path: Path
) -> None:
    """The service caches the URL elsewhere: filling this command's cache would leave the
    service's empty, so `fetch` without --app says so."""
    env = dict(
        ISOSVC__SQLITE__PATHS__AIRPORTS=server.url(),
        ISOSVC__SQLITE__CACHE_DIR=str(tmp_path / "service-cache"),
        MICROCOSM_SQLITE__SQLITE__PATHS__AIRPORTS=server.url(),
        MICROCOSM_SQLITE__SQLITE__CACHE_DIR=str(tmp_path / "cli-cache"),
    )

    result = cli("fetch", "airports", **env)

    assert result.returncode == 1
    assert "(ISOSVC__SQLITE__CACHE_DIR)" in result.stderr
    assert server.gets == {}


def test_app_reads_the_services_settings_file(tmp_path: Path) -> None:
    """microcosm's settings loader: ISOSVC__SETTINGS names a JSON file of the service's config."""
    copy = tmp_path / "from settings.sqlite"
    shutil.copyfile(AIRPORTS, copy)
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"sqlite": {"paths": {"airports": str(copy)}}}))

    result = cli(
        "inspect", "--app", "isosvc", "--dataset", "airports", ISOSVC__SETTINGS=str(settings)
    )

    assert result.returncode == 0, result.stderr
    assert f"resolved to {copy}" in result.stderr


def test_app_goes_with_a_name_not_a_path(tmp_path: Path) -> None:
    """--app resolves --dataset NAME: with a PATH it is a usage error."""
    result = cli("verify", "--app", "isosvc", AIRPORTS)

    assert result.returncode == 2
    assert "--app resolves --dataset NAME; a PATH needs none" in result.stderr


def test_fetch_url_names_the_file_as_a_file(server: ArtifactServer, tmp_path: Path) -> None:
    """`fetch URL` calls what it downloads the file it is, in its log lines and its errors."""
    env = dict(MICROCOSM_SQLITE__SQLITE__CACHE_DIR=str(tmp_path / "cache"))

    good = cli("fetch", server.url(), **env)
    bad = cli("fetch", server.url(sha256=WRONG), **env)

    assert good.returncode == 0, good.stderr
    assert "data set" not in good.stderr + bad.stderr
    assert f"file airports.sqlite: downloading {server.url()}" in good.stderr
    assert f"file airports.sqlite: url {server.url()} (from the command line), cached at" in (
        good.stderr
    )
    assert bad.returncode == 1
    assert bad.stderr.splitlines()[-1] == (
        f"Error: file airports.sqlite at {server.url(sha256=WRONG)}: sha256 mismatch: pinned"
        f" {WRONG}, downloaded {SHA256}; the download was deleted"
    )
    assert files_in(tmp_path / "cache" / "sha256") == [f"{SHA256}.sqlite"]
