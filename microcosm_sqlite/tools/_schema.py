"""
A table's and an index's schema as SQLite records it: their CREATE statements, in parts.

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
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "TableDefinition",
    "Written",
    "dequote",
    "index_definition",
    "normalized",
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
