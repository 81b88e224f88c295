"""
Reading a local data set loads none of the download machinery: `microcosm_sqlite.remote`,
fsspec, aiohttp and filelock are imported only when a data set's path is a URL, and fsspec only
when a download actually runs. Each case runs in a fresh interpreter, whose `sys.modules` shows
what reading imported.

"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fixtures.artifact_server import AIRPORTS, AIRPORTS_BYTES, SHA256
from fixtures.tools import subprocess_env

# Open the airports data set at sys.argv[1] through a graph, read it, and print which of the
# download modules are loaded.
READ = """
import json, sys
from microcosm.api import create_object_graph, load_from_dict
from microcosm_sqlite_airports import AirportStore

path, cache_dir = sys.argv[1:]
config = dict(paths=dict(airports=path), cache_dir=cache_dir)
graph = create_object_graph("imports", loader=load_from_dict(sqlite=config))
# a graph loads every installed factory (microcosm-flask's imports pkg_resources on Python 3.12
# and newer, and with it platformdirs): of other packages, what counts is what reading loaded
graphs_own = set(sys.modules)
store = AirportStore(graph)
assert store.by_iata("CDG").country.name == "France" and store.count() > 0
watched = ["microcosm_sqlite.remote", "fsspec", "aiohttp", "filelock", "platformdirs"]
print(json.dumps({
    name: name in sys.modules and (name.startswith("microcosm_sqlite") or name not in graphs_own)
    for name in watched
}))
"""


def loaded_by_reading(path: str, cache_dir: Path) -> dict[str, bool]:
    """Which download modules a fresh interpreter loaded to read the data set at `path`."""
    result = subprocess.run(
        [sys.executable, "-c", READ, path, str(cache_dir)],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    loaded: dict[str, bool] = json.loads(result.stdout)
    return loaded


def test_reading_a_local_file_loads_no_download_code(cache_dir: Path) -> None:
    """A local path: no remote package, no fsspec, aiohttp, filelock or platformdirs."""
    assert loaded_by_reading(str(AIRPORTS), cache_dir) == {
        "microcosm_sqlite.remote": False,
        "fsspec": False,
        "aiohttp": False,
        "filelock": False,
        "platformdirs": False,
    }


def test_a_url_loads_the_download_code_and_a_cached_one_no_fsspec(
    tmp_path: Path, cache_dir: Path
) -> None:
    """A pinned URL loads `remote`; fsspec and filelock only while a download runs."""
    published = tmp_path / "published.sqlite"
    published.write_bytes(AIRPORTS_BYTES)
    url = f"file://{published}#sha256={SHA256}"

    downloading = loaded_by_reading(url, cache_dir)
    cached = loaded_by_reading(url, cache_dir)

    assert downloading == {
        "microcosm_sqlite.remote": True,
        "fsspec": True,
        "aiohttp": False,
        "filelock": True,
        # sqlite.cache_dir is set: the default cache directory is never asked for
        "platformdirs": False,
    }
    assert cached == {
        "microcosm_sqlite.remote": True,
        "fsspec": False,
        "aiohttp": False,
        "filelock": False,
        "platformdirs": False,
    }
