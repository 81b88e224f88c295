"""
The mkdocs hook that adds the generated reference pages to the site (see reference.py).

The API section's navigation is filled in here too, one page per public module, so a module
that becomes public appears in the menu with no edit to mkdocs.yml.

"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import reference  # noqa: E402

from mkdocs.structure.files import File, Files  # noqa: E402

# the entry in mkdocs.yml's nav that the API pages replace
API_INDEX = f"{reference.API}/index.md"


def on_config(config: Any) -> Any:
    """Expand the nav's API index entry into the index and one page per public module."""
    config["nav"] = expand(config["nav"])
    return config


def expand(nav: Any) -> Any:
    """The nav with the API index entry's value replaced by the API section."""
    if isinstance(nav, list):
        return [expand(item) for item in nav]
    if isinstance(nav, dict):
        return {
            title: reference.api_nav() if value == API_INDEX else expand(value)
            for title, value in nav.items()
        }
    return nav


def on_files(files: Files, config: Any) -> Files:
    """Every generated page, added to the site's files."""
    for path, content in reference.reference_pages().items():
        files.append(File.generated(config, path, content=content))
    return files
