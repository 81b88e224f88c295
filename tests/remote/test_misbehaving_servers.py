"""
Downloads from servers that misbehave as real servers, CDNs and object stores do: encoded
bodies, error statuses, redirect loops, other schemes. Each failure is one line naming the data
set and the URL; what a retry cannot fix is not retried.

"""

from __future__ import annotations

import gzip
import hashlib
import socket
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fixtures.artifact_server import AIRPORTS_BYTES, SHA256, ArtifactServer, Handler, files_in
from fixtures.tools import subprocess_env
from microcosm_sqlite_airports import AirportStore

from microcosm_sqlite.errors import DownloadError, RemoteArtifactError, RemoteArtifactNotFoundError

ENCODERS: dict[str, Callable[[bytes], bytes]] = {"gzip": gzip.compress, "deflate": zlib.compress}


def cdg_country(graph: Any) -> str:
    """The country of CDG, read through the graph (and so its download)."""
    return str(AirportStore(graph).by_iata("CDG").country.name)


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def one_line(error: BaseException) -> str:
    """The error's message, checked to be a single line."""
    message = str(error)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
def test_an_encoded_body_with_its_length_is_decoded_and_verified(
    server: ArtifactServer, cache_dir: Path, graphs: Any, encoding: str
) -> None:
    """Content-Encoding gzip or deflate with Content-Length (of the encoded bytes) downloads."""
    body = ENCODERS[encoding](AIRPORTS_BYTES)
    server.routes["/airports.sqlite"] = lambda handler: handler.answer(
        200, body, Content_Encoding=encoding
    )
    graph = graphs(server.url(), cache_dir)

    assert cdg_country(graph) == "France"

    cached = cache_dir / "sha256" / f"{SHA256}.sqlite"
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == SHA256
    assert server.gets == {"/airports.sqlite": 1}
    assert server.headers[0]["Accept-Encoding"] == "gzip, deflate"


def test_an_encoded_body_cut_short_is_retried_and_leaves_nothing(
    server: ArtifactServer, cache_dir: Path, graphs: Any
) -> None:
    """A gzip body that ends early is a dropped connection: retried, then one clear error."""
    body = gzip.compress(AIRPORTS_BYTES)

    def cut(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2])
        handler.wfile.flush()
        handler.connection.shutdown(socket.SHUT_RDWR)

    server.routes["/airports.sqlite"] = cut
    graph = graphs(server.url(), cache_dir, download_attempts=2)

    with pytest.raises(DownloadError, match="after 2 attempts") as raised:
        cdg_country(graph)

    assert server.url() in one_line(raised.value)
    assert server.gets == {"/airports.sqlite": 2}
    assert files_in(cache_dir / "sha256") == []


@pytest.mark.parametrize("encoding", ["compress", "br", "gzip, gzip", "x-unknown"])
def test_an_encoding_not_asked_for_is_refused_at_once(
    server: ArtifactServer, cache_dir: Path, graphs: Any, encoding: str
) -> None:
    """A body in an encoding not asked for is not the file: one line naming it, no retry."""
    server.routes["/airports.sqlite"] = lambda handler: handler.answer(
        200, b"\x1f\x8b not what was asked for" * 64, Content_Encoding=encoding
    )
    graph = graphs(server.url(), cache_dir, download_attempts=3)

    with pytest.raises(DownloadError) as raised:
        cdg_country(graph)

    message = one_line(raised.value)
    # aiohttp itself refuses br when Brotli is not installed; the others pass it on undecoded
    assert "not decoded here" in message and encoding.split(",")[0] in message
    assert "data set 'airports'" in message and server.url() in message
    assert server.gets == {"/airports.sqlite": 1}
    assert files_in(cache_dir / "sha256") == []


@pytest.mark.parametrize("scheme", ["HTTP", "Http", "hTTp"])
def test_a_scheme_in_any_case_is_the_same_scheme(
    server: ArtifactServer, cache_dir: Path, graphs: Any, scheme: str
) -> None:
    """Schemes are case-insensitive (RFC 3986): HTTP://host/... downloads as http:// does."""
    graph = graphs(f"{scheme}://{server.address}/airports.sqlite#sha256={SHA256}", cache_dir)

    assert cdg_country(graph) == "France"
    assert server.gets == {"/airports.sqlite": 1}


