"""
The site's reference pages, generated from the code each time the site builds.

Nothing here is hand-kept: the command line comes from the click command tree the console
script runs, the configuration from the `@defaults` of every `microcosm.factories` entry point
this distribution registers (the description of a key is the comment above it in the source),
the Python API from the `__all__` of every public module (found by walking the package; a module
or package whose name starts with `_` is private), and the error tree from the error classes.

`reference_pages()` is what the mkdocs hook adds to the site; the tests read the same pages.

"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import distribution
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import click

DISTRIBUTION = "microcosm-sqlite"
PACKAGE = "microcosm_sqlite"
# the placeholder for the service's graph name in environment variable names
APP = "APP"
# where the generated pages go, under docs/
REFERENCE = "reference"
API = f"{REFERENCE}/api"


# --- Markdown helpers ---------------------------------------------------------------------------

CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
# what Markdown would read as markup in plain text
MARKUP = re.compile(r"([\\*_\[\]#|])")


def escape(text: str) -> str:
    """Plain text as Markdown shows it literally; `code spans` are kept as they are."""
    parts = []
    position = 0
    for match in CODE_SPAN.finditer(text):
        parts.append(escape_plain(text[position : match.start()]))
        parts.append(match[0])
        position = match.end()
    parts.append(escape_plain(text[position:]))
    return "".join(parts)


def escape_plain(text: str) -> str:
    """Text with no code spans, escaped."""
    text = MARKUP.sub(r"\\\1", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def code(text: str) -> str:
    """An inline code span that holds any text, backticks included."""
    fence = "``" if "`" in text else "`"
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def cell(text: str) -> str:
    """Text for a table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def paragraphs(text: str) -> list[str]:
    """A docstring's paragraphs, each on one line (click's `\\b` markers dropped)."""
    text = inspect.cleandoc(text)
    blocks = re.split(r"\n\s*\n", text)
    return [" ".join(block.replace("\b", "").split()) for block in blocks if block.strip()]


# --- The command line ---------------------------------------------------------------------------


def root_command() -> click.Group:
    """The click group the distribution's console script runs."""
    [script] = [
        entry
        for entry in distribution(DISTRIBUTION).entry_points
        if entry.group == "console_scripts"
    ]
    module = importlib.import_module(script.module)
    groups = [value for value in vars(module).values() if isinstance(value, click.Group)]
    if not groups:
        raise LookupError(f"{script.module} holds no click group for {script.name}")
    # the root: the group that no other group lists as a subcommand
    nested = {id(sub) for group in groups for sub in group.commands.values()}
    [root] = [group for group in groups if id(group) not in nested]
    return root


@dataclass(frozen=True)
class Command:
    """One command of the tree, with the context click would give it."""

    path: str
    command: click.Command
    context: click.Context


def walk_commands(program: str = DISTRIBUTION) -> Iterator[Command]:
    """Every command under the root, depth first, in the order `--help` lists them."""
    root = root_command()

    def walk(command: click.Command, path: str, parent: click.Context | None) -> Iterator[Command]:
        context = click.Context(
            command, info_name=path.rpartition(" ")[2], parent=parent, **command.context_settings
        )
        yield Command(path, command, context)
        if isinstance(command, click.Group):
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                if sub is not None and not sub.hidden:
                    yield from walk(sub, f"{path} {name}", context)

    yield from walk(root, program, None)


def visible_params(entry: Command) -> list[click.Parameter]:
    """The arguments and options `--help` shows, the help option included."""
    return [
        param
        for param in entry.command.get_params(entry.context)
        if not getattr(param, "hidden", False)
    ]


def option_names(param: click.Parameter) -> list[str]:
    """Every spelling of an option: `-o`, `--output`, and `--no-x` for a boolean pair."""
    return [*param.opts, *param.secondary_opts]


