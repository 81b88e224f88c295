"""
The mkdocs hook that adds the generated reference pages to the site (see reference.py).

The API section's navigation is filled in here too, one page per public module, so a module
that becomes public appears in the menu with no edit to mkdocs.yml.

"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import reference
from mkdocs.structure.files import File, Files

# the entry in mkdocs.yml's nav that the API pages replace
API_INDEX = f"{reference.API}/index.md"
# pages another change brings: listed in the nav, left out of it until the file exists
OPTIONAL = {"start-a-data-set.md"}


def on_config(config: Any) -> Any:
    """Expand the nav's API index entry into the index and one page per public module."""
    docs = Path(config["docs_dir"])
    missing = {page for page in OPTIONAL if not (docs / page).is_file()}
    config["nav"] = expand(config["nav"], missing)
    return config


def expand(nav: Any, missing: set[str]) -> Any:
    """The nav with the API index entry's value replaced by the API section."""
    if isinstance(nav, list):
        return [expand(item, missing) for item in nav if not _is_missing(item, missing)]
    if isinstance(nav, dict):
        return {
            title: reference.api_nav() if value == API_INDEX else expand(value, missing)
            for title, value in nav.items()
        }
    return nav


# an opening fence whose info string carries more than a language: the test suite's words
FENCE_INFO = re.compile(
    r"^(?P<indent>[ ]*)(?P<fence>```+)(?P<language>[\w#.+-]*)[ ]+(?P<rest>\S.*)$", re.MULTILINE
)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """
    Fences as the test suite reads them (`python file=PATH`, `console run`) become fences the
    Markdown renderer takes: the language alone, and a file's path as the block's title.

    """
    return FENCE_INFO.sub(fence, markdown)


def fence(match: re.Match[str]) -> str:
    """One opening fence, rewritten."""
    words = match["rest"].split()
    path = next((word.partition("=")[2] for word in words if word.startswith("file=")), None)
    title = f' title="{path}"' if path else ""
    return f"{match['indent']}{match['fence']}{match['language']}{title}"


def _is_missing(item: Any, missing: set[str]) -> bool:
    values = item.values() if isinstance(item, dict) else [item]
    return any(isinstance(value, str) and value in missing for value in values)


def on_files(files: Files, config: Any) -> Files:
    """Every generated page, added to the site's files."""
    for path, content in reference.reference_pages().items():
        files.append(File.generated(config, path, content=content))
    return files
