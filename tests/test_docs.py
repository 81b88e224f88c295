"""
The documentation site: every code example in docs/ runs as its page shows it, and the generated
reference shows every command, option, argument, configuration key and public name there is.

The reference is checked against the live click tree, the components' `@defaults` and the
package's modules, walked here independently of the generator (docs/_gen/reference.py).

"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from importlib.metadata import distribution
from pathlib import Path
from types import ModuleType
from typing import Any

import click
import pytest
from fixtures.docs import DOCS, ROOT, blocks_of, run_page

PAGES = sorted(path for path in DOCS.rglob("*.md") if "_gen" not in path.parts)
# How the pages install microcosm-sqlite 3.x; the recipe tests install this checkout in its place.
GIT_URL = "git+https://github.com/globality-corp/microcosm-sqlite@v3.0.0"


def load_generator() -> ModuleType:
    name = "docs_reference_generator"
    spec = importlib.util.spec_from_file_location(name, DOCS / "_gen" / "reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # registered first, as an import would: its dataclasses look their module up
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    return load_generator()


@pytest.fixture(scope="module")
def pages(reference: ModuleType) -> dict[str, str]:
    generated: dict[str, str] = reference.reference_pages()
    return generated


def runnable(path: Path) -> bool:
    return any(block.runs for block in blocks_of(path))


def installs(path: Path) -> bool:
    """Whether a page installs microcosm-sqlite from its git URL into a fresh environment."""
    return any(block.runs and GIT_URL in block.body for block in blocks_of(path))


# the pages that install into fresh virtual environments, a minute each: `make test-docs-recipe`
RECIPES = [path.relative_to(DOCS).as_posix() for path in PAGES if installs(path)]


# Pages whose examples a test of their own follows (with data it prepares), instead of the
# runner's tags: page -> that test. Converting a page to the tags removes it from here.
TESTED_ELSEWHERE = {"start-a-data-set.md": "tests/tools/test_start_a_data_set.py"}


def test_every_code_block_in_docs_is_tested() -> None:
    """Each code block of every page is written as a file or run: none is only for show."""
    untested = [
        str(block)
        for path in PAGES
        if path.relative_to(DOCS).as_posix() not in TESTED_ELSEWHERE
        for block in blocks_of(path)
        if block.is_code and not block.tested
    ]
    assert untested == []


@pytest.mark.parametrize("page", sorted(TESTED_ELSEWHERE))
def test_a_page_tested_elsewhere_has_its_test(page: str) -> None:
    """The exemption above holds only while the test that follows the page exists."""
    if not (DOCS / page).is_file():
        pytest.skip(f"{page} is not in this tree")
    assert (ROOT / TESTED_ELSEWHERE[page]).is_file()


@pytest.mark.parametrize(
    "page",
    [
        path.relative_to(DOCS).as_posix()
        for path in PAGES
        if runnable(path) and path.relative_to(DOCS).as_posix() not in RECIPES
    ],
)
def test_page_runs_as_shown(page: str, tmp_path: Path) -> None:
    """The page's files, commands and code work in a fresh folder, printing what it shows."""
    folder = tmp_path / "reader"
    folder.mkdir()
    skipped = run_page(DOCS / page, folder)
    if skipped:
        pytest.skip(f"needs a module this Python lacks: {', '.join(skipped)}")


def test_the_install_and_packaging_pages_are_recipes() -> None:
    """Both pages that install from the git URL are run by the recipe test, not skipped."""
    assert {"install.md", "guides/packaging.md"} <= set(RECIPES)


@pytest.mark.docs_recipe
@pytest.mark.parametrize("page", RECIPES)
def test_the_recipe_works_word_for_word(page: str, tmp_path: Path) -> None:
    """
    The page, followed in fresh virtual environments: this checkout stands in for the git URL
    the page installs microcosm-sqlite from; everything else comes from the package index.

    """
    folder = tmp_path / "reader"
    folder.mkdir()
    run_page(DOCS / page, folder, {GIT_URL: f"file://{ROOT}"})


def commands() -> list[tuple[str, click.Command, click.Context]]:
    """Every command of the console script's tree, with its context, walked here afresh."""
    [script] = [
        entry
        for entry in distribution("microcosm-sqlite").entry_points
        if entry.group == "console_scripts"
    ]
    module = importlib.import_module(script.module)
    groups = [value for value in vars(module).values() if isinstance(value, click.Group)]
    nested = {id(sub) for group in groups for sub in group.commands.values()}
    [root] = [group for group in groups if id(group) not in nested]
    found = []

    def walk(command: click.Command, path: str, parent: click.Context | None) -> None:
        context = click.Context(
            command, info_name=path.split()[-1], parent=parent, **command.context_settings
        )
        found.append((path, command, context))
        for name, sub in getattr(command, "commands", {}).items():
            if not sub.hidden:
                walk(sub, f"{path} {name}", context)

    walk(root, "microcosm-sqlite", None)
    return found