def describe_type(param: click.Parameter) -> str:
    """What a parameter takes, in words."""
    kind = param.type
    if isinstance(param, click.Option) and param.is_flag and not param.count:
        return "flag"
    if param.metavar and isinstance(param, click.Option):
        named = param.metavar
    elif isinstance(kind, click.Choice):
        return " | ".join(code(str(choice)) for choice in kind.choices)
    elif isinstance(kind, click.Path):
        named = "directory" if not kind.file_okay else "file" if not kind.dir_okay else "path"
    elif isinstance(kind, (click.IntRange, click.FloatRange)):
        bounds = []
        if kind.min is not None:
            bounds.append(f"at least {kind.min}")
        if kind.max is not None:
            bounds.append(f"at most {kind.max}")
        named = f"{'integer' if isinstance(kind, click.IntRange) else 'number'}"
        if bounds:
            named += f" ({', '.join(bounds)})"
    else:
        named = kind.name
    if getattr(param, "multiple", False) or param.nargs == -1:
        named += ", repeatable"
    return named


def default_of(param: click.Parameter, context: click.Context) -> str:
    """A parameter's default as the reference shows it; empty when there is none to show."""
    if isinstance(param, click.Option) and param.is_flag:
        return ""
    default = param.get_default(context, call=False)
    if default is None or callable(default) or default == ():
        return ""
    return code(str(default))


def exit_statuses(entry: Command, general: list[str]) -> list[str]:
    """The command's own word on exit statuses, from its docstring, else the general rule."""
    own = [text for text in paragraphs(entry.command.help or "") if "exit" in text.lower()]
    return own or general


def general_exit_statuses(root: click.Group) -> list[str]:
    """What the root's docstring, else its module's, says of exit statuses."""
    module = inspect.getmodule(root.callback) if root.callback else None
    for text in (root.help or "", (module.__doc__ if module else "") or ""):
        found = [
            paragraph[paragraph.lower().index("exit status") :]
            for paragraph in paragraphs(text)
            if "exit status" in paragraph.lower()
        ]
        if found:
            return found
    return []


def command_section(entry: Command, general: list[str]) -> str:
    """One command: what it does, its usage, arguments, options and exit statuses."""
    command = entry.command
    depth = entry.path.count(" ")
    lines = [f"{'#' * (2 + depth)} `{entry.path}`", ""]
    usage = " ".join(command.collect_usage_pieces(entry.context))
    lines += ["```text", f"{entry.path} {usage}".rstrip(), "```", ""]
    for text in paragraphs(command.help or ""):
        lines += [escape(text), ""]
    params = visible_params(entry)
    arguments = [param for param in params if isinstance(param, click.Argument)]
    options = [param for param in params if isinstance(param, click.Option)]
    if arguments:
        lines += ["**Arguments**", "", "| argument | takes | required |", "| --- | --- | --- |"]
        for param in arguments:
            name = param.make_metavar(entry.context) if _metavar_takes_context() else None
            shown = param.metavar or name or (param.name or "").upper()
            required = "yes" if param.required else "no"
            lines.append(f"| `{shown}` | {cell(describe_type(param))} | {required} |")
        lines.append("")
    if options:
        lines += ["**Options**", "", "| option | takes | default | description |"]
        lines.append("| --- | --- | --- | --- |")
        for param in options:
            names = ", ".join(code(name) for name in option_names(param))
            help_text = getattr(param, "help", None) or ""
            if param.required:
                help_text = f"Required. {help_text}"
            envvar = param.envvar
            if envvar:
                help_text += f" Environment: {code(str(envvar))}."
            lines.append(
                f"| {names} | {cell(describe_type(param))} | {default_of(param, entry.context)} |"
                f" {cell(escape(help_text))} |"
            )
        lines.append("")
    statuses = exit_statuses(entry, general)
    if statuses:
        lines += ["**Exit status**", ""]
        for text in statuses:
            lines += [escape(text), ""]
    if isinstance(command, click.Group):
        names = command.list_commands(entry.context)
        listed = ", ".join(f"[`{name}`](#{anchor(f'{entry.path} {name}')})" for name in names)
        lines += [f"**Commands:** {listed}", ""]
    return "\n".join(lines)


def _metavar_takes_context() -> bool:
    """click 8.2 gave `make_metavar` a context; 8.1 takes none."""
    return "ctx" in inspect.signature(click.Parameter.make_metavar).parameters


def anchor(path: str) -> str:
    """The id mkdocs gives a heading `` `path` ``."""
    return re.sub(r"[^\w-]+", "-", path.lower()).strip("-")


