"""
Data checks, declared with the models: what the data must hold beyond what its schema can say.
Every build runs them, and so does `microcosm-sqlite verify --models` on any artifact.

    from microcosm_sqlite.checks import InRange, Matches, NotNull, RowCount

    class Airport(Base):
        __tablename__ = "airports"
        __checks__ = (
            RowCount(min=25_000),
            Matches("iata", r"[A-Z]{3}"),
            InRange("latitude", -90, 90),
            NotNull("city", severity="warn"),
        )

Each check is about its model's table. One that fails with severity `"error"` (the default)
fails the build, as one problem naming the check, the table and a few offending rows by key;
one with `"warn"` is reported and the build goes on, as dbt's `severity: warn`.

Column checks skip NULLs (`NotNull` is the check for those), compare values as the column
stores them (an enum by its name, a boolean as 0 or 1), and take `where`, an SQL condition on
the table's columns that limits the rows checked. SQL in a check (`where`, `NoRows`) is the
models' own code, trusted as they are; it may only read.

"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "AcceptedValues",
    "Check",
    "ExistsIn",
    "InRange",
    "Matches",
    "NoRows",
    "NotNull",
    "RowCount",
    "Unique",
    "declared_checks",
    "target_of",
]

# "error" fails the build (and verify); "warn" is reported and the build goes on
Severity = Literal["error", "warn"]
SEVERITIES = ("error", "warn")


@dataclass(frozen=True, kw_only=True)
class Check:
    """
    What every check has: its severity, and a name for reports (by default, what it says).

    """

    # "error" fails the build (and verify); "warn" is reported and the build goes on
    severity: Severity = "error"
    # how reports name the check; by default `describe()`
    name: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.describe()}: severity must be 'error' or 'warn'")

    @property
    def label(self) -> str:
        """The check's name in reports: the one given, or what it says."""
        return self.name or self.describe()

    def describe(self) -> str:
        """What the check says, as it would be written (`matches(iata, '[A-Z]{3}')`)."""
        return type(self).__name__


@dataclass(frozen=True, kw_only=True)
class RowCount(Check):
    """The table holds at least `min` and at most `max` rows (those matching `where`)."""

    min: int | None = None
    max: int | None = None
    where: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        bounds = [bound for bound in (self.min, self.max) if bound is not None]
        if not bounds:
            raise ValueError("RowCount needs min, max or both")
        if any(isinstance(bound, bool) or not isinstance(bound, int) for bound in bounds):
            raise TypeError(f"{self.describe()}: bounds are whole numbers")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"{self.describe()}: min is more than max")

    def describe(self) -> str:
        """`row_count(min=..., max=...)`."""
        return f"row_count({_arguments((), min=self.min, max=self.max, where=self.where)})"


@dataclass(frozen=True)
class NotNull(Check):
    """No row holds NULL in `column`: for columns the schema keeps nullable."""

    column: str
    where: str | None = field(default=None, kw_only=True)

    def describe(self) -> str:
        """`not_null(column)`."""
        return f"not_null({_arguments([self.column], where=self.where)})"


@dataclass(frozen=True, init=False)
class Unique(Check):
    """No two rows hold the same values in `columns` (rows with a NULL in them skipped)."""

    columns: tuple[str, ...]
    where: str | None = None

    def __init__(
        self,
        *columns: str,
        where: str | None = None,
        severity: Severity = "error",
        name: str | None = None,
    ) -> None:
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "severity", severity)
        object.__setattr__(self, "name", name)
        if not columns or not all(isinstance(column, str) for column in columns):
            raise TypeError("Unique takes the names of one or more columns")
        self.__post_init__()

    def describe(self) -> str:
        """`unique(column, ...)`."""
        return f"unique({_arguments(self.columns, where=self.where)})"


@dataclass(frozen=True, init=False)
class AcceptedValues(Check):
    """Every value of `column` is one of `values` (as the column's type stores them)."""

    column: str
    values: tuple[Any, ...]
    where: str | None = field(default=None, kw_only=True)

    def __init__(
        self,
        column: str,
        values: Iterable[Any],
        *,
        where: str | None = None,
        severity: Severity = "error",
        name: str | None = None,
    ) -> None:
        if isinstance(values, str | bytes):
            raise TypeError("AcceptedValues takes a collection of values, not one string")
        object.__setattr__(self, "column", column)
        object.__setattr__(self, "values", tuple(values))
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "severity", severity)
        object.__setattr__(self, "name", name)
        if not self.values:
            raise ValueError(f"{self.describe()}: no value is accepted")
        self.__post_init__()

    def describe(self) -> str:
        """`accepted_values(column, [value, ...])`."""
        shown = ", ".join(repr(getattr(value, "name", value)) for value in self.values[:5])
        more = ", ..." if len(self.values) > 5 else ""
        where = "" if self.where is None else f", where={self.where!r}"
        return f"accepted_values({self.column}, [{shown}{more}]{where})"


