"""
Python names for what the sources call tables and columns.

A table `countries` is the class `Country` (its last word made singular, in CamelCase); a column
keeps its name as the attribute when it is a Python name that no base class uses, and
otherwise gets one (`first name` -> `first_name`, `class` -> `class_`, `metadata` ->
`metadata_`) with the column's own name passed to `mapped_column`.

"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable

from sqlalchemy.orm import DeclarativeBase

from microcosm_sqlite.dataset import DataSetBase

# names a model's attributes cannot take: its base classes' own
RESERVED_ATTRIBUTES = (
    frozenset(dir(DeclarativeBase)) | frozenset(dir(DataSetBase)) | {"metadata", "registry"}
)
WORDS = re.compile(r"[A-Za-z0-9]+")
NOT_NAME = re.compile(r"[^0-9A-Za-z_]+")


def singular(word: str) -> str:
    """`countries` -> `country`, `boxes` -> `box`, `airports` -> `airport`; others as they are."""
    lowered = word.lower()
    if lowered.endswith("ies") and len(word) > 4:
        return word[:-3] + ("Y" if word[-3:].isupper() else "y")
    if lowered.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if lowered.endswith(("ss", "us", "is")) or not lowered.endswith("s") or len(word) < 3:
        return word
    return word[:-1]


def class_name(table: str, taken: Iterable[str]) -> str:
    """The model's class name for a table: CamelCase, singular, not one of `taken`."""
    words = WORDS.findall(table) or ["table"]
    words[-1] = singular(words[-1])
    name = "".join(word[:1].upper() + word[1:] for word in words)
    if name[0].isdigit():
        name = "Table" + name
    return unique(name, taken, "Row")


def attribute_name(column: str, taken: Iterable[str]) -> str:
    """The model's attribute for a column: its own name when Python and the base allow it."""
    name = column
    if not (name.isidentifier() and name.isascii()):
        name = NOT_NAME.sub("_", column).strip("_").lower() or "column"
        if name[0].isdigit():
            name = f"column_{name}"
    if keyword.iskeyword(name) or name in RESERVED_ATTRIBUTES:
        name += "_"
    return unique(name, taken, "_")


def camel(name: str) -> str:
    """`parent_code` -> `ParentCode`."""
    return "".join(word[:1].upper() + word[1:] for word in WORDS.findall(name))


def unique(name: str, taken: Iterable[str], suffix: str) -> str:
    """`name`, or `name` with `suffix` (then a number) when it is taken."""
    used = set(taken)
    if name not in used:
        return name
    candidate = name + suffix
    count = 2
    while candidate in used:
        candidate = f"{name}{suffix}{count}"
        count += 1
    return candidate
