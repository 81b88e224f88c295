"""What a Store call's input or result can go wrong with: keys, filters, checks, config."""

from __future__ import annotations

from collections.abc import Sequence

from microcosm_sqlite._public_text import about, public, shown
from microcosm_sqlite.errors._root import SQLiteError
from microcosm_sqlite.formatting import plural

__all__ = [
    "ConfigurationError",
    "DataSetCheckError",
    "DuplicateModelError",
    "InvalidFilterValueError",
    "InvalidIdentifierError",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "MultipleModelsFoundError",
    "UnknownFilterError",
]


class ModelNotFoundError(SQLiteError):
    """No row has the key, or no row matched `one()`."""

    status_code = 404
    summary = "not found"
    # a Store writes the message from the model, the request and the data set alone
    message_is_public = True


class MultipleModelsFoundError(SQLiteError):
    """`one()` matched more than one row."""

    status_code = 409
    summary = "more than one row matches"
    message_is_public = True


class ModelIntegrityError(SQLiteError):
    """A write broke a constraint (writable data sets)."""

    status_code = 409
    summary = "the change breaks one of its constraints"


class DuplicateModelError(ModelIntegrityError):
    """A write repeated a primary key or a unique value."""

    status_code = 409
    summary = "a row with the same key or unique value exists"


class UnknownFilterError(SQLiteError, TypeError):
    """A Store call got a keyword that no filter accepts: never "match everything"."""

    status_code = 400

    def __init__(
        self,
        store: str,
        keywords: Sequence[str],
        accepted: Sequence[str],
        *,
        dataset: str | None = None,
    ) -> None:
        self.store = store
        self.keywords = tuple(keywords)
        self.accepted = tuple(accepted)
        super().__init__(
            f"{store} does not accept the keyword(s) {', '.join(self.keywords)};"
            f" it accepts: {', '.join(self.accepted) or 'no filters'}",
            dataset=dataset,
            hint="2.x ignored unknown keywords; see UPGRADING.md#stores",
        )

    @property
    def description(self) -> str:
        """The unknown keywords and those accepted."""
        unknown = ", ".join(shown(keyword) for keyword in self.keywords)
        accepted = ", ".join(self.accepted) or "none"
        return about(self.dataset, f"unknown filter {unknown}; filters accepted: {accepted}")


class InvalidIdentifierError(SQLiteError, ValueError):
    """A key that cannot name a row of the model at all: a 400, not a 404."""

    status_code = 400

    def __init__(
        self, store: str, identifier: object, reason: str, *, dataset: str | None = None
    ) -> None:
        self.store = store
        self.identifier = identifier
        self.reason = reason
        super().__init__(f"{store}: {identifier!r} is not a key: {reason}", dataset=dataset)

    @property
    def description(self) -> str:
        """The key given, and why no row can have it."""
        return about(self.dataset, f"{shown(self.identifier)} is not a key: {self.reason}")


class InvalidFilterValueError(SQLiteError, ValueError):
    """A filter value that cannot be compared with its column; the message holds no SQL."""

    status_code = 400

    def __init__(
        self, store: str, filters: dict[str, object], reason: str, *, dataset: str | None = None
    ) -> None:
        self.store = store
        self.filters = dict(filters)
        self.reason = reason
        given = ", ".join(f"{name}={value!r}" for name, value in self.filters.items())
        super().__init__(f"{store}: cannot filter by {given}: {reason}", dataset=dataset)

    @property
    def description(self) -> str:
        """The values given, and why the data set cannot compare them."""
        given = ", ".join(f"{name}={shown(value)}" for name, value in self.filters.items())
        return about(self.dataset, f"cannot filter by {given}: {self.reason}")


class DataSetCheckError(SQLiteError):
    """A startup or health check that found data sets a service cannot serve."""

    status_code = 503

    def __init__(self, problems: Sequence[SQLiteError]) -> None:
        self.problems = tuple(problems)
        listed = "; ".join(str(problem) for problem in self.problems)
        super().__init__(f"{plural(len(self.problems), 'data set check')} failed: {listed}")

    @property
    def description(self) -> str:
        """Each problem's client face."""
        listed = "; ".join(problem.description for problem in self.problems)
        return public(f"{plural(len(self.problems), 'data set check')} failed: {listed}")


class ConfigurationError(SQLiteError, ValueError):
    """A config value out of its range (a negative cache size...), when the component is built."""

    summary = "the service's data set configuration is not valid"

    def __init__(self, key: str, value: object, expected: str) -> None:
        self.key = key
        self.value = value
        super().__init__(f"config {key} is {value!r}: it must be {expected}")
