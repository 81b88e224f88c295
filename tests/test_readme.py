"""
The README, as a user meets it: short, its example runs as shown in a fresh folder (written,
run and checked by the same runner as every page in docs/), and its links lead somewhere.

"""

from __future__ import annotations

import re
from pathlib import Path

from fixtures.docs import ROOT, blocks_of, run_page

README = ROOT / "README.md"
LINK = re.compile(r"\]\((?P<target>[^)#\s]+)(?:#[^)]*)?\)")


def test_readme_is_at_most_6_kb() -> None:
    """The README says what, for whom, how to install and where to read on: no more."""
    assert len(README.read_bytes()) <= 6 * 1024


def test_readme_has_a_runnable_example() -> None:
    """The README carries files, a command and code to run, so the test below cannot pass empty."""
    blocks = blocks_of(README)
    assert any("file" in block.options for block in blocks)
    assert any(block.runs and block.language == "console" for block in blocks)
    assert any(block.runs and block.language == "python" for block in blocks)


def test_readme_example_runs(tmp_path: Path) -> None:
    """Every step of the example succeeds in a fresh folder, including the code's assertions."""
    folder = tmp_path / "reader"
    folder.mkdir()
    run_page(README, folder)
    assert (folder / "reference.sqlite").is_file()


def test_readme_links_lead_to_files() -> None:
    """Each relative link names a file or folder of the repository."""
    targets = [
        match["target"]
        for match in LINK.finditer(README.read_text(encoding="utf-8"))
        if "://" not in match["target"]
    ]
    assert targets
    assert [target for target in targets if not (ROOT / target).exists()] == []
