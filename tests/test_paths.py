"""
Data set name -> path: `sqlite.paths` config, then `microcosm.sqlite` entry points, then the
writable default; where each path came from, and how that is reported.

Entry points are real: each test that needs one writes a tiny installed distribution (a
`*.dist-info` folder and a module) into its own folder and puts that folder on `sys.path`.

"""

from __future__ import annotations

import hashlib
import importlib
import logging
import sys
import textwrap
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.runtime import (
    CITY_COUNT,
    Base,
    CityStore,
    CountryStore,
    Note,
    NotesBase,
    NoteStore,
    sample_rows,
)
from sqlalchemy.orm import Mapped, mapped_column

from microcosm_sqlite import DataSet, Store
from microcosm_sqlite.errors import DataSetNotConfiguredError
from microcosm_sqlite.paths import (
    ENTRY_POINT_GROUP,
    DownloadSettings,
    ResolvedPath,
    dataset_name_for_url,
    find_entry_point,
)

Installer = Callable[..., str]


@pytest.fixture
def install(tmp_path: Path) -> Iterator[Installer]:
    """Installs a distribution whose `microcosm.sqlite` entry points run the given function body."""
    site = tmp_path / "site-packages"
    site.mkdir()
    modules: list[str] = []

    def install_distribution(
        names: list[str], body: str, files: dict[str, bytes] | None = None
    ) -> str:
        module = f"shipped_{uuid.uuid4().hex}"
        package = site / module
        package.mkdir()
        (package / "__init__.py").write_text(
            "from importlib.resources import files\n"
            "from pathlib import Path\n\n\n"
            f"def locate(graph):\n{textwrap.indent(textwrap.dedent(body), '    ')}\n"
        )
        for name, content in (files or {}).items():
            (package / name).write_bytes(content)
        dist_info = site / f"{module}-1.0.dist-info"
        dist_info.mkdir()
        (dist_info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n"
        )
        (dist_info / "entry_points.txt").write_text(
            f"[{ENTRY_POINT_GROUP}]\n" + "".join(f"{name} = {module}:locate\n" for name in names)
        )
        modules.append(module)
        if str(site) not in sys.path:
            sys.path.insert(0, str(site))
        importlib.invalidate_caches()
        return module

    yield install_distribution
    if str(site) in sys.path:
        sys.path.remove(str(site))
    for module in modules:
        sys.modules.pop(module, None)
    importlib.invalidate_caches()


def test_config_path_is_used_and_reported(graph: Any, artifact: Path) -> None:
    """A name in sqlite.paths resolves to that path, and its origin says so."""
    assert graph.sqlite["runtime"] == str(artifact)
    assert graph.sqlite.origin("runtime") == "config sqlite.paths"
    assert CityStore(graph).count() == CITY_COUNT


def test_config_accepts_path_objects(make_graph: Any, artifact: Path) -> None:
    """A pathlib.Path in config works as well as a string."""
    graph = make_graph({"runtime": artifact})
    assert graph.sqlite["runtime"] == str(artifact)
    assert CityStore(graph).get(1).name == "city-001"