def section(page: str, heading: str) -> str:
    """The text under a heading, up to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(heading)}\n(.*?)(?=^#{{1,{6}}} |\Z)", page, re.M | re.S)
    assert match, heading
    return match[2]


def test_the_cli_reference_shows_every_command_option_and_argument(
    pages: dict[str, str],
) -> None:
    """Each command has a section holding every argument, every option spelling and its help."""
    page = pages["reference/cli.md"]
    for path, command, context in commands():
        text = section(page, f"`{path}`")
        for param in command.get_params(context):
            if getattr(param, "hidden", False):
                continue
            if isinstance(param, click.Argument):
                assert (param.metavar or (param.name or "").upper()) in text, (path, param.name)
            else:
                for name in [*param.opts, *param.secondary_opts]:
                    assert f"`{name}`" in text, (path, name)
        assert "**Exit status**" in text, path


def test_the_cli_reference_lists_the_commands_the_help_lists(pages: dict[str, str]) -> None:
    """`microcosm-sqlite --help` and the reference name the same commands."""
    result = subprocess.run(
        [sys.executable, "-m", "microcosm_sqlite", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    listed = re.findall(r"^  (\w[\w-]*)  ", result.stdout.partition("Commands:")[2], re.M)
    assert listed
    headings = re.findall(r"^#+ `microcosm-sqlite (\S+)`$", pages["reference/cli.md"], re.M)
    assert sorted(headings) == sorted(listed)


def flattened(defaults: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted keys of a `@defaults` mapping; a dict that declares keys is walked into."""
    keys = []
    for key, value in defaults.items():
        if isinstance(value, dict) and value:
            keys += flattened(value, f"{prefix}{key}.")
        else:
            keys.append(f"{prefix}{key}")
    return keys


def configuration_keys() -> list[tuple[str, str]]:
    """(component, dotted key) for every `@defaults` key of every registered component."""
    from microcosm.registry import get_defaults

    return [
        (entry.name, key)
        for entry in distribution("microcosm-sqlite").entry_points
        if entry.group == "microcosm.factories"
        for key in flattened(get_defaults(entry.load()))
    ]


def test_the_configuration_reference_shows_every_key(pages: dict[str, str]) -> None:
    """Every key of every component, with its environment variable and a description."""
    page = pages["reference/configuration.md"]
    keys = configuration_keys()
    assert ("sqlite", "read_only") in keys
    for component, key in keys:
        assert f"## `{component}`" in page, component
        [row] = [line for line in page.splitlines() if line.startswith(f"| `{component}.{key}` |")]
        variable = "__".join(["APP", component.upper(), *key.upper().split(".")])
        assert f"`{variable}" in row, row
        description = row.rstrip(" |").rpartition("|")[2].strip()
        assert description, f"{component}.{key} has no comment above it in @defaults"


def test_every_registered_component_has_a_section(pages: dict[str, str]) -> None:
    """Components with no configuration are listed too, saying so."""
    page = pages["reference/configuration.md"]
    for entry in distribution("microcosm-sqlite").entry_points:
        if entry.group == "microcosm.factories":
            assert f"## `{entry.name}`" in page


def public_modules() -> dict[str, list[str]]:
    """Every module with no `_` part in its name that declares `__all__`, imported."""
    package = importlib.import_module("microcosm_sqlite")
    root = Path(package.__file__ or "").parent
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if any(part.startswith("_") for part in parts):
            continue
        if re.search(r"^__all__\b", path.read_text(encoding="utf-8"), re.M):
            module = importlib.import_module(".".join(parts))
            found[module.__name__] = list(module.__all__)
    return found


def test_the_api_reference_documents_every_public_name(pages: dict[str, str]) -> None:
    """Each public module has a page naming every name of its `__all__`."""
    modules = public_modules()
    assert {"microcosm_sqlite", "microcosm_sqlite.stores", "microcosm_sqlite.errors"} <= set(
        modules
    )
    index = pages["reference/api/index.md"]
    for module, names in modules.items():
        page = pages[f"reference/api/{module}.md"]
        assert f"({module}.md)" in index, module
        for name in names:
            assert f'"{name}"' in page or f"[`{name}`]" in page, (module, name)


def test_the_error_reference_gives_each_error_its_status(pages: dict[str, str]) -> None:
    """Every exported error appears in the tree with its HTTP status."""
    from microcosm_sqlite import errors

    page = pages["reference/errors.md"]
    for name in errors.__all__:
        status = getattr(errors, name).status_code
        assert f"[`{name}`][microcosm_sqlite.errors.{name}] **{status}**" in page, name


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None, reason="the docs extra is not installed"
)
def test_the_site_builds_with_no_warning(tmp_path: Path) -> None:
    """`mkdocs build --strict` passes, and the built CLI page has a section per command."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    cli = (tmp_path / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    for path, _, _ in commands():
        assert f'id="{re.sub(r"[^a-z0-9-]+", "-", path.lower())}"' in cli, path


def test_a_page_whose_output_differs_fails(tmp_path: Path) -> None:
    """The runner compares what a command prints with what the page shows, `...` aside."""
    page = tmp_path / "page.md"
    page.write_text("```console run\n$ echo one two three\none ... three\n```\n")
    folder = tmp_path / "reader"
    folder.mkdir()
    run_page(page, folder)
    page.write_text("```console run\n$ echo one two three\none four\n```\n")
    with pytest.raises(AssertionError, match="printed:\none two three"):
        run_page(page, folder)


def test_a_failing_command_fails_its_page(tmp_path: Path) -> None:
    """A command that exits non-zero fails the page, naming the command and its status."""
    page = tmp_path / "page.md"
    page.write_text("```console run\n$ false\n$ echo never\n```\n")
    folder = tmp_path / "reader"
    folder.mkdir()
    with pytest.raises(AssertionError, match=r"\$ false\nexit status 1"):
        run_page(page, folder)
