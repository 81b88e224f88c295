"""
What a client of a microcosm-flask service is told when a Store call fails: real requests through
microcosm-flask's error handlers, one for each status the library answers with, each short,
naming the data set and what was wrong, and holding no path, URL, SQL or upgrade note.

"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.service import create_service

from microcosm_sqlite import dispose_sqlite_connections

# what no response may hold: the artifacts' folder and file names, SQL, upgrade notes, stacks
LEAKS = (
    "pytest-of",
    "data dir",
    ".sqlite",
    "/tmp",
    "sqlite.paths",
    "path from",
    "SELECT",
    "sqlite_schema",
    "UPGRADING",
    "2.x",
    "Traceback",
    'File "',
)

Service = Callable[..., Any]


@pytest.fixture
def service(read_path: str) -> Iterator[Service]:
    """Makes service graphs (on the fast and the ORM read paths), and closes them afterwards."""
    graphs: list[Any] = []

    def make(paths: dict[str, Path], **sqlite: Any) -> Any:
        shown = {name: str(path) for name, path in paths.items()}
        graph = create_service(shown, fast_path=read_path == "fast", **sqlite)
        graphs.append(graph)
        return graph

    yield make
    for graph in graphs:
        dispose_sqlite_connections(graph)


@pytest.fixture
def client(service: Service, artifact: Path, data_dir: Path) -> Any:
    """A test client of a service over the sample artifact, `notes` having none."""
    graph = service({"runtime": artifact, "notes": data_dir / "notes.sqlite"})
    return graph.flask.test_client()


def request(client: Any, method: str, url: str, body: str | None = None) -> Any:
    """One request; `body` is JSON text, so that it may spell a lone surrogate."""
    if body is None:
        return client.open(url, method=method)
    return client.open(url, method=method, data=body, content_type="application/json")


def answer(response: Any, status: int) -> str:
    """The response's message, once its status and body are checked to hold nothing private."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} in {text}"
    body = json.loads(text)
    assert body["code"] == status
    message: str = body["message"]
    return message


BAD_REQUESTS = {
    "unknown filter": ("GET", "/api/city?colour=blue", None, "unknown filter 'colour'"),
    "unknown filter in one": ("POST", "/api/city/one", '{"colour": 1}', "'colour'"),
    "unknown filter in count": ("POST", "/api/city/count", '{"colour": 1}', "'colour'"),
    "negative limit": ("GET", "/api/city?limit=-1", None, "limit=-1: limit must be from 0"),
    "negative offset": ("GET", "/api/city?offset=-5", None, "offset=-5"),
    "limit past 64 bits": ("GET", f"/api/city?limit={2**63}", None, f"limit={2**63}"),
    "offset past 64 bits": ("GET", f"/api/city?offset={2**63}", None, f"offset={2**63}"),
    "limit not a number": ("GET", "/api/city?limit=x", None, "limit must be a whole number"),
    "limit a list": ("GET", "/api/city?limit=1&limit=2", None, "not a list"),
    "first, offset not a number": ("POST", "/api/city/first", '{"offset": "a"}', "offset='a'"),
    "limit a bool": ("POST", "/api/city/search", '{"limit": true}', "not a bool"),
    "one, negative limit": ("POST", "/api/city/one", '{"limit": -1}', "limit=-1"),
    "lone surrogate filter": ("POST", "/api/city/search", '{"name": "\\udc80"}', "\\udc80"),
    "lone surrogate key": ("POST", "/api/country/get", '{"key": "\\udc80"}', "not a key"),
    "lone surrogate, own filter": (
        "POST",
        "/api/city/search",
        '{"min_population": "\\ud800"}',
        "min_population=",
    ),
    "integer past 64 bits, own filter": (
        "POST",
        "/api/city/search",
        f'{{"min_population": {2**70}}}',
        "min_population=",
    ),
    "key of the wrong size": ("POST", "/api/route/get", '{"key": ["AMS"]}', "not a key"),
    "unhashable key": ("POST", "/api/country/get", '{"key": {"a": 1}}', "not a key"),
    "dict filter value": ("POST", "/api/country/search", '{"name": {"a": 1}}', "name="),
    "enum value unknown": (
        "POST",
        "/api/country/search",
        '{"continent": "ATLANTIS"}',
        "ATLANTIS",
    ),
}


@pytest.mark.parametrize(
    ("method", "url", "body", "said"), list(BAD_REQUESTS.values()), ids=list(BAD_REQUESTS)
)
def test_bad_input_is_a_400_saying_what_was_wrong(
    client: Any, method: str, url: str, body: str | None, said: str
) -> None:
    """A client's bad filter, key or page is a 400 naming the data set and the value it gave."""
    message = answer(request(client, method, url, body), 400)
    assert message.startswith("data set 'runtime': ")
    assert said in message