@dataclass(frozen=True)
class InRange(Check):
    """Every value of `column` is from `min` to `max`, both included (either may be None)."""

    column: str
    min: Any = None
    max: Any = None
    where: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.min is None and self.max is None:
            raise ValueError(f"{self.describe()}: needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"{self.describe()}: min is more than max")

    def describe(self) -> str:
        """`in_range(column, min=..., max=...)`."""
        return (
            f"in_range({_arguments([self.column], min=self.min, max=self.max, where=self.where)})"
        )


@dataclass(frozen=True)
class Matches(Check):
    """Every value of `column` matches the regular expression `pattern`, whole (`re.fullmatch`)."""

    column: str
    pattern: str
    where: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        try:
            re.compile(self.pattern)
        except re.error as error:
            raise ValueError(f"{self.describe()}: not a regular expression: {error}") from error

    def describe(self) -> str:
        """`matches(column, 'pattern')`."""
        return f"matches({_arguments([self.column], self.pattern, where=self.where)})"


@dataclass(frozen=True)
class ExistsIn(Check):
    """
    Every value of `column` is also a value of `to`, another table's column, as `"table.column"`
    or a model's attribute (`Country.alpha_2`): dbt's relationships, where no foreign key says
    it (every country has an airport: `ExistsIn("alpha_2", "airports.country_code")`).

    """

    column: str
    to: Any
    where: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        target = target_of(self.to)
        if target is None:
            raise TypeError(
                f"ExistsIn({self.column!r}, to={self.to!r}): `to` is 'table.column' or a model's"
                " column attribute"
            )

    def describe(self) -> str:
        """`exists_in(column, table.column)`."""
        table, column = target_of(self.to) or ("?", "?")
        return f"exists_in({_arguments([self.column, f'{table}.{column}'], where=self.where)})"


@dataclass(frozen=True)
class NoRows(Check):
    """
    A query that must return no rows; `message` says what it asserts. Rows it returns are the
    offending ones, and the first few are shown.

        NoRows("SELECT icao FROM airports WHERE time_zone NOT LIKE '%/%'",
               "every time zone is an IANA Area/Location name")

    """

    sql: str
    message: str

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.sql.strip() or not self.message.strip():
            raise ValueError("NoRows takes a query and a message saying what it asserts")

    def describe(self) -> str:
        """The message: what the query asserts."""
        return self.message


def target_of(to: Any) -> tuple[str, str] | None:
    """The table and column an `ExistsIn` points at, or None when `to` names neither."""
    if isinstance(to, str):
        name, dot, column = to.rpartition(".")
        return (name, column) if dot and name and column else None
    table = getattr(getattr(to, "class_", None), "__table__", None)
    key = getattr(to, "key", None)
    if table is None or not isinstance(key, str):
        return None
    mapped = getattr(getattr(to, "property", None), "columns", [None])[0]
    return str(table.name), str(getattr(mapped, "name", key))


def declared_checks(base: type[Any]) -> list[tuple[str, Check]]:
    """
    Every check the base's models declare (`__checks__`), with its table's name: tables by
    name, each one's checks in the order declared. A mixin's checks apply to each model.

    """
    registry = getattr(base, "registry", None)
    if registry is None:
        return []
    found: list[tuple[str, Check]] = []
    models = sorted(
        (mapper for mapper in registry.mappers if mapper.inherits is None),
        key=lambda mapper: mapper.local_table.name,
    )
    for mapper in models:
        model = mapper.class_
        checks = getattr(model, "__checks__", ())
        if isinstance(checks, Check) or not isinstance(checks, Iterable):
            raise TypeError(f"{model.__name__}.__checks__ is a sequence of checks")
        for check in checks:
            if not isinstance(check, Check):
                raise TypeError(f"{model.__name__}.__checks__ holds {check!r}, not a check")
            found.append((mapper.local_table.name, check))
    return found


def _arguments(columns: Iterable[str], *values: Any, **named: Any) -> str:
    """Arguments as a report shows them: columns by name, values as Python writes them."""
    shown = [*columns, *map(repr, values)]
    shown += [f"{key}={value!r}" for key, value in named.items() if value is not None]
    return ", ".join(shown)