def cli_page() -> str:
    """The command-line reference: every command, argument, option and exit status."""
    root = root_command()
    general = general_exit_statuses(root)
    entries = list(walk_commands())
    lines = [
        "# Command line",
        "",
        "Generated from the `microcosm-sqlite` command itself each time this site builds: every"
        " command, argument and option below is the one `--help` shows. `python -m"
        " microcosm_sqlite` runs the same command.",
        "",
    ]
    return "\n".join(lines) + "\n" + "\n".join(command_section(e, general) for e in entries)


# --- Configuration ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One configuration key of a component, as its `@defaults` declares it."""

    component: str
    key: str
    default: Any
    kind: str
    description: str
    mapping: bool

    @property
    def environment(self) -> str:
        """The environment variable that sets it in a graph named `APP`."""
        parts = [APP, self.component, *self.key.split(".")]
        name = "__".join(part.upper().replace("-", "_") for part in parts)
        return f"{name}__<NAME>" if self.mapping else name


def factories() -> list[tuple[str, Any]]:
    """Every `microcosm.factories` entry point this distribution registers, loaded, by name."""
    entries = [
        entry
        for entry in distribution(DISTRIBUTION).entry_points
        if entry.group == "microcosm.factories"
    ]
    return sorted((entry.name, entry.load()) for entry in entries)


def declared_defaults(factory: Any) -> dict[str, Any]:
    """The keyword arguments of a factory's `@defaults`, as microcosm reads them."""
    from microcosm.registry import get_defaults

    defaults: dict[str, Any] = get_defaults(factory)
    return defaults


def key_comments(factory: Any) -> dict[str, str]:
    """
    The comment lines right above each keyword of the factory's `@defaults(...)` call, joined,
    by dotted key (nested `dict(...)` keywords too).

    """
    source = textwrap.dedent(inspect.getsource(factory))
    lines = source.splitlines()
    tree = ast.parse(source)
    [definition] = [
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]
    comments: dict[str, str] = {}

    def comment_above(line_number: int) -> str:
        found: list[str] = []
        index = line_number - 2
        while index >= 0 and lines[index].strip().startswith("#"):
            found.insert(0, lines[index].strip().lstrip("#").strip())
            index -= 1
        return " ".join(found)

    def collect(call: ast.Call, prefix: str) -> None:
        for keyword in call.keywords:
            if keyword.arg is None:
                continue
            key = f"{prefix}{keyword.arg}"
            comments[key] = comment_above(keyword.lineno)
            value = keyword.value
            if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "dict":
                collect(value, f"{key}.")

    for decorator in definition.decorator_list:
        if isinstance(decorator, ast.Call) and _called_name(decorator) == "defaults":
            collect(decorator, "")
    return comments


def _called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return getattr(func, "id", "")


def settings() -> list[Setting]:
    """Every configuration key of every component, in source order within a component."""
    found = []
    for component, factory in factories():
        comments = key_comments(factory)
        for key, value in flatten(declared_defaults(factory)):
            default, kind = default_and_kind(value)
            mapping = isinstance(value, dict)
            found.append(Setting(component, key, default, kind, comments.get(key, ""), mapping))
    return found


def flatten(defaults: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted key, value) pairs; a dict that declares keys is walked, an empty one is a key."""
    for key, value in defaults.items():
        if isinstance(value, dict) and value:
            yield from flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


TYPE_NAMES = {
    "boolean": "boolean",
    "int": "integer",
    "float": "number",
    "str": "string",
    "comma_separated_list": "comma-separated list",
}


def default_and_kind(value: Any) -> tuple[Any, str]:
    """A declared default's value and type name; microcosm's `typed(...)` carries both."""
    from microcosm.config.model import Requirement

    if isinstance(value, Requirement):
        name = getattr(value.type, "__name__", str(value.type))
        return value.default_value, TYPE_NAMES.get(name, name)
    if isinstance(value, dict):
        return value, "mapping: name -> value"
    return value, TYPE_NAMES.get(type(value).__name__, type(value).__name__)


def shown_default(value: Any) -> str:
    """A default as config spells it (JSON)."""
    try:
        return code(json.dumps(value))
    except TypeError:
        return code(repr(value))


def configuration_page() -> str:
    """Every component's keys, defaults, types and environment variables."""
    lines = [
        "# Configuration",
        "",
        "Generated from the `@defaults` of every microcosm component this distribution"
        " registers (its `microcosm.factories` entry points) each time this site builds. Each"
        " component reads the config section of its own name.",
        "",
        f"An environment variable sets a key in a graph named `app` as `{APP}__SECTION__KEY`"
        " (the graph's name in capitals, then the section and key, joined by double"
        " underscores). The `microcosm-sqlite` command's own graph is named"
        " `microcosm_sqlite`: there the prefix is `MICROCOSM_SQLITE`.",
        "",
    ]
    by_component: dict[str, list[Setting]] = {}
    for setting in settings():
        by_component.setdefault(setting.component, []).append(setting)
    for component, factory in factories():
        lines += [f"## `{component}`", ""]
        summary = paragraphs(inspect.getdoc(factory) or "")
        if summary:
            lines += [escape(summary[0]), ""]
        own = by_component.get(component, [])
        if not own:
            lines += ["This component takes no configuration.", ""]
            continue
        lines += [
            "| key | default | type | environment variable | description |",
            "| --- | --- | --- | --- | --- |",
        ]
        for setting in own:
            lines.append(
                f"| `{component}.{setting.key}` | {shown_default(setting.default)} |"
                f" {cell(setting.kind)} | `{setting.environment}` |"
                f" {cell(escape(setting.description))} |"
            )
        lines.append("")
    return "\n".join(lines)