def test_relative_config_path_is_relative_to_the_working_directory(
    make_graph: Any, artifact: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative path reads the file relative to the current directory."""
    monkeypatch.chdir(artifact.parent)
    graph = make_graph({"runtime": artifact.name})
    assert graph.sqlite["runtime"] == artifact.name
    assert CityStore(graph).get(2).name == "city-002"


def test_entry_point_locates_a_data_set(
    install: Installer, make_graph: Any, artifact: Path
) -> None:
    """A `microcosm.sqlite` entry point gives the path when config has none, and is named."""
    module = install(["runtime"], f"return {str(artifact)!r}")
    assert find_entry_point("runtime") is not None
    graph = make_graph()
    assert graph.sqlite["runtime"] == str(artifact)
    assert graph.sqlite.origin("runtime") == (
        f"entry point microcosm.sqlite:runtime = {module}:locate"
    )
    assert CityStore(graph).get(3).country.name == "Japan"


def test_entry_point_gets_the_graph_and_may_return_a_path_object(
    install: Installer, make_graph: Any, artifact: Path
) -> None:
    """The entry point function receives the graph and may return an os.PathLike."""
    install(
        ["runtime"],
        f"""
        assert graph.config.sqlite.read_only is True
        return Path({str(artifact)!r})
    """,
    )
    assert CountryStore(make_graph()).get("FR").name == "France"


def test_entry_point_ships_the_artifact_inside_its_package(
    install: Installer, make_graph: Any, artifact: Path
) -> None:
    """A package can ship its artifact as a resource and locate it with importlib.resources."""
    install(
        ["runtime"],
        "return files(__name__) / 'runtime.sqlite'",
        files={"runtime.sqlite": artifact.read_bytes()},
    )
    graph = make_graph()
    assert graph.sqlite["runtime"].endswith("runtime.sqlite")
    assert graph.sqlite["runtime"] != str(artifact)
    assert CityStore(graph).count() == CITY_COUNT


def test_entry_point_extracts_an_artifact_from_a_zipped_package(
    tmp_path: Path, make_graph: Any, artifact: Path
) -> None:
    """An artifact inside a zip-installed package is extracted to a real file and read."""
    module = f"zipped_{uuid.uuid4().hex}"
    archive = tmp_path / "shipped.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(
            f"{module}/__init__.py",
            "from importlib.resources import files\n\n\n"
            "def locate(graph):\n    return files(__name__) / 'runtime.sqlite'\n",
        )
        bundle.writestr(f"{module}/runtime.sqlite", artifact.read_bytes())
        bundle.writestr(
            f"{module}-1.0.dist-info/METADATA",
            f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n",
        )
        bundle.writestr(
            f"{module}-1.0.dist-info/entry_points.txt",
            f"[{ENTRY_POINT_GROUP}]\nruntime = {module}:locate\n",
        )
    sys.path.insert(0, str(archive))
    importlib.invalidate_caches()
    try:
        graph = make_graph()
        extracted = Path(graph.sqlite["runtime"])
        assert extracted.is_file()
        assert not str(extracted).startswith(str(archive))
        assert CityStore(graph).count() == CITY_COUNT
    finally:
        sys.path.remove(str(archive))
        sys.modules.pop(module, None)
        importlib.invalidate_caches()


def test_config_wins_over_an_entry_point(
    install: Installer, make_graph: Any, build: Any, data_dir: Path, artifact: Path
) -> None:
    """When both name a path, config's is read."""
    other = build(data_dir / "other.sqlite", rows=sample_rows(" (other)"))
    install(["runtime"], f"return {str(other)!r}")
    graph = make_graph({"runtime": str(artifact)})
    assert graph.sqlite.origin("runtime") == "config sqlite.paths"
    assert CountryStore(graph).get("FR").name == "France"
    assert CountryStore(make_graph()).get("FR").name == "France (other)"


def test_read_only_name_with_no_path_is_an_error_at_first_use(make_graph: Any) -> None:
    """A read-only name nobody configured fails when first used, saying how to configure it."""
    graph = make_graph()
    with pytest.raises(DataSetNotConfiguredError) as caught:
        NoteStore(graph).count()
    assert caught.value.dataset == "notes"
    assert "sqlite.paths.notes" in str(caught.value)
    assert "microcosm.sqlite" in str(caught.value)
    with pytest.raises(DataSetNotConfiguredError):
        graph.sqlite["notes"]


def test_writable_name_with_no_path_falls_back_to_memory(make_graph: Any) -> None:
    """Writable graphs fall back to sqlite.path, ":memory:" by default."""
    graph = make_graph(read_only=False)
    assert graph.sqlite.resolve("notes").path == ":memory:"
    assert graph.sqlite.origin("notes") == "default sqlite.path"


def test_writable_name_with_no_path_falls_back_to_the_configured_default(
    make_graph: Any, tmp_path: Path
) -> None:
    """A writable graph's sqlite.path is the file for every unconfigured name."""
    path = tmp_path / "default.sqlite"
    graph = make_graph(read_only=False, path=str(path))
    NotesBase.create_all(graph)
    NoteStore(graph).create(Note(id=1, text="kept"))
    NotesBase.dispose(graph)
    assert graph.sqlite["notes"] == str(path)
    assert NoteStore(make_graph({"notes": str(path)})).get(1).text == "kept"


def test_read_only_graph_ignores_the_default_path(make_graph: Any, artifact: Path) -> None:
    """sqlite.path never stands in for a missing name when the graph is read-only."""
    graph = make_graph(path=str(artifact))
    with pytest.raises(DataSetNotConfiguredError):
        graph.sqlite["runtime"]


def test_resolution_is_logged_with_its_origin(
    graph: Any, artifact: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The first use of a name logs its path, origin and mode, once per graph."""
    caplog.set_level(logging.INFO, logger="SQLiteBindFactory")
    CityStore(graph).get(1)
    CityStore(graph).get(2)
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        f"data set 'runtime' resolved to {artifact} (from config sqlite.paths, read-only)"
    ]


@pytest.mark.parametrize("name", ["keys", "values", "get", "copy", "update", "pop"])
def test_data_set_named_like_a_dict_method_works_from_config(
    make_graph: Any, build: Any, data_dir: Path, name: str
) -> None:
    """A data set named like a dict method resolves from config and reads its own file."""
    base = DataSet.create(name)

    class Entry(base):  # type: ignore[misc, valid-type]
        __tablename__ = "entry"
        id: Mapped[int] = mapped_column(primary_key=True)
        text: Mapped[str]

    class EntryStore(Store[Entry]):
        model_class = Entry

    path = build(data_dir / f"{name}.sqlite", rows=[Entry(id=1, text=name)], base=base, name=name)
    graph = make_graph({"other": "/elsewhere.sqlite", name: str(path)})
    assert graph.sqlite[name] == str(path)
    assert graph.sqlite["other"] == "/elsewhere.sqlite"
    assert graph.sqlite.origin(name) == "config sqlite.paths"
    assert EntryStore(graph).get(1).text == name


def test_data_set_named_items_works_from_an_entry_point(
    install: Installer, make_graph: Any, artifact: Path
) -> None:
    """`items`, which microcosm's config cannot hold as a key, resolves by entry point."""
    install(["items", "get"], f"return {str(artifact)!r}")
    graph = make_graph({"runtime": str(artifact)})
    assert graph.sqlite["items"] == str(artifact)
    assert graph.sqlite["get"] == str(artifact)
    assert graph.sqlite.origin("items").startswith("entry point microcosm.sqlite:items")


@pytest.mark.xfail(
    strict=True,
    raises=TypeError,
    reason=(
        "microcosm's Configuration stores keys as attributes, so a key `items` (or `get` "
        "before other keys) shadows the dict method its merge calls: graph creation fails "
        "inside microcosm before microcosm-sqlite runs"
    ),
)
@pytest.mark.parametrize("paths", [{"items": "/a.sqlite"}, {"get": "/a.sqlite", "z": "/b"}])
def test_config_cannot_hold_items_or_get_before_other_keys(
    make_graph: Any, paths: dict[str, str]
) -> None:
    """Documents the microcosm limitation; passes (and so fails strictly) once it is fixed."""
    graph = make_graph(paths)
    assert graph.sqlite[next(iter(paths))] == "/a.sqlite"


def test_two_bases_with_one_name_share_the_graphs_path(make_graph: Any, artifact: Path) -> None:
    """The path belongs to the name in the graph, so another base for the name reads it too."""
    graph = make_graph({"runtime": str(artifact)})
    other_base = DataSet.create("runtime")
    assert other_base.engine_for(graph) is Base.engine_for(graph)


def test_a_name_two_distributions_register_is_an_error_naming_both(
    install: Installer, make_graph: Any, artifact: Path
) -> None:
    """Two installed distributions registering one name fail at first use, naming both."""
    first = install(["runtime"], f"return {str(artifact)!r}")
    second = install(["runtime"], f"return {str(artifact)!r}")
    graph = make_graph()
    with pytest.raises(DataSetNotConfiguredError) as caught:
        CityStore(graph).count()
    assert caught.value.dataset == "runtime"
    assert first in str(caught.value) and second in str(caught.value)
    assert "sqlite.paths.runtime" in str(caught.value)


def test_config_settles_a_name_two_distributions_register(
    install: Installer, make_graph: Any, artifact: Path
) -> None:
    """`sqlite.paths` chooses the file when two distributions register the same name."""
    install(["runtime"], "raise AssertionError('not called')")
    install(["runtime"], "raise AssertionError('not called')")
    graph = make_graph({"runtime": str(artifact)})
    assert CityStore(graph).count() == CITY_COUNT
    assert graph.sqlite.origin("runtime") == "config sqlite.paths"


def test_entry_point_may_return_a_pinned_url(
    install: Installer, make_graph: Any, artifact: Path, tmp_path: Path
) -> None:
    """A package may register a URL#sha256= for a data set too large to ship: it is fetched."""
    published = tmp_path / "published.sqlite"
    published.write_bytes(artifact.read_bytes())
    digest = hashlib.sha256(artifact.read_bytes()).hexdigest()
    url = f"file://{published}#sha256={digest}"
    module = install(["runtime"], f"return {url!r}")
    graph = make_graph(cache_dir=str(tmp_path / "cache"))

    cached = tmp_path / "cache" / "sha256" / f"{digest}.sqlite"
    assert graph.sqlite["runtime"] == str(cached)
    assert graph.sqlite.origin("runtime") == (
        f"url {url} (from entry point microcosm.sqlite:runtime = {module}:locate),"
        f" cached at {cached}"
    )
    assert CityStore(graph).get(3).country.name == "Japan"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://host/data/cities.sqlite#sha256=00", "cities"),
        ("https://user:pw@host/cities.sqlite?X-Amz-Signature=a.b.c#sha256=00", "cities"),
        ("s3://bucket/2026/cities.v2.sqlite", "cities.v2"),
        ("https://host/", "url"),
        ("https://host", "url"),
    ],
)
def test_a_url_given_alone_is_named_by_its_file(url: str, name: str) -> None:
    """`fetch URL` names the data set by the URL's file: never its host, query or fragment."""
    assert dataset_name_for_url(url) == name


