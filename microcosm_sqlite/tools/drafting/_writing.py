"""
The drafted tables written as a models module in the style of the docs: one base naming the
data set, `Mapped[...]` annotations with `mapped_column` only where a type or key needs it, an
enum class before the model that uses it, and a Store per model.

"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from microcosm_sqlite.formatting import plural
from microcosm_sqlite.tools.drafting._keys import Column, Table
from microcosm_sqlite.tools.drafting._naming import attribute_name, camel, class_name, unique
from microcosm_sqlite.tools.drafting._types import (
    AWARE_DATETIME,
    BOOL,
    DATE,
    DATETIME,
    INT,
    JSON_KIND,
)

# the line length of black and ruff by default, which a new project most likely keeps
LINE_LENGTH = 88
INDENT = "    "
PYTHON_TYPES = {BOOL: "bool", INT: "int", "float": "float", DATE: "date", DATETIME: "datetime"}
JSON_TYPES = {"object": "dict[str, Any]", "array": "list[Any]", "any": "Any"}
# names the module itself defines or imports, which models and enums must not take
MODULE_NAMES = frozenset(
    {
        "annotations",
        "Any",
        "Base",
        "DataSetBase",
        "DateTime",
        "DeclarativeBase",
        "Decimal",
        "EnumType",
        "ForeignKey",
        "JSON",
        "Mapped",
        "Numeric",
        "Store",
        "String",
        "date",
        "datetime",
        "enum",
        "mapped_column",
    }
)


class ModuleWriter:
    """Collects the module's parts and the imports they need."""

    def __init__(self, dataset: str, tables: Sequence[Table], build_command: str) -> None:
        self.dataset = dataset
        self.tables = tables
        self.build_command = build_command
        self.imports: dict[str, set[str]] = {}
        self.names: set[str] = set(MODULE_NAMES)
        self.classes = {
            table.name: self._name(class_name(table.name, self.names)) for table in tables
        }

    def _name(self, name: str) -> str:
        self.names.add(name)
        return name

    def need(self, module: str, name: str) -> str:
        """Import `name` from `module`; returns the name."""
        self.imports.setdefault(module, set()).add(name)
        return name

    def write(self) -> str:
        """The module's text."""
        body: list[str] = [self._base()]
        for table in self.tables:
            body.extend(self._table(table))
        head = f"{self._docstring()}\n\n{self._import_lines()}"
        return "\n\n\n".join([head, *body]).rstrip() + "\n"

    def _docstring(self) -> str:
        files = [
            f"{table.file} ({plural(table.rows, 'row')}{'' if table.complete else ' read'})"
            for table in self.tables
        ]
        listed = files[0] if len(files) == 1 else ", ".join(files[:-1]) + " and " + files[-1]
        sampled = (
            "Only the first rows of the larger sources were read; the build reads them all. "
            if not all(table.complete for table in self.tables)
            else ""
        )
        text = (
            f"The `{self.dataset}` data set's models, drafted by `microcosm-sqlite models` from"
            f" {listed}.\n\nTypes, keys, foreign keys and enums are guesses from the values"
            " read: review them, and the comments beside the uncertain ones, then make the"
            f" module yours. {sampled}A build checks every row of the sources against the"
            " models:"
        )
        wrapped = "\n\n".join(textwrap.fill(part, LINE_LENGTH) for part in text.split("\n\n"))
        return f'"""\n{wrapped}\n\n{_command(self.build_command)}\n\n"""'

    def _import_lines(self) -> str:
        self.need("sqlalchemy.orm", "DeclarativeBase")
        self.need("sqlalchemy.orm", "Mapped")
        self.need("microcosm_sqlite", "DataSetBase")
        self.need("microcosm_sqlite", "Store")
        standard = ["from __future__ import annotations"]
        if "enum" in self.imports.pop("", set()):
            standard.append("import enum")
        for module in ("datetime", "decimal", "typing"):
            if module in self.imports:
                standard.append(f"from {module} import {', '.join(sorted(self.imports[module]))}")
        third = [
            f"from {module} import {', '.join(sorted(self.imports[module], key=_import_order))}"
            for module in sorted(self.imports)
            if module.startswith(("sqlalchemy", "microcosm_sqlite"))
        ]
        groups = (standard[:1], standard[1:], third)
        return "\n\n".join("\n".join(group) for group in groups if group)

    def _base(self) -> str:
        return (
            f"class Base(DataSetBase, DeclarativeBase, dataset={_string(self.dataset)}):\n"
            f'    """The {self.dataset} data set: every model below lives in its artifact."""'
        )

    def _table(self, table: Table) -> list[str]:
        model = self.classes[table.name]
        parts: list[str] = []
        lines = [f"class {model}(Base):", f'    """A row of {table.file}."""', ""]
        lines.append(f"    __tablename__ = {_string(table.name)}")
        lines.append("")
        attributes: set[str] = set()
        filters: list[str] = []
        if table.key_comment is not None:
            lines.extend(_comment(table.key_comment))
        if table.surrogate_key:
            name = attribute_name("id", [column.name for column in table.columns])
            attributes.add(name)
            lines.append(f"    {name}: Mapped[int] = mapped_column(primary_key=True)")
            self.need("sqlalchemy.orm", "mapped_column")
        for column in table.columns:
            attribute = attribute_name(column.name, attributes)
            attributes.add(attribute)
            python_type, arguments = self._column_type(model, attribute, column, parts)
            if column.name != attribute:
                arguments.insert(0, _string(column.name))
            if column.foreign_key is not None:
                arguments.append(
                    f"{self.need('sqlalchemy', 'ForeignKey')}({_string(column.foreign_key)})"
                )
            if column.primary_key:
                arguments.append("primary_key=True")
            elif column.foreign_key is not None:
                arguments.append("index=True")
            if column.foreign_key is not None or column.enum_members is not None:
                filters.append(f"{model}.{attribute}")
            for comment in column.comments + column.type.notes:
                lines.extend(_comment(comment))
            nullable = " | None" if column.type.nullable else ""
            lines.append(self._assignment(attribute, f"Mapped[{python_type}{nullable}]", arguments))
        parts.append("\n".join(lines))
        parts.append(self._store(model, filters))
        return parts

    def _column_type(
        self, model: str, attribute: str, column: Column, parts: list[str]
    ) -> tuple[str, list[str]]:
        """The annotation's Python type and the `mapped_column` arguments the type needs."""
        kind = column.type
        if column.enum_members is not None:
            enum_name = self._name(unique(model + camel(attribute), self.names, "Kind"))
            parts.append(self._enum(enum_name, column))
            self.need("microcosm_sqlite.types", "EnumType")
            return enum_name, [f"EnumType({enum_name})"]
        if kind.kind == "decimal":
            self.need("decimal", "Decimal")
            self.need("sqlalchemy", "Numeric")
            return "Decimal", [f"Numeric({kind.precision}, {kind.scale})"]
        if kind.kind == JSON_KIND:
            self.need("typing", "Any")
            return JSON_TYPES[kind.shape or "any"], [self.need("sqlalchemy", "JSON")]
        if kind.kind == AWARE_DATETIME:
            self.need("datetime", "datetime")
            return "datetime", [f"{self.need('sqlalchemy', 'DateTime')}(timezone=True)"]
        if kind.kind in (DATE, DATETIME):
            self.need("datetime", kind.kind)
        if kind.kind in PYTHON_TYPES:
            return PYTHON_TYPES[kind.kind], []
        if kind.length is not None:
            return "str", [f"{self.need('sqlalchemy', 'String')}({kind.length})"]
        return "str", []

    def _enum(self, name: str, column: Column) -> str:
        self.need("", "enum")
        members = column.enum_members or []
        lines = [
            f"class {name}(enum.Enum):",
            f'    """The values of {column.name}, stored by name."""',
            "",
        ]
        lines.extend(f"    {member} = {_string(member)}" for member in members)
        return "\n".join(lines)

    def _assignment(self, attribute: str, annotation: str, arguments: list[str]) -> str:
        if not arguments:
            return f"    {attribute}: {annotation}"
        self.need("sqlalchemy.orm", "mapped_column")
        line = f"    {attribute}: {annotation} = mapped_column({', '.join(arguments)})"
        if len(line) <= LINE_LENGTH:
            return line
        inner = f"        {', '.join(arguments)}"
        if len(inner) <= LINE_LENGTH:
            return f"    {attribute}: {annotation} = mapped_column(\n{inner}\n    )"
        spread = "".join(f"        {argument},\n" for argument in arguments)
        return f"    {attribute}: {annotation} = mapped_column(\n{spread}    )"

    def _store(self, model: str, filters: list[str]) -> str:
        store = self._name(unique(f"{model}Store", self.names, "_"))
        lines = [
            f"class {store}(Store[{model}]):",
            f'    """{model} rows by primary key (`get`), and searched."""',
            "",
            f"    model_class = {model}",
        ]
        if filters:
            one_line = (
                f"    auto_filter_fields = ({', '.join(filters)}{',' if len(filters) == 1 else ''})"
            )
            if len(one_line) <= LINE_LENGTH:
                lines.append(one_line)
            else:
                lines.append("    auto_filter_fields = (")
                lines.extend(f"        {field}," for field in filters)
                lines.append("    )")
        return "\n".join(lines)


def _string(text: str) -> str:
    """A Python string literal for text, in double quotes as ruff formats it."""
    if '"' in text or "\\" in text or not text.isprintable():
        return repr(text)
    return f'"{text}"'


def _command(command: str) -> str:
    """A shell command, indented, its words carried over where they would pass the line length."""
    lines = [INDENT]
    for word in command.split(" "):
        if len(lines[-1]) + len(word) + 1 > LINE_LENGTH and lines[-1].strip():
            lines.append(INDENT * 2)
        lines[-1] += word if not lines[-1].strip() else f" {word}"
    return "\n".join(lines)


def _import_order(name: str) -> tuple[bool, str]:
    # isort's order: constants (JSON) first, then classes, then functions
    return (not name.isupper(), name.lower())


def _comment(text: str) -> list[str]:
    return textwrap.wrap(
        text,
        LINE_LENGTH,
        initial_indent="    # ",
        subsequent_indent="    # ",
        break_long_words=False,
    )


def write_module(dataset: str, tables: Sequence[Table], build_command: str) -> str:
    """The models module for the drafted tables."""
    return ModuleWriter(dataset, tables, build_command).write()