# --- The Python API -----------------------------------------------------------------------------


def public_modules() -> list[str]:
    """
    Every public module of the package: no part of its name starts with `_`, and it declares
    `__all__` (read from its source, so nothing is imported).

    """
    spec = find_spec(PACKAGE)
    assert spec is not None and spec.submodule_search_locations
    [root] = [Path(location) for location in spec.submodule_search_locations]
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(part.startswith("_") for part in parts):
            continue
        if declared_all(path) is not None:
            found.append(".".join(parts))
    return sorted(found)


def module_file(module: str) -> Path:
    """The source file of a module, without importing it."""
    spec = find_spec(PACKAGE)
    assert spec is not None and spec.submodule_search_locations
    [root] = [Path(location) for location in spec.submodule_search_locations]
    relative = Path(*module.split(".")[1:])
    package = root / relative / "__init__.py"
    return package if package.is_file() else (root / relative).with_suffix(".py")


def declared_all(path: Path) -> list[str] | None:
    """A module's `__all__`, read from its source; None when it declares none."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id == "__all__" and node.value is not None:
                names = ast.literal_eval(node.value)
                return [str(name) for name in names]
    return None


def module_docstring(module: str) -> str:
    """A module's docstring, read from its source."""
    tree = ast.parse(module_file(module).read_text(encoding="utf-8"))
    return ast.get_docstring(tree) or ""


