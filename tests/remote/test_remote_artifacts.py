"""
Data sets at URLs pinned by sha256: a real HTTP server on 127.0.0.1, fsspec's memory and local
filesystems, and real processes sharing one cache.

"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import fsspec
import pytest
from fixtures.artifact_server import AIRPORTS, SHA256, WRONG, ArtifactServer, files_in
from fixtures.tools import MODELS, SOURCES, cli_runner, console_script, subprocess_env
from microcosm_sqlite_airports import AirportStore

from microcosm_sqlite.cli import cli
from microcosm_sqlite.errors import (
    ArtifactCacheError,
    DownloadError,
    DownloadTimeoutError,
    HashMismatchError,
    RemoteArtifactNotFoundError,
    UnpinnedURLError,
)

# A service process: reads through a graph whose `airports` is a pinned URL. With a ready and
# a go file, it waits after starting up, so that many of them fetch at the same moment.
READER = """
import json, sys, time
from pathlib import Path
from microcosm.api import create_object_graph, load_from_dict
from microcosm_sqlite_airports import AirportStore

url, cache_dir, ready, go = sys.argv[1:]
graph = create_object_graph(
    "reader", loader=load_from_dict(sqlite=dict(paths=dict(airports=url), cache_dir=cache_dir))
)
if ready != "-":
    Path(ready).touch()
    while not Path(go).exists():
        time.sleep(0.01)
store = AirportStore(graph)
airport = store.by_iata("CDG")
print(json.dumps(dict(
    cdg=[airport.icao, airport.name, airport.country.name],
    count=store.count(),
    fsspec="fsspec" in sys.modules,
)))
"""


def read_in_process(
    url: str, cache_dir: Path, ready: Path | None = None, go: Path | None = None
) -> subprocess.Popen[str]:
    """A service process running READER."""
    return subprocess.Popen(
        [sys.executable, "-c", READER, url, str(cache_dir), str(ready or "-"), str(go or "-")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
    )


def result_of(process: subprocess.Popen[str]) -> dict[str, Any]:
    """A READER process's output, once it exited 0."""
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    return json.loads(stdout)  # type: ignore[no-any-return]


def cdg(graph: Any) -> list[str]:
    """CDG's ICAO code, name and country, read through the graph."""
    airport = AirportStore(graph).by_iata("CDG")
    return [airport.icao, airport.name, airport.country.name]


