"""
Full-text matches for Stores (`Store.match`): the text a user typed as an FTS5 query, and the
model's full-text index as a table the Store's statement joins.

A user's text is words, not FTS5's query syntax: each word (split at whitespace) is quoted as
an FTS5 string, so no character of it is an operator, and the words must all match (AND), in
any order and any column; the last word matches as a prefix unless `prefix=False`
("heath" finds "Heathrow"). Accents and case are ignored as the index's tokenizer says. With
`syntax=True` the text is FTS5's query syntax (`heathrow OR gatwick`, `"charles de gaulle"`,
`name: paris`, `lond*`), parsed first on an empty index of the same columns, so a syntax error
is the calling Store's 400 (`InvalidFilterValueError`), never the artifact's error.

"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Select,
    Table,
    func,
    literal_column,
    select,
)

from microcosm_sqlite._filters import unencodable_reason
from microcosm_sqlite.artifact.contents import quote
from microcosm_sqlite.artifact.fts import create_statement, index_difference
from microcosm_sqlite.errors import InvalidFilterValueError, SchemaMismatchError, SQLiteError
from microcosm_sqlite.fulltext import FullText, fulltext_of, index_name

__all__ = ["FullTextMatch", "match_query"]

# the keyword a refused text is named by in InvalidFilterValueError
TEXT = "match"


def match_query(
    store: str, text: Any, declaration: FullText, *, prefix: bool, syntax: bool
) -> str | None:
    """
    The FTS5 query for a user's text, or None when it holds no word (which matches nothing);
    an InvalidFilterValueError naming the store for text that is no query.

    """
    if not isinstance(text, str):
        raise InvalidFilterValueError(store, {TEXT: text}, f"the text is a {type(text).__name__}")
    reason = None if text.isascii() else unencodable_reason(text)
    if reason is not None:
        raise InvalidFilterValueError(store, {TEXT: text}, reason)
    if syntax:
        query = text.strip()
        if not query:
            return None
        reason = syntax_error(query, declaration)
        if reason is not None:
            raise InvalidFilterValueError(store, {TEXT: text}, reason)
        return query
    # FTS5 reads a query up to a NUL, so NUL separates words as whitespace does
    words = text.replace("\x00", " ").split()
    if not words:
        return None
    quoted = ['"' + word.replace('"', '""') + '"' for word in words]
    if prefix:
        quoted[-1] += "*"
    return " ".join(quoted)


def syntax_error(query: str, declaration: FullText) -> str | None:
    """Why FTS5 refuses a query for an index of these columns, or None: asked of an empty one."""
    if "\x00" in query:
        return "a query holds no NUL character"
    scratch = sqlite3.connect(":memory:")
    try:
        scratch.execute(create_statement("query", declaration))
        name = quote(index_name("query"))
        scratch.execute(f"SELECT rowid FROM {name} WHERE {name} MATCH ?", (query,))
    except sqlite3.OperationalError as error:
        return str(error)
    finally:
        scratch.close()
    return None


class FullTextMatch:
    """A model's full-text index, as the parts of a Store's statement: join, match, rank."""

    def __init__(self, model: type[Any], declaration: FullText) -> None:
        table: Table = model.__table__
        self.table = table
        self.declaration = declaration
        self.name = index_name(table.name)
        self.index = Table(self.name, MetaData(), Column("rowid", Integer))
        self.rowid: ColumnElement[Any] = literal_column(f"{quote(table.name)}.rowid")
        self.on = self.index.c.rowid == self.rowid
        self.column: ColumnElement[Any] = literal_column(quote(self.name))
        weights = [] if set(declaration.weights) == {1.0} else declaration.weights
        self.rank: ColumnElement[Any] = func.bm25(
            self.column, *(literal_column(repr(weight)) for weight in weights)
        )
        key = list(table.primary_key.columns)
        # an INTEGER PRIMARY KEY is the rowid: key order is rowid order
        self.key_is_rowid = len(key) == 1 and type(key[0].type) is Integer

    @classmethod
    def checked(
        cls,
        store: Any,
        model: type[Any],
        connection: sqlite3.Connection,
        context: Mapping[str, str],
    ) -> FullTextMatch:
        """The model's index, once the artifact open on `connection` holds the one declared."""
        declaration = fulltext_of(model)
        if declaration is None:
            raise SQLiteError(
                f"{type(store).__name__}.match: {model.__name__} declares no searchable"
                " columns (__fulltext__ = FullText(...))"
            )
        difference = index_difference(connection, model.__table__.name, declaration)
        if difference is not None:
            raise SchemaMismatchError([difference], **context)
        return cls(model, declaration)

    def matching(
        self,
        store: str,
        statement: Select[Any],
        text: str,
        prefix: bool,
        syntax: bool,
        *,
        ranked: bool = False,
        top: int | None = None,
        count: bool = False,
    ) -> Select[Any] | None:
        """
        The statement's rows whose indexed text matches a user's `text` (`match_query`): most
        relevant first when `ranked`, or (`count`) how many there are; None when it holds no
        word.

        Unfiltered (the statement reads the model's table alone, with no condition), the index
        answers by itself: it counts, and it ranks the `top` rows (when the Store's order, which
        breaks ties, is the rowid's), so only those rows are read from the table. Otherwise every
        match is joined with its row, then filtered and ranked.

        """
        query = match_query(store, text, self.declaration, prefix=prefix, syntax=syntax)
        if query is None:
            return None
        condition = self.column.op("MATCH")(query)
        froms = statement.get_final_froms()
        alone = statement.whereclause is None and len(froms) == 1 and froms[0] is self.table
        if count and alone:
            return select(func.count()).select_from(self.index).where(condition)
        if top is not None and ranked and alone and self.key_is_rowid:
            best = (
                select(self.index.c.rowid, self.rank.label("score"))
                .where(condition)
                .order_by(self.rank, self.index.c.rowid)
                .limit(top)
                .subquery("best")
            )
            return statement.join(best, best.c.rowid == self.rowid).order_by(best.c.score)
        joined = statement.join(self.index, self.on).where(condition)
        if count:
            return select(func.count()).select_from(joined.subquery())
        return joined.order_by(self.rank) if ranked else joined
