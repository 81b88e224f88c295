"""
Full-text search, declared with the models: which text columns a Store's `match` searches.

    from microcosm_sqlite.fulltext import FullText

    class Airport(Base):
        __tablename__ = "airports"
        __fulltext__ = FullText("name", "city", prefix=(2, 3))

    AirportStore(graph).match("heath", limit=10, country_code="GB")

The build writes an SQLite FTS5 index of those columns into the artifact, `<table>_fts`, and
names it in the manifest. By default words are matched without their accents (FTS5's
`unicode61 remove_diacritics 2`: "zurich" finds "Zürich") and case; `prefix` adds FTS5 prefix
indexes for those lengths, which make prefix queries (autocomplete) faster. `weights` rank a
match in one column above one in another (bm25's column weights; 1 by default).

"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FullText",
    "declared_indexes",
    "fulltext_of",
    "index_name",
]

# accents and case folded: "zurich" matches "Zürich"
DEFAULT_TOKENIZE = "unicode61 remove_diacritics 2"
# the tokenizers SQLite's FTS5 has built in (porter wraps another)
TOKENIZERS = frozenset({"unicode61", "ascii", "porter", "trigram"})
# the tokenize option as a build writes it: a tokenizer and its arguments, plain words only
TOKENIZE_WORDS = re.compile(r"[A-Za-z0-9_]+(?: [A-Za-z0-9_]+)*")
# what a table's full-text index is called: `<table>_fts`
INDEX_SUFFIX = "_fts"


@dataclass(frozen=True, init=False)
class FullText:
    """A model's searchable text columns, how their words are split, and prefix indexes."""

    columns: tuple[str, ...]
    tokenize: str = DEFAULT_TOKENIZE
    prefix: tuple[int, ...] = ()
    weights: tuple[float, ...] = field(default=())

    def __init__(
        self,
        *columns: str,
        tokenize: str = DEFAULT_TOKENIZE,
        prefix: tuple[int, ...] | list[int] = (),
        weights: Mapping[str, float] | None = None,
    ) -> None:
        if not columns or not all(isinstance(column, str) and column for column in columns):
            raise TypeError("FullText takes the names of one or more text columns")
        if len(set(columns)) != len(columns):
            raise ValueError(f"FullText{columns!r}: a column is named twice")
        if not TOKENIZE_WORDS.fullmatch(tokenize) or tokenize.split()[0] not in TOKENIZERS:
            raise ValueError(
                f"FullText tokenize={tokenize!r}: one of FTS5's tokenizers"
                f" ({', '.join(sorted(TOKENIZERS))}) and its arguments, plain words only"
            )
        prefixes = tuple(prefix)
        if any(
            isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 999 for n in prefixes
        ):
            raise ValueError(f"FullText prefix={prefix!r}: lengths from 1 to 999")
        given = dict(weights or {})
        unknown = sorted(set(given) - set(columns))
        if unknown:
            raise ValueError(f"FullText weights name columns it does not index: {unknown}")
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "tokenize", tokenize)
        object.__setattr__(self, "prefix", tuple(sorted(set(prefixes))))
        object.__setattr__(
            self, "weights", tuple(float(given.get(column, 1.0)) for column in columns)
        )


def index_name(table: str) -> str:
    """The name of a table's full-text index in an artifact."""
    return table + INDEX_SUFFIX


def fulltext_of(model: type[Any]) -> FullText | None:
    """The model's declared full-text search (`__fulltext__`), or None."""
    declared = getattr(model, "__fulltext__", None)
    if declared is not None and not isinstance(declared, FullText):
        raise TypeError(f"{model.__name__}.__fulltext__ is {declared!r}, not a FullText")
    return declared


def declared_indexes(base: type[Any]) -> dict[str, FullText]:
    """Table name -> its models' full-text declaration, for every model of the base with one."""
    registry = getattr(base, "registry", None)
    if registry is None:
        return {}
    found: dict[str, FullText] = {}
    for mapper in registry.mappers:
        declared = fulltext_of(mapper.class_)
        if declared is not None and mapper.inherits is None:
            found[mapper.local_table.name] = declared
    return dict(sorted(found.items()))
