"""
The machine's cache of pinned downloads: a file found under a pin's name is checked before use
(and re-hashed on demand), a killed download's leftovers are removed by the next fetch, and the
lock that lets one process download is never deleted, so it can never be held twice.

"""

from __future__ import annotations

import ast
import hashlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fixtures.artifact_server import AIRPORTS_BYTES, SHA256, ArtifactServer, Handler, files_in
from fixtures.tools import subprocess_env
from microcosm_sqlite_airports import AirportStore

import microcosm_sqlite
from microcosm_sqlite.errors import ArtifactCacheError
from microcosm_sqlite.remote import ArtifactCache, PinnedURL, default_cache_dir

# A process that fetches a pinned URL into a cache (sys.argv: url, cache, attempts), after
# touching a file that says it started (sys.argv[4], or "-"); prints the error if it fails.
FETCH = """
import sys
from pathlib import Path
from microcosm_sqlite.errors import RemoteArtifactError
from microcosm_sqlite.remote import ArtifactCache, PinnedURL

url, cache, attempts, started = sys.argv[1:]
if started != "-":
    Path(started).touch()
cache = ArtifactCache(Path(cache), timeout_seconds=30, attempts=int(attempts))
try:
    print(cache.fetch(PinnedURL.parse(url, dataset="airports"), dataset="airports"))
except RemoteArtifactError as error:
    print(type(error).__name__, error)
"""

Damage = Callable[[Path, Path], None]


def fetching(url: str, cache_dir: Path, attempts: int = 1, started: Path | None = None) -> Any:
    """A process running FETCH."""
    return subprocess.Popen(
        [sys.executable, "-c", FETCH, url, str(cache_dir), str(attempts), str(started or "-")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
    )


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    """Poll until the condition holds; fail the test if it never does."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def cached_path(cache_dir: Path) -> Path:
    """Where the cache keeps the airports artifact."""
    return cache_dir / "sha256" / f"{SHA256}.sqlite"


def empty(target: Path, elsewhere: Path) -> None:
    """A zero-length file."""
    target.write_bytes(b"")


def truncated(target: Path, elsewhere: Path) -> None:
    """The first half of the artifact."""
    target.write_bytes(AIRPORTS_BYTES[: len(AIRPORTS_BYTES) // 2])


def header_only(target: Path, elsewhere: Path) -> None:
    """The artifact's first 100 bytes: a SQLite header, and nothing of what it describes."""
    target.write_bytes(AIRPORTS_BYTES[:100])


def too_long(target: Path, elsewhere: Path) -> None:
    """The artifact with bytes appended."""
    target.write_bytes(AIRPORTS_BYTES + b"\0" * 4096)


def symlink(target: Path, elsewhere: Path) -> None:
    """A link to a whole copy of the artifact elsewhere, which anyone could change."""
    elsewhere.write_bytes(AIRPORTS_BYTES)
    target.symlink_to(elsewhere)


@pytest.mark.parametrize("damage", [empty, truncated, header_only, too_long, symlink])
def test_a_damaged_cached_file_is_downloaded_again(
    server: ArtifactServer,
    cache_dir: Path,
    graphs: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    damage: Damage,
) -> None:
    """A file under the pin's name is used only if it is a regular file of its header's size."""
    target = cached_path(cache_dir)
    target.parent.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere.sqlite"
    damage(target, elsewhere)
    graph = graphs(server.url(), cache_dir)

    with caplog.at_level(logging.WARNING, logger="microcosm_sqlite.remote"):
        assert AirportStore(graph).by_iata("CDG").country.name == "France"

    assert server.gets == {"/airports.sqlite": 1}
    assert not target.is_symlink() and target.read_bytes() == AIRPORTS_BYTES
    assert [f"the cached file {target} is damaged" in each for each in caplog.messages] == [True]
    if elsewhere.exists():
        assert elsewhere.read_bytes() == AIRPORTS_BYTES


def test_a_directory_under_the_pins_name_is_an_error_naming_it(
    server: ArtifactServer, cache_dir: Path, graphs: Any
) -> None:
    """What the cache did not write and cannot simply replace is left alone, and named."""
    target = cached_path(cache_dir)
    target.mkdir(parents=True)
    graph = graphs(server.url(), cache_dir)

    with pytest.raises(ArtifactCacheError, match="is a directory, not a cached file") as raised:
        AirportStore(graph).count()

    assert str(target) in str(raised.value)
    assert target.is_dir() and server.gets == {}


def test_verify_rehashes_a_cached_file_and_replaces_a_corrupt_one(
    server: ArtifactServer, cache_dir: Path, graphs: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Same size, one byte changed: only a full re-hash (`fetch --verify`) sees it."""
    corrupt = bytearray(AIRPORTS_BYTES)
    corrupt[len(corrupt) // 2] ^= 0xFF
    target = cached_path(cache_dir)
    target.parent.mkdir(parents=True)
    target.write_bytes(corrupt)
    graph = graphs(server.url(), cache_dir)

    unchecked = graph.sqlite.fetch("airports")
    assert server.gets == {}
    with caplog.at_level(logging.WARNING, logger="microcosm_sqlite.remote"):
        verified = graph.sqlite.fetch("airports", verify=True)
        again = graph.sqlite.fetch("airports", verify=True)

    actual = hashlib.sha256(corrupt).hexdigest()
    assert unchecked.path == verified.path == again.path == str(target)
    assert target.read_bytes() == AIRPORTS_BYTES
    assert server.gets == {"/airports.sqlite": 1}
    assert len(caplog.messages) == 1
    assert f"its sha256 is {actual}, not the pinned {SHA256}" in caplog.messages[0]


def test_leftovers_of_a_killed_download_are_removed_by_the_next_fetch(
    server: ArtifactServer, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A download killed with SIGKILL leaves its .part file; the next fetch removes it."""
    server.chunk_delay = 0.2
    killed = fetching(server.url(), cache_dir)
    folder = cache_dir / "sha256"
    wait_for(lambda: any(each.stat().st_size for each in folder.glob(".*.part")))
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=30)
    assert [name.endswith(".part") for name in files_in(folder)] == [True]
    server.chunk_delay = 0

    cache = ArtifactCache(cache_dir)
    with caplog.at_level(logging.INFO, logger="microcosm_sqlite.remote"):
        cached = cache.fetch(PinnedURL.parse(server.url(), dataset="airports"), dataset="airports")

    assert cached.read_bytes() == AIRPORTS_BYTES
    assert files_in(cache_dir) == [f"locks/{SHA256}.lock", f"sha256/{SHA256}.sqlite"]
    assert "data set 'airports': removed 1 file left by an interrupted download" in caplog.messages


def test_after_a_failed_download_two_contenders_never_download_at_once(
    server: ArtifactServer, cache_dir: Path, tmp_path: Path
) -> None:
    """
    A fails while B waits for the lock; then C arrives while B downloads. A lock file deleted on
    release lets B (on the old file) and C (on a new one) both hold it: C must wait instead.

    """
    answer_first = threading.Event()
    answer_second = threading.Event()
    answers = iter([answer_first, answer_second])

    def held(handler: Handler) -> None:
        event = next(answers, None)
        if event is answer_first:
            event.wait(30)
            handler.send_error(500)
            return
        if event is answer_second:
            event.wait(30)
        handler.answer(200, AIRPORTS_BYTES)

    server.routes["/airports.sqlite"] = held
    first = fetching(server.url(), cache_dir)
    wait_for(lambda: server.gets["/airports.sqlite"] == 1)
    second = fetching(server.url(), cache_dir, started=tmp_path / "second")
    wait_for((tmp_path / "second").exists)
    # the second process opens the lock file and waits on it
    time.sleep(1.0)
    answer_first.set()
    wait_for(lambda: server.gets["/airports.sqlite"] == 2)
    third = fetching(server.url(), cache_dir, started=tmp_path / "third")
    wait_for((tmp_path / "third").exists)
    # time for the third process to send its GET, if it (wrongly) holds a lock too
    time.sleep(1.5)
    answer_second.set()
    outputs = [process.communicate(timeout=60)[0].strip() for process in (first, second, third)]

    assert server.most_open == 1
    assert server.gets == {"/airports.sqlite": 2}
    assert outputs[0].startswith("DownloadError") and "HTTP 500" in outputs[0]
    assert outputs[1:] == [str(cached_path(cache_dir))] * 2
    assert files_in(cache_dir) == [f"locks/{SHA256}.lock", f"sha256/{SHA256}.sqlite"]


def test_threads_of_one_process_download_once(server: ArtifactServer, cache_dir: Path) -> None:
    """The lock holds between threads too: eight at once, one GET, one file for all."""
    server.chunk_delay = 0.05
    cache = ArtifactCache(cache_dir)
    pin = PinnedURL.parse(server.url(), dataset="airports")
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.fetch(pin, dataset="airports")))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert results == [cached_path(cache_dir)] * 8
    assert server.gets == {"/airports.sqlite": 1}