def exported_from(module: str, name: str) -> str:
    """
    Where a name a module exports is defined: the module it is imported from (followed through
    public re-exports by reading sources), or the module itself.

    """
    tree = ast.parse(module_file(module).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return node.module
    return module


def api_homes() -> dict[str, str]:
    """
    Each exported name's home page, as `module.name`: the public module nearest to where it is
    defined that exports it, so a name re-exported by several modules is documented once.

    """
    modules = public_modules()
    exports = {module: declared_all(module_file(module)) or [] for module in modules}
    homes: dict[str, str] = {}
    for module in modules:
        for name in exports[module]:
            source = exported_from(module, name)
            candidates = [
                other
                for other in modules
                if name in exports[other] and (source + ".").startswith(other + ".")
            ]
            home = max(candidates, key=len) if candidates else module
            homes[f"{module}.{name}"] = f"{home}.{name}"
    return homes


def api_page(module: str, homes: dict[str, str]) -> str:
    """One public module: its docstring, then every name of its `__all__`."""
    names = declared_all(module_file(module)) or []
    own = [name for name in names if homes[f"{module}.{name}"] == f"{module}.{name}"]
    elsewhere = [name for name in names if name not in own]
    lines = [
        f"# `{module}`",
        "",
        f"::: {module}",
        "    options:",
        "      show_root_heading: false",
        "      show_root_toc_entry: false",
        f"      members: {json.dumps(own)}",
        "",
    ]
    if elsewhere:
        lines += ["## Also exported here", "", "Documented where they are defined:", ""]
        for name in elsewhere:
            home = homes[f"{module}.{name}"]
            lines.append(f"- [`{name}`][{home}]: `{home}`")
        lines.append("")
    return "\n".join(lines)


def api_index(modules: list[str]) -> str:
    """The list of public modules, each with its docstring's first line."""
    lines = [
        "# Python API",
        "",
        "Generated from the docstrings each time this site builds: every module below is public"
        " (no part of its name starts with `_`), and its page documents each name of its"
        " `__all__`. What a module does not export is private and may change in any release.",
        "",
        "| module | what it is for |",
        "| --- | --- |",
    ]
    for module in modules:
        first = (paragraphs(module_docstring(module)) or [""])[0]
        lines.append(f"| [`{module}`]({api_file(module, relative=True)}) | {cell(escape(first))} |")
    return "\n".join(lines) + "\n"


def api_file(module: str, relative: bool = False) -> str:
    """Where a module's page goes (relative: from the API index)."""
    return f"{module}.md" if relative else f"{API}/{module}.md"


# --- Errors -------------------------------------------------------------------------------------


def error_classes() -> list[type[BaseException]]:
    """The exported errors, from `microcosm_sqlite.errors`."""
    errors = importlib.import_module(f"{PACKAGE}.errors")
    classes = [getattr(errors, name) for name in errors.__all__]
    # in the order the package's docstring draws its tree
    tree = errors.__doc__ or ""

    def drawn_at(cls: type[BaseException]) -> int:
        found = re.search(rf"\b{cls.__name__}\b", tree)
        if found is None:
            raise ValueError(f"{cls.__name__} is missing from the tree in {errors.__name__}")
        return found.start()

    return sorted(classes, key=drawn_at)


def errors_page() -> str:
    """The error tree, each error with its HTTP status and what it means."""
    classes = error_classes()
    exported = set(classes)
    [root] = [cls for cls in classes if not any(base in exported for base in cls.__bases__)]
    lines = [
        "# Errors",
        "",
        f"Generated from the classes of `{PACKAGE}.errors` each time this site builds. Every"
        f" error derives from `{root.__name__}` and carries `status_code`, the HTTP status a"
        " microcosm-flask service answers with when the error reaches its error handler."
        " An error that also derives from a built-in exception says so: code that catches"
        " `KeyError` or `ValueError` catches it too.",
        "",
    ]

    def parent_of(cls: type[BaseException]) -> type[BaseException] | None:
        return next((base for base in cls.__bases__ if base in exported), None)

    def children(cls: type[BaseException]) -> list[type[BaseException]]:
        return [other for other in classes if parent_of(other) is cls]

    def entry(cls: type[BaseException], depth: int) -> None:
        others = [
            base
            for base in cls.__bases__
            if base is not parent_of(cls) and base not in (Exception, BaseException)
        ]
        also = ", ".join(f"`{base.__name__}`" for base in others)
        summary = (paragraphs(inspect.getdoc(cls) or "") or [""])[0]
        status = getattr(cls, "status_code", None)
        text = f"[`{cls.__name__}`][{PACKAGE}.errors.{cls.__name__}] **{status}**"
        if also:
            text += f" (also a {also})"
        text += f": {escape(summary)}"
        lines.append(f"{'    ' * depth}- {text}")
        for child in children(cls):
            entry(child, depth + 1)

    entry(root, 0)
    lines += ["", "| error | HTTP status | parent |", "| --- | --- | --- |"]
    for cls in sorted(classes, key=lambda cls: cls.__name__):
        parent = parent_of(cls)
        parent_name = f"`{parent.__name__}`" if parent else ""
        status = getattr(cls, "status_code", "")
        lines.append(f"| `{cls.__name__}` | {status} | {parent_name} |")
    return "\n".join(lines) + "\n"


# --- All of it ----------------------------------------------------------------------------------


def reference_pages() -> dict[str, str]:
    """Every generated page, by its path under docs/."""
    modules = public_modules()
    homes = api_homes()
    pages = {
        f"{REFERENCE}/cli.md": cli_page(),
        f"{REFERENCE}/configuration.md": configuration_page(),
        f"{REFERENCE}/errors.md": errors_page(),
        f"{API}/index.md": api_index(modules),
    }
    for module in modules:
        pages[api_file(module)] = api_page(module, homes)
    return pages


def api_nav() -> list[dict[str, str] | str]:
    """The API section's navigation: the index, then one page per public module."""
    return [f"{API}/index.md", *({module: api_file(module)} for module in public_modules())]