NOT_FOUND_OR_CONFLICTING = {
    "no row with the key": ("GET", "/api/city/9999", None, 404, "City '9999' not found"),
    "no row matches one()": ("POST", "/api/city/one", '{"name": "nobody"}', 404, "no City"),
    "several match one()": (
        "POST",
        "/api/country/one",
        '{"continent": "EUROPE"}',
        409,
        "more than one Country",
    ),
    "a write to a read-only data set": (
        "POST",
        "/api/country/create",
        '{"code": "XX", "name": "Nowhere"}',
        405,
        "it is read-only",
    ),
}


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "said"),
    list(NOT_FOUND_OR_CONFLICTING.values()),
    ids=list(NOT_FOUND_OR_CONFLICTING),
)
def test_not_found_conflicts_and_refused_writes_keep_their_statuses(
    client: Any, method: str, url: str, body: str | None, status: int, said: str
) -> None:
    """404, 409 and 405 answers name the data set and what the request asked, nothing more."""
    message = answer(request(client, method, url, body), status)
    assert "data set 'runtime'" in message
    assert said in message


def test_a_duplicate_written_to_a_writable_data_set_is_a_409(
    service: Service, artifact: Path, data_dir: Path
) -> None:
    """SQLite's refusal of a repeated key is a 409 that names neither the path nor the SQL."""
    copy = shutil.copy(artifact, data_dir / "writable.sqlite")
    client = service({"runtime": copy}, read_only=False).flask.test_client()
    body = '{"code": "FR", "name": "France", "continent": "EUROPE"}'
    message = answer(request(client, "POST", "/api/country/create", body), 409)
    assert message == "data set 'runtime': a row with the same key or unique value exists"


def alter(path: Path, *statements: str) -> Path:
    """Run statements on an artifact, as a hand edit or a damaged deploy would."""
    with sqlite3.connect(path) as connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()
    return path


BROKEN = {
    "no file": (
        lambda artifact: artifact.with_name("gone.sqlite"),
        "/api/city/1",
        "its file is missing or cannot be read",
    ),
    "not SQLite": (
        lambda artifact: artifact.write_bytes(b"not a database, " * 64) and artifact,
        "/api/city/1",
        "its file is not a usable SQLite artifact",
    ),
    "a column missing": (
        lambda artifact: alter(artifact, "ALTER TABLE city DROP COLUMN population"),
        "/api/city/1",
        "does not match its models: table city: column population is missing",
    ),
    "a view for a table": (
        lambda artifact: alter(
            artifact,
            "PRAGMA foreign_keys = OFF",
            "ALTER TABLE country RENAME TO country_data",
            "CREATE VIEW country AS SELECT * FROM country_data",
        ),
        "/api/country/FR",
        "its file was refused",
    ),
    "an unreadable value": (
        lambda artifact: alter(artifact, "UPDATE country SET continent = 'MARS' WHERE code = 'JP'"),
        "/api/country/JP",
        "a value stored in it cannot be read",
    ),
}


@pytest.mark.parametrize(("damage", "url", "said"), list(BROKEN.values()), ids=list(BROKEN))
def test_a_broken_artifact_is_a_500_naming_only_the_data_set(
    service: Service, artifact: Path, damage: Callable[[Path], Path], url: str, said: str
) -> None:
    """A missing, damaged or stale file answers 500 with the data set named, and no path."""
    client = service({"runtime": damage(artifact)}).flask.test_client()
    message = answer(client.get(url), 500)
    assert message.startswith("data set 'runtime': ")
    assert said in message


def test_a_data_set_with_no_path_is_a_500_without_upgrade_notes(
    service: Service, artifact: Path
) -> None:
    """A name config never gave a path answers 500; its 2.x note stays in the developer's text."""
    client = service({"runtime": artifact}).flask.test_client()
    message = answer(client.get("/api/note/1"), 500)
    assert message == "data set 'notes': it is not configured"


@pytest.mark.parametrize("url", ["/api/checks", "/api/health"])
def test_a_failed_check_is_a_503_naming_each_data_set(client: Any, url: str) -> None:
    """`graph.sqlite.check()` in a route, and `/api/health`, answer 503 without the path."""
    response = client.get(url)
    text = response.get_data(as_text=True)
    assert response.status_code == 503, text
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} in {text}"
    assert "data set 'notes': its file is missing or cannot be read" in text


def test_the_log_keeps_what_the_client_is_not_told(
    client: Any, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """For a 500, microcosm-flask's audit log has the error's developer face: path and origin."""
    with caplog.at_level(logging.WARNING, logger="audit"):
        answer(client.get("/api/note/1"), 500)
    [record] = [record for record in caplog.records if record.name == "audit"]
    logged = logging.Formatter().format(record)
    assert str(data_dir / "notes.sqlite") in logged
    assert "(path from config sqlite.paths)" in logged