@pytest.mark.parametrize(
    ("xdg", "expected"),
    [
        ("/srv/cache", "/srv/cache/microcosm-sqlite"),
        ("relative/cache", "HOME/.cache/microcosm-sqlite"),
        (None, "HOME/.cache/microcosm-sqlite"),
    ],
)
@pytest.mark.skipif(sys.platform != "linux", reason="the XDG directories are Linux's")
def test_the_default_cache_is_the_users_xdg_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xdg: str | None, expected: str
) -> None:
    """$XDG_CACHE_HOME when absolute (the XDG spec ignores a relative one), else ~/.cache."""
    monkeypatch.setenv("HOME", str(tmp_path))
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)

    assert default_cache_dir() == Path(expected.replace("HOME", str(tmp_path)))


def test_a_graph_without_cache_dir_downloads_into_the_users_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, graphs: Any
) -> None:
    """An empty `sqlite.cache_dir` is the per-user cache directory."""
    published = tmp_path / "published.sqlite"
    published.write_bytes(AIRPORTS_BYTES)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    graph = graphs(f"file://{published}#sha256={SHA256}", None)
    expected = default_cache_dir() / "sha256" / f"{SHA256}.sqlite"

    assert AirportStore(graph).count() > 0
    assert graph.sqlite["airports"] == str(expected)
    assert expected.read_bytes() == AIRPORTS_BYTES


def test_no_module_imports_fcntl() -> None:
    """File locks come from filelock: the package itself imports no POSIX-only lock module."""
    package = Path(microcosm_sqlite.__file__).parent
    imported: set[str] = set()
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)

    assert "fcntl" not in imported
    assert "filelock" in imported


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes whatever it likes")
def test_a_cached_file_that_cannot_be_read_is_downloaded_again(
    server: ArtifactServer, cache_dir: Path, graphs: Any
) -> None:
    """A file the process may not read is no file it can serve: it is replaced."""
    target = cached_path(cache_dir)
    target.parent.mkdir(parents=True)
    target.write_bytes(AIRPORTS_BYTES)
    target.chmod(0)
    graph = graphs(server.url(), cache_dir)

    assert AirportStore(graph).count() > 0
    assert server.gets == {"/airports.sqlite": 1}
