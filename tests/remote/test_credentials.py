"""
A pinned URL's credentials (a password in its user info, a pre-signed URL's signature and token
in its query) reach the server and nothing else: not a log line at any level, not an error
message or its `path`, not a `repr`, not the CLI's output.

"""

from __future__ import annotations

import base64
import logging
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from fixtures.artifact_server import SHA256, WRONG, ArtifactServer, Handler, files_in
from fixtures.tools import subprocess_env
from microcosm_sqlite_airports import AirportStore

from microcosm_sqlite.errors import RemoteArtifactError
from microcosm_sqlite.paths import ResolvedPath
from microcosm_sqlite.remote import PinnedURL

USER, PASSWORD = "reader", "s3cret-pass"
QUERY = {
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": "AKIAEXAMPLE/20260101/us-east-1/s3/aws4_request",
    "X-Amz-Date": "20260101T000000Z",
    "X-Amz-Expires": "3600",
    "X-Amz-Security-Token": "FwoGZXIvYXdzEJr+session-token",
    "X-Amz-Signature": "9f2c4e1b7a8d3f6e5c4b3a29180716253443526170819a0b1c2d3e4f5a6b7c8d",
}
# what must never show, as sent and as decoded
SECRETS = [
    PASSWORD,
    "AKIAEXAMPLE",
    "FwoGZXIvYXdzEJr",
    "session-token",
    QUERY["X-Amz-Signature"],
]
SHOWN_QUERY = "&".join(f"{name}=***" for name in QUERY)


def secret_url(server: ArtifactServer, path: str = "airports.sqlite", sha256: str = SHA256) -> str:
    """A pre-signed URL with a password, as a misconfigured or signed deployment might hold."""
    query = urlencode(QUERY)
    return f"http://{USER}:{PASSWORD}@{server.address}/{path}?{query}#sha256={sha256}"


def shown_url(server: ArtifactServer, path: str = "airports.sqlite", sha256: str = SHA256) -> str:
    """The same URL as messages show it."""
    return f"http://***@{server.address}/{path}?{SHOWN_QUERY}#sha256={sha256}"


def assert_hidden(*texts: object) -> None:
    """No secret appears in any of the texts."""
    for text in texts:
        for secret in SECRETS:
            assert secret not in str(text), (secret, text)


def test_a_download_sends_the_credentials_and_no_log_line_shows_them(
    server: ArtifactServer, cache_dir: Path, graphs: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Every log record of a download and of the "resolved to" line, at DEBUG, is redacted."""
    caplog.set_level(logging.DEBUG)
    graph = graphs(secret_url(server), cache_dir)

    assert AirportStore(graph).by_iata("CDG").country.name == "France"

    expected_auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert server.headers[0]["Authorization"] == f"Basic {expected_auth}"
    sent = urlsplit(server.targets[0])
    assert (sent.path, parse_qs(sent.query)) == ("/airports.sqlite", parse_qs(urlencode(QUERY)))
    assert any(
        f"data set 'airports' resolved to url {shown_url(server)} (from config" in message
        for message in caplog.messages
    )
    assert_hidden(*caplog.messages, *(record.getMessage() for record in caplog.records))
    assert_hidden(graph.sqlite.origin("airports"), repr(graph.sqlite.resolve("airports")))


def status(code: int) -> Callable[[Handler], None]:
    """A route answering an error status."""
    return lambda handler: handler.send_error(code)


def stall(handler: Handler) -> None:
    """A route that answers nothing for longer than the test's download timeout."""
    import time

    time.sleep(2)


def redirect_loop(handler: Handler) -> None:
    """A route redirecting to itself, credentials and query included."""
    handler.answer(302, Location=handler.path)


@pytest.mark.parametrize(
    ("route", "sha256", "expected"),
    [
        (status(403), SHA256, "HTTP 403"),
        (status(404), SHA256, "HTTP 404"),
        (status(500), SHA256, "HTTP 500"),
        (None, WRONG, "sha256 mismatch"),
        (stall, SHA256, "sent nothing"),
        (redirect_loop, SHA256, "redirect loop"),
    ],
)
def test_a_failed_download_shows_no_credentials(
    server: ArtifactServer,
    cache_dir: Path,
    graphs: Any,
    caplog: pytest.LogCaptureFixture,
    route: Callable[[Handler], None] | None,
    sha256: str,
    expected: str,
) -> None:
    """The error's message, `path` and `repr`, and every retry's warning, are redacted."""
    caplog.set_level(logging.DEBUG)
    if route is not None:
        server.routes["/airports.sqlite"] = route
    graph = graphs(
        secret_url(server, sha256=sha256),
        cache_dir,
        download_attempts=2,
        download_timeout_seconds=0.3,
    )

    with pytest.raises(RemoteArtifactError, match=expected) as raised:
        AirportStore(graph).count()

    assert raised.value.path == shown_url(server, sha256=sha256)
    assert_hidden(raised.value, repr(raised.value), raised.value.path, *caplog.messages)
    assert files_in(cache_dir / "sha256") == []


def test_an_unreachable_host_and_an_unpinned_url_show_no_credentials(
    cache_dir: Path, graphs: Any
) -> None:
    """Errors before any answer, and the refusal of an unpinned URL, are redacted too."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = f"http://{USER}:{PASSWORD}@127.0.0.1:{port}/x.sqlite?sig=0123456789abcdef"
    failures = []
    for url in [f"{unreachable}#sha256={SHA256}", unreachable]:
        with pytest.raises(RemoteArtifactError) as raised:
            AirportStore(graphs(url, cache_dir, download_attempts=1)).count()
        failures.append(raised.value)

    assert [type(each).__name__ for each in failures] == ["DownloadError", "UnpinnedURLError"]
    for failure in failures:
        assert f"http://***@127.0.0.1:{port}/x.sqlite?sig=***" in str(failure)
        assert_hidden(failure, failure.path)
        assert "0123456789abcdef" not in str(failure)


def test_reprs_show_no_credentials(server: ArtifactServer) -> None:
    """A pinned URL and a located path show the redacted URL; the download keeps the real one."""
    pin = PinnedURL.parse(secret_url(server), dataset="airports")
    located = ResolvedPath("airports", secret_url(server), "config sqlite.paths")

    assert str(pin) == shown_url(server)
    assert repr(pin) == f"PinnedURL({shown_url(server)!r})"
    assert pin.url == secret_url(server).partition("#")[0]
    assert located.context()["path"] == shown_url(server)
    assert_hidden(repr(pin), repr(located), located.context())


def test_fetch_prints_no_credentials(server: ArtifactServer, cache_dir: Path) -> None:
    """`microcosm-sqlite fetch URL`, at --verbose, prints the cached path and no secret."""
    env = {**subprocess_env(), "MICROCOSM_SQLITE__SQLITE__CACHE_DIR": str(cache_dir)}

    fetched = subprocess.run(
        [sys.executable, "-m", "microcosm_sqlite", "fetch", "--verbose", secret_url(server)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    server.routes["/missing.sqlite"] = status(403)
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "microcosm_sqlite",
            "fetch",
            secret_url(server, "missing.sqlite", WRONG),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout == f"{cache_dir / 'sha256' / f'{SHA256}.sqlite'}\n"
    assert shown_url(server) in fetched.stderr
    assert refused.returncode == 1 and "HTTP 403" in refused.stderr
    assert_hidden(fetched.stdout, fetched.stderr, refused.stdout, refused.stderr)