def test_fetch_url_downloads_a_pinned_url_named_by_its_file(
    make_graph: Any, artifact: Path, tmp_path: Path
) -> None:
    """A URL without a data set name (the CLI's `fetch URL`) is fetched, its origin given."""
    digest = hashlib.sha256(artifact.read_bytes()).hexdigest()
    url = f"file://{artifact}#sha256={digest}"
    graph = make_graph(cache_dir=str(tmp_path / "cache"))

    resolved = graph.sqlite.resolver.fetch_url(url, "the command line")

    cached = tmp_path / "cache" / "sha256" / f"{digest}.sqlite"
    assert (resolved.dataset, resolved.path) == (artifact.stem, str(cached))
    assert resolved.origin == f"url {url} (from the command line), cached at {cached}"
    assert resolved.shipped and resolved.url == url


def test_fetch_returns_a_local_path_as_it_is(make_graph: Any, artifact: Path) -> None:
    """Only URLs are downloaded: a located file is returned unchanged, with no cache made."""
    graph = make_graph({"runtime": str(artifact)})
    located = graph.sqlite.resolver.locate("runtime")

    assert graph.sqlite.resolver.fetch(located) is located
    assert graph.sqlite.fetch("runtime") == located
    assert graph.sqlite.resolver._cache is None


def test_download_settings_expand_the_users_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`sqlite.cache_dir` may start with ~; empty is the platform's cache directory."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))

    configured = DownloadSettings(cache_dir="~/downloads", timeout_seconds=5, attempts=2).cache()
    default = DownloadSettings().cache()

    assert (configured.directory, configured.timeout_seconds, configured.attempts) == (
        tmp_path / "downloads",
        5,
        2,
    )
    assert default.directory == tmp_path / "xdg" / "microcosm-sqlite"


def test_a_located_url_is_shown_redacted() -> None:
    """A path that is a URL is redacted in the error context and the repr."""
    located = ResolvedPath("x", "https://u:pw@h/x.sqlite?sig=abcd#sha256=00", "config")

    assert located.shown_path == "https://***@h/x.sqlite?sig=***#sha256=00"
    assert located.context() == {"dataset": "x", "path": located.shown_path, "origin": "config"}
    assert "pw" not in repr(located) and "abcd" not in repr(located)
