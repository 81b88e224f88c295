"""
A table's and an index's schema as SQLite records it, their CREATE statements in parts, and
what changed in a table's from one artifact to another.

SQLite keeps each statement as it was written, and that text is the whole schema: collations,
CHECK constraints, STRICT and WITHOUT ROWID, AUTOINCREMENT, generated columns and a partial
index's WHERE are in it, where `PRAGMA table_info` shows none of them. So `diff` compares the
statements, split where a reader wants them split: a table into its column declarations (by
name), its table constraints and its options, an index into what follows `ON <table>`.

The split needs no SQL parser, only SQLite's tokens: literals, quoted names and comments are
kept whole, and the statement is cut at the commas between the outer parentheses. Comments and
whitespace between tokens are not schema: parts compare by their tokens alone (`Written`), and
show as written with one space for any run of them.

"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from microcosm_sqlite.artifact.contents import ColumnInfo, columns_of, data_tables, key_columns
from microcosm_sqlite.artifact.fts import create_statement, vouch
from microcosm_sqlite.tools._changes import Operation, SchemaChange

__all__ = [
    "ArtifactSchema",
    "TableDefinition",
    "TableSchema",
    "Written",
    "dequote",
    "fulltext_definition",
    "index_definition",
    "normalized",
    "table_changes",
    "table_definition",
]

# the words a table constraint starts with; SQLite takes none of them as a bare column name
CONSTRAINT_WORDS = frozenset({"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"})
QUOTES = "'\"`"
# one of SQLite's tokens, or whitespace or a comment between them: a literal or a quoted name
# (a doubled quote inside it, an unterminated one running to the end), a blob literal, a word
# (SQLite's identifier characters, all of U+0080 and above among them), or one character
TOKEN = re.compile(
    r"""
    [ \t\n\f\r]+ | --[^\n]*\n? | /\*.*?(?:\*/|\Z)
    | (?P<token>
        [xX]'[^']*(?:''[^']*)*'?
        | '[^']*(?:''[^']*)*'?
        | "[^"]*(?:""[^"]*)*"?
        | `[^`]*(?:``[^`]*)*`?
        | \[[^\]]*\]?
        | [A-Za-z0-9_$\u0080-\U0010ffff]+
        | .
    )
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    """One of SQLite's tokens, and whether whitespace or a comment came before it."""

    text: str
    spaced: bool


@dataclass(frozen=True)
class Written:
    """
    A part of a statement: its text as written (comments dropped, one space for any run of
    whitespace), equal to another when their tokens are, however each is spaced.

    """

    text: str = field(compare=False)
    tokens: tuple[str, ...]

    @classmethod
    def of(cls, parts: Sequence[Token]) -> Written:
        """Tokens back as text: as written, one space where any whitespace or comment was."""
        text = "".join(
            (" " if token.spaced and position else "") + token.text
            for position, token in enumerate(parts)
        )
        return cls(text, tuple(token.text for token in parts))


@dataclass(frozen=True)
class TableDefinition:
    """A CREATE TABLE statement in parts; `columns` maps each column's name to its declaration."""

    statement: Written
    columns: dict[str, Written]
    constraints: tuple[Written, ...]
    options: Written

    @property
    def body(self) -> str:
        """The column declarations and constraints, then the options: the table in one line."""
        parts = [
            f"{name} {declaration.text}".rstrip() for name, declaration in self.columns.items()
        ]
        text = ", ".join([*parts, *(constraint.text for constraint in self.constraints)])
        return f"{text} {self.options.text}" if self.options.text else text


def tokens(sql: str) -> list[Token]:
    """SQLite's tokens of a statement; comments and whitespace only mark the token after them."""
    found: list[Token] = []
    spaced = False
    for match in TOKEN.finditer(sql):
        text = match.group("token")
        if text is None:
            spaced = True
        else:
            found.append(Token(text, spaced))
            spaced = False
    return found


def normalized(sql: str) -> Written:
    """A whole statement, as `Written` compares and shows it."""
    return Written.of(tokens(sql))


def dequote(name: str) -> str:
    """A name as SQLite reads it: `"a""b"` is `a"b`, `[a b]` is `a b`."""
    if len(name) >= 2 and name[0] in QUOTES and name[-1] == name[0]:
        return name[1:-1].replace(name[0] * 2, name[0])
    if len(name) >= 2 and name[0] == "[" and name[-1] == "]":
        return name[1:-1]
    return name


def table_definition(sql: str, column_names: Sequence[str]) -> TableDefinition | None:
    """
    A CREATE TABLE statement in parts, each column's declaration named as `column_names` (from
    `PRAGMA table_xinfo`) name it; None when the statement cannot be split so, and it is then
    compared whole.

    """
    parts = tokens(sql)
    opening = next((index for index, token in enumerate(parts) if token.text == "("), None)
    if opening is None:
        return None
    items: list[list[Token]] = [[]]
    depth, closing = 0, None
    for index in range(opening + 1, len(parts)):
        text = parts[index].text
        if text == ")" and depth == 0:
            closing = index
            break
        if text == "," and depth == 0:
            items.append([])
            continue
        depth += {"(": 1, ")": -1}.get(text, 0)
        items[-1].append(parts[index])
    if closing is None or not all(items):
        return None
    by_name = {name.casefold(): name for name in column_names}
    declarations: dict[str, Written] = {}
    constraints = []
    for item in items:
        first = item[0].text
        if first.upper() in CONSTRAINT_WORDS:
            constraints.append(Written.of(item))
            continue
        name = by_name.get(dequote(first).casefold())
        if name is None or name in declarations:
            return None
        declarations[name] = Written.of(item[1:])
    if len(declarations) != len(by_name):
        return None
    ordered = {name: declarations[name] for name in column_names}
    return TableDefinition(
        Written.of(parts), ordered, tuple(constraints), Written.of(parts[closing + 1 :])
    )


def index_definition(sql: str) -> Written:
    """
    An index as a diff shows it: `unique` or not, then what follows `ON <table>`, its columns
    (with their collations and order) and a partial index's WHERE; the statement when it has no
    `ON`.

    """
    parts = tokens(sql)
    words = [token.text.upper() for token in parts]
    if "ON" not in words or words.index("ON") + 2 > len(parts):
        return Written.of(parts)
    on = words.index("ON")
    rest = Written.of(parts[on + 2 :])
    if "UNIQUE" in words[:on]:
        return Written(f"unique {rest.text}", ("UNIQUE", *rest.tokens))
    return rest


def fulltext_definition(sql: str) -> Written:
    """A full-text index as a diff shows it: what follows `USING`, its module and options."""
    parts = tokens(sql)
    words = [token.text.upper() for token in parts]
    return Written.of(parts[words.index("USING") + 1 :] if "USING" in words else parts)


# the statement of a table an artifact lacks
NO_STATEMENT = Written("", ())


@dataclass(frozen=True)
class TableSchema:
    """
    One artifact's view of a table (none if absent): its columns as `PRAGMA table_xinfo` has
    them (generated ones included), its CREATE TABLE statement in parts, and its indexes'
    definitions by name.

    """

    columns: tuple[ColumnInfo, ...] = ()
    statement: Written = NO_STATEMENT
    definition: TableDefinition | None = None
    indexes: dict[str, Written] = field(default_factory=dict)
    present: bool = False
    # its full-text index, by name: what follows `USING` (none, or one)
    fulltext: dict[str, Written] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, ...]:
        """The primary key's column names, in key order."""
        return tuple(column.name for column in key_columns(self.columns))

    @property
    def nullable_key(self) -> bool:
        """Whether a key column may hold NULL: SQLite allows it but in a rowid alias."""
        keys = key_columns(self.columns)
        rowid = len(keys) == 1 and keys[0].type.upper() == "INTEGER"
        return not rowid and any(column.nullable for column in keys)

    def declarations(self) -> dict[str, Written]:
        """Each column's declaration as the statement writes it (or as the pragma has it)."""
        if self.definition is not None:
            return self.definition.columns
        texts = {column.name: column_text(column) for column in self.columns}
        return {name: Written(text, tuple(text.split())) for name, text in texts.items()}

    def body(self) -> str:
        """The table in one line, for a table added or removed."""
        if self.definition is not None:
            return self.definition.body
        return ", ".join(f"{name} {text.text}" for name, text in self.declarations().items())


def column_text(column: ColumnInfo) -> str:
    """A column's declaration as the pragma describes it, when its statement cannot be split."""
    return " ".join([column.type or "(no type)", *column.constraints()])


@dataclass
class ArtifactSchema:
    """What one artifact's schema holds, read once: data tables, their statements and indexes."""

    tables: frozenset[str]
    statements: dict[str, str]
    indexes: dict[str, dict[str, str]]
    # table -> its full-text index's name and statement (the ones `vouch` accepts)
    fulltext: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def read(cls, connection: sqlite3.Connection) -> ArtifactSchema:
        """The schema table, read in one statement."""
        tables = frozenset(data_tables(connection))
        statements: dict[str, str] = {}
        indexes: dict[str, dict[str, str]] = {}
        for type_, name, table, sql in connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL"
        ):
            if table not in tables:
                continue
            if type_ == "table" and name == table:
                statements[name] = sql
            elif type_ == "index":  # SQLite's automatic ones have no statement: constraints
                indexes.setdefault(table, {})[name] = sql
        fulltext = {
            index.table: (index.name, create_statement(index.table, index.declaration))
            for index in vouch(connection)[0]
        }
        return cls(tables, statements, indexes, fulltext)

    def table(self, connection: sqlite3.Connection, name: str) -> TableSchema:
        """A table's schema in this artifact; an absent one when it has no such table."""
        if name not in self.tables:
            return TableSchema()
        columns = columns_of(connection, name, generated=True)
        sql = self.statements.get(name, "")
        definition = table_definition(sql, [column.name for column in columns])
        return TableSchema(
            columns,
            normalized(sql) if definition is None else definition.statement,
            definition,
            {
                index: index_definition(text)
                for index, text in sorted(self.indexes.get(name, {}).items())
            },
            present=True,
            fulltext={
                index: fulltext_definition(text)
                for index, text in [self.fulltext.get(name, ("", ""))]
                if index
            },
        )


def table_changes(table: str, old: TableSchema, new: TableSchema) -> list[SchemaChange]:
    """What changed in a table's schema from `old` to `new`, one change a part."""
    if not old.present or not new.present:
        side = new if new.present else old
        op: Operation = "added" if new.present else "removed"
        texts = (None, side.body()) if new.present else (side.body(), None)
        return [SchemaChange(op, "table", table, table, *texts)]
    old_columns, new_columns = old.declarations(), new.declarations()
    changes = list(_compare("column", table, old_columns, new_columns))
    kept = [name for name in new_columns if name in old_columns]
    order = [name for name in old_columns if name in new_columns]
    if kept != order:
        changes.append(
            SchemaChange("changed", "column order", table, "", ", ".join(order), ", ".join(kept))
        )
    if old.definition is not None and new.definition is not None:
        changes.extend(_constraints(table, old.definition, new.definition))
        before, after = old.definition.options, new.definition.options
        if before != after:
            changes.append(
                SchemaChange(
                    "changed", "options", table, "", before.text or "none", after.text or "none"
                )
            )
    changes.extend(_compare("index", table, old.indexes, new.indexes))
    changes.extend(_compare("full-text index", table, old.fulltext, new.fulltext))
    if not changes and old.statement != new.statement:
        # what no part shows (the statement could not be split, or differs elsewhere)
        changes.append(
            SchemaChange("changed", "statement", table, "", old.statement.text, new.statement.text)
        )
    return changes


def _compare(
    kind: str, table: str, old: dict[str, Written], new: dict[str, Written]
) -> Iterator[SchemaChange]:
    """Things of one kind, by name: those only in `new`, only in `old`, or different."""
    for name in [*old, *(name for name in new if name not in old)]:
        if name not in new:
            yield SchemaChange("removed", kind, table, name, old[name].text, None)
        elif name not in old:
            yield SchemaChange("added", kind, table, name, None, new[name].text)
        elif old[name] != new[name]:
            yield SchemaChange("changed", kind, table, name, old[name].text, new[name].text)


def _constraints(table: str, old: TableDefinition, new: TableDefinition) -> Iterator[SchemaChange]:
    """Table constraints (keys, UNIQUE, CHECK...) only in one statement: removed or added."""
    before, after = Counter(old.constraints), Counter(new.constraints)
    for constraint in (before - after).elements():
        yield SchemaChange("removed", "constraint", table, "", constraint.text, None)
    for constraint in (after - before).elements():
        yield SchemaChange("added", "constraint", table, "", None, constraint.text)