def test_a_pinned_url_answers_reads_and_then_serves_from_the_cache_with_the_server_stopped(
    server: ArtifactServer, cache_dir: Path, graphs: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The first read downloads once; another process reads the cache with no server at all."""
    caplog.set_level(logging.INFO)
    graph = graphs(server.url(), cache_dir)

    first = cdg(graph)

    cached = cache_dir / "sha256" / f"{SHA256}.sqlite"
    assert first[2] == "France"
    assert server.gets == {"/airports.sqlite": 1}
    assert files_in(cache_dir) == [f"locks/{SHA256}.lock", f"sha256/{SHA256}.sqlite"]
    assert cached.stat().st_mode & 0o222 == 0
    assert (
        f"data set 'airports' resolved to url {server.url()} (from config sqlite.paths.airports),"
        f" cached at {cached} (read-only)"
    ) in caplog.messages
    assert graph.sqlite["airports"] == str(cached)

    server.stop()
    second = result_of(read_in_process(server.url(), cache_dir))

    assert second == dict(cdg=first, count=AirportStore(graph).count(), fsspec=False)


def test_a_wrong_hash_names_both_and_leaves_nothing_in_the_cache(
    server: ArtifactServer, cache_dir: Path, graphs: Any
) -> None:
    """The download is deleted; the error shows the pinned and the downloaded sha256."""
    graph = graphs(server.url(sha256=WRONG), cache_dir)

    with pytest.raises(HashMismatchError) as raised:
        cdg(graph)

    assert (raised.value.expected, raised.value.actual) == (WRONG, SHA256)
    assert WRONG in str(raised.value) and SHA256 in str(raised.value)
    assert "'airports'" in str(raised.value) and server.url(sha256=WRONG) in str(raised.value)
    assert files_in(cache_dir / "sha256") == []
    assert server.gets == {"/airports.sqlite": 1}


def test_a_connection_dropped_midway_is_retried_and_the_partial_file_never_used(
    server: ArtifactServer, cache_dir: Path, graphs: Any
) -> None:
    """Half a file is thrown away; the retry downloads it whole."""
    server.drops = 1
    graph = graphs(server.url(), cache_dir)

    assert cdg(graph)[2] == "France"
    assert server.gets == {"/airports.sqlite": 2}
    assert files_in(cache_dir / "sha256") == [f"{SHA256}.sqlite"]


def test_a_connection_dropped_on_every_attempt_fails_and_leaves_nothing(
    server: ArtifactServer, cache_dir: Path, graphs: Any
) -> None:
    """Retries are bounded; the last failure is the error, and no partial file stays."""
    server.drops = 10
    graph = graphs(server.url(), cache_dir, download_attempts=2)

    with pytest.raises(DownloadError, match="after 2 attempts"):
        cdg(graph)

    assert server.gets == {"/airports.sqlite": 2}
    assert files_in(cache_dir / "sha256") == []


def test_eight_processes_starting_at_once_download_once(
    server: ArtifactServer, cache_dir: Path, tmp_path: Path
) -> None:
    """Pre-fork workers starting together: one downloads under the lock, all read the same."""
    # a download that takes a while, so that every process asks while it runs
    server.chunk_delay = 0.05
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{index}" for index in range(8)]
    processes = [read_in_process(server.url(), cache_dir, each, go) for each in ready]
    deadline = time.monotonic() + 60
    while not all(each.exists() for each in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()

    results = [result_of(process) for process in processes]

    assert server.gets == {"/airports.sqlite": 1}
    # only the process that downloaded imported fsspec
    assert sum(result.pop("fsspec") for result in results) == 1
    assert all(result == results[0] for result in results)
    assert results[0]["cdg"][2] == "France"
    assert files_in(cache_dir / "sha256") == [f"{SHA256}.sqlite"]


@pytest.mark.parametrize(
    "fragment",
    ["", "#sha256=", f"#sha256={SHA256[:-1]}", f"#md5={SHA256[:32]}", f"#sha256={SHA256}x"],
)
def test_an_unpinned_url_is_refused(
    server: ArtifactServer, cache_dir: Path, graphs: Any, fragment: str
) -> None:
    """A URL whose content could change under a fleet is never fetched."""
    url = server.url(sha256=None) + fragment
    graph = graphs(url, cache_dir)

    with pytest.raises(UnpinnedURLError, match="sha256=<64 hex digits>") as raised:
        cdg(graph)

    assert "data set 'airports'" in str(raised.value) and url in str(raised.value)
    assert "config sqlite.paths.airports" in str(raised.value)
    assert server.gets == {}


def test_a_missing_file_is_not_found_at_once(
    server: ArtifactServer, cache_dir: Path, graphs: Any
) -> None:
    """A 404 is not retried: the URL is wrong, not the network."""
    graph = graphs(server.url("missing.sqlite"), cache_dir)

    with pytest.raises(RemoteArtifactNotFoundError, match="404"):
        cdg(graph)

    assert server.gets == {"/missing.sqlite": 1}
    assert files_in(cache_dir / "sha256") == []


def test_an_unreachable_host_fails_after_its_retries(cache_dir: Path, graphs: Any) -> None:
    """Nothing listens on the port: each attempt fails, then the error names the URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/airports.sqlite#sha256={SHA256}"
    graph = graphs(url, cache_dir, download_attempts=2)

    with pytest.raises(DownloadError, match="after 2 attempts") as raised:
        cdg(graph)

    assert url in str(raised.value)
    assert files_in(cache_dir / "sha256") == []


def test_a_server_that_stops_answering_times_out(
    server: ArtifactServer, cache_dir: Path, graphs: Any
) -> None:
    """sqlite.download_timeout_seconds bounds the wait for a silent server."""
    server.stall_seconds = 5
    graph = graphs(server.url(), cache_dir, download_timeout_seconds=0.3, download_attempts=1)

    started = time.monotonic()
    with pytest.raises(DownloadTimeoutError, match=r"0\.3 s"):
        cdg(graph)

    assert time.monotonic() - started < 3
    assert files_in(cache_dir / "sha256") == []


def test_a_cache_directory_that_cannot_be_written_is_named(
    server: ArtifactServer, tmp_path: Path, graphs: Any
) -> None:
    """No download starts when its file could not be kept; the error says where and what to set."""
    blocker = tmp_path / "a file"
    blocker.write_text("")
    graph = graphs(server.url(), blocker / "cache")

    with pytest.raises(ArtifactCacheError, match=r"sqlite\.cache_dir") as raised:
        cdg(graph)

    assert f"cache directory {blocker / 'cache' / 'sha256'} is not writable" in str(raised.value)
    assert server.gets == {}


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only directories")
def test_a_read_only_cache_directory_is_named(
    server: ArtifactServer, cache_dir: Path, graphs: Any
) -> None:
    """A cache directory without write permission fails before downloading."""
    cache_dir.mkdir(mode=0o555)
    graph = graphs(server.url(), cache_dir)

    with pytest.raises(ArtifactCacheError, match="not writable"):
        cdg(graph)


FULL_DISK = """
import resource, signal, sys
from pathlib import Path
from microcosm_sqlite.errors import ArtifactCacheError
from microcosm_sqlite.remote import ArtifactCache, PinnedURL

# files of at most 1 MiB: writing more fails as a full disk does
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
cache = ArtifactCache(Path(sys.argv[2]), attempts=1)
try:
    cache.fetch(PinnedURL.parse(sys.argv[1], dataset="airports"), dataset="airports")
except ArtifactCacheError as error:
    print(error)
"""


def test_a_full_disk_fails_cleanly(server: ArtifactServer, cache_dir: Path) -> None:
    """A write that the disk refuses is a cache error, and the partial file is removed."""
    result = subprocess.run(
        [sys.executable, "-c", FULL_DISK, server.url(), str(cache_dir)],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert f"no space left for the download in cache directory {cache_dir}" in result.stdout
    assert files_in(cache_dir / "sha256") == []


def test_fsspec_memory_and_local_filesystems(
    tmp_path: Path, data_dir: Path, cache_dir: Path, graphs: Any
) -> None:
    """Any fsspec URL works the same way: memory:// and file:// (a path with "#" in it) here."""
    memory = fsspec.filesystem("memory")
    memory.pipe("/artifacts/airports.sqlite", AIRPORTS.read_bytes())
    try:
        from_memory = graphs(f"memory://artifacts/airports.sqlite#sha256={SHA256}", cache_dir)
        assert cdg(from_memory)[2] == "France"
    finally:
        memory.rm("/artifacts/airports.sqlite")

    other_cache = tmp_path / "other cache"
    published = data_dir / "airports.sqlite"
    published.write_bytes(AIRPORTS.read_bytes())
    from_file = graphs(f"file://{published}#sha256={SHA256}", other_cache)
    assert cdg(from_file)[2] == "France"
    assert files_in(other_cache / "sha256") == [f"{SHA256}.sqlite"]


@pytest.mark.parametrize("missing", ["fsspec", "filelock"])
def test_a_missing_remote_extra_is_named(cache_dir: Path, missing: str) -> None:
    """Without fsspec or filelock, a download says which extra to install."""
    script = (
        f"import sys; sys.modules[{missing!r}] = None\n"
        "from microcosm_sqlite.cli import main; main()\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "fetch",
            f"https://example.invalid/x.sqlite#sha256={SHA256}",
        ],
        capture_output=True,
        text=True,
        env={**subprocess_env(), "MICROCOSM_SQLITE__SQLITE__CACHE_DIR": str(cache_dir)},
        timeout=60,
    )

    assert result.returncode == 1
    assert f"needs {missing}: pip install 'microcosm-sqlite[remote]'" in result.stderr


def test_fetch_fills_the_cache_for_a_name_or_a_url(server: ArtifactServer, cache_dir: Path) -> None:
    """`microcosm-sqlite fetch NAME` (from config) downloads; `fetch URL` then finds it there."""
    env = {
        **subprocess_env(),
        "MICROCOSM_SQLITE__SQLITE__CACHE_DIR": str(cache_dir),
        "MICROCOSM_SQLITE__SQLITE__PATHS__AIRPORTS": server.url(),
    }
    cached = cache_dir / "sha256" / f"{SHA256}.sqlite"

    by_name = subprocess.run(
        [console_script(), "fetch", "airports"], capture_output=True, text=True, env=env
    )
    server.stop()
    by_url = subprocess.run(
        [console_script(), "fetch", server.url()], capture_output=True, text=True, env=env
    )

    assert by_name.returncode == 0, by_name.stderr
    assert by_name.stdout == f"{cached}\n"
    assert "downloading" in by_name.stderr
    assert f"(from config sqlite.paths.airports), cached at {cached}" in by_name.stderr
    assert by_url.returncode == 0, by_url.stderr
    assert by_url.stdout == f"{cached}\n"
    assert "downloading" not in by_url.stderr
    assert server.gets == {"/airports.sqlite": 1}


def test_fetch_fails_with_the_error_on_a_wrong_hash(
    server: ArtifactServer, cache_dir: Path
) -> None:
    """A bad pin exits 1 with the error, naming both hashes."""
    result = cli_runner().invoke(
        cli,
        ["fetch", server.url(sha256=WRONG)],
        catch_exceptions=False,
        env={"MICROCOSM_SQLITE__SQLITE__CACHE_DIR": str(cache_dir)},
    )

    assert result.exit_code == 1
    assert f"pinned {WRONG}, downloaded {SHA256}" in result.stderr
    assert files_in(cache_dir / "sha256") == []


def test_build_and_inspect_print_the_sha256_to_pin(tmp_path: Path) -> None:
    """The sha256 that `build` logs and `inspect` prints is the file's, ready for URL#sha256=."""
    output = tmp_path / "library.sqlite"

    built = cli_runner().invoke(
        cli, ["build", MODELS, str(SOURCES), "-o", str(output)], catch_exceptions=False
    )
    text = cli_runner().invoke(cli, ["inspect", str(output)], catch_exceptions=False)
    as_json = cli_runner().invoke(cli, ["inspect", "--json", str(output)], catch_exceptions=False)

    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    assert f"{output}: sha256={digest}" in built.stderr
    assert text.stdout.splitlines()[1] == f"sha256={digest}"
    assert json.loads(as_json.stdout)["sha256"] == digest