@pytest.mark.parametrize(
    ("status", "error", "retried"),
    [
        (400, DownloadError, False),
        (401, DownloadError, False),
        (403, DownloadError, False),
        (404, RemoteArtifactNotFoundError, False),
        (410, RemoteArtifactNotFoundError, False),
        (408, DownloadError, True),
        (429, DownloadError, True),
        (500, DownloadError, True),
        (503, DownloadError, True),
    ],
)
def test_an_error_status_is_retried_only_when_a_retry_could_help(
    server: ArtifactServer,
    cache_dir: Path,
    graphs: Any,
    status: int,
    error: type[RemoteArtifactError],
    retried: bool,
) -> None:
    """4xx will not change on a retry, except 408 and 429; 5xx may."""
    server.routes["/airports.sqlite"] = lambda handler: handler.send_error(status)
    graph = graphs(server.url(), cache_dir, download_attempts=2)

    with pytest.raises(error) as raised:
        cdg_country(graph)

    message = one_line(raised.value)
    assert f"HTTP {status}" in message and server.url() in message
    assert ("after 2 attempts" in message) is retried
    assert server.gets == {"/airports.sqlite": 2 if retried else 1}
    assert files_in(cache_dir / "sha256") == []


def test_a_redirect_loop_says_so_and_is_not_retried(
    server: ArtifactServer, cache_dir: Path, graphs: Any
) -> None:
    """A path that redirects to itself ends in one line that names the loop."""
    server.routes["/loop.sqlite"] = lambda handler: handler.answer(302, Location="/loop.sqlite")
    graph = graphs(server.url("loop.sqlite"), cache_dir, download_attempts=3)

    with pytest.raises(DownloadError) as raised:
        cdg_country(graph)

    message = one_line(raised.value)
    assert "redirect loop" in message and server.url("loop.sqlite") in message
    assert "message=" not in message
    # aiohttp gives up after 10 answers, once: the loop was not tried again
    assert server.gets == {"/loop.sqlite": 10}


def test_a_redirect_that_ends_is_followed(
    server: ArtifactServer, cache_dir: Path, graphs: Any
) -> None:
    """A moved artifact downloads from where the redirect points."""
    server.routes["/moved.sqlite"] = lambda handler: handler.answer(
        301, Location="/airports.sqlite"
    )
    graph = graphs(server.url("moved.sqlite"), cache_dir)

    assert cdg_country(graph) == "France"
    assert server.gets == {"/moved.sqlite": 1, "/airports.sqlite": 1}


def test_an_ftp_url_with_no_server_fails_in_one_line(cache_dir: Path, graphs: Any) -> None:
    """fsspec's FTP filesystem connects when made: a refused connection is a DownloadError."""
    url = f"ftp://127.0.0.1:{closed_port()}/airports.sqlite#sha256={SHA256}"
    graph = graphs(url, cache_dir, download_attempts=1)

    with pytest.raises(DownloadError, match="Connection refused") as raised:
        cdg_country(graph)

    assert url in one_line(raised.value)
    assert files_in(cache_dir / "sha256") == []


def test_fetch_of_an_ftp_url_with_no_server_prints_one_line(cache_dir: Path) -> None:
    """`microcosm-sqlite fetch ftp://...` ends with one error line and exit 1, no traceback."""
    url = f"ftp://127.0.0.1:{closed_port()}/airports.sqlite#sha256={SHA256}"
    env = {
        **subprocess_env(),
        "MICROCOSM_SQLITE__SQLITE__CACHE_DIR": str(cache_dir),
        "MICROCOSM_SQLITE__SQLITE__DOWNLOAD_ATTEMPTS": "1",
    }

    result = subprocess.run(
        [sys.executable, "-m", "microcosm_sqlite", "fetch", url],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and url in errors[0] and "Connection refused" in errors[0]
