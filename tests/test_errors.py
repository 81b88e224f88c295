"""
The error tree: one root, a status code on every error, context in attributes and messages, and
two faces on each: `str()` with everything, `description` safe to send to any client.

"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from microcosm_sqlite import errors
from microcosm_sqlite.errors import (
    ArtifactCacheError,
    BuildError,
    BuildInputError,
    ConfigurationError,
    DataSetCheckError,
    DataSetError,
    DataSetNotConfiguredError,
    DataSetNotFoundError,
    DownloadError,
    DownloadTimeoutError,
    DumpError,
    DuplicateModelError,
    HashMismatchError,
    InvalidFilterValueError,
    InvalidIdentifierError,
    ModelIntegrityError,
    ModelNotFoundError,
    MultipleModelsFoundError,
    NotADatabaseError,
    ReadOnlyDataSetError,
    RemoteArtifactError,
    RemoteArtifactNotFoundError,
    RemoteSupportMissingError,
    SchemaMismatchError,
    SQLiteError,
    UnknownFilterError,
    UnpinnedURLError,
    UnreadableValueError,
    UntrustedArtifactError,
)

ERROR_CLASSES = [
    value
    for value in vars(errors).values()
    if inspect.isclass(value)
    and issubclass(value, BaseException)
    and value.__module__ == errors.__name__
]

STATUS_CODES = {
    SQLiteError: 500,
    ModelNotFoundError: 404,
    MultipleModelsFoundError: 409,
    ModelIntegrityError: 409,
    DuplicateModelError: 409,
    UnknownFilterError: 400,
    InvalidIdentifierError: 400,
    InvalidFilterValueError: 400,
    DataSetCheckError: 503,
    ConfigurationError: 500,
    DataSetError: 500,
    DataSetNotConfiguredError: 500,
    DataSetNotFoundError: 500,
    NotADatabaseError: 500,
    ReadOnlyDataSetError: 405,
    UnreadableValueError: 500,
    SchemaMismatchError: 500,
    UntrustedArtifactError: 500,
    RemoteArtifactError: 500,
    UnpinnedURLError: 500,
    RemoteSupportMissingError: 500,
    RemoteArtifactNotFoundError: 500,
    DownloadError: 500,
    DownloadTimeoutError: 500,
    HashMismatchError: 500,
    ArtifactCacheError: 500,
    BuildError: 400,
    BuildInputError: 400,
    DumpError: 400,
}


@pytest.mark.parametrize("error_class", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_error_is_a_sqlite_error_with_a_status_code(error_class: type[Exception]) -> None:
    """Each error subclasses SQLiteError and carries an integer status_code."""
    assert issubclass(error_class, SQLiteError)
    assert isinstance(error_class.status_code, int)


def test_status_codes_are_as_documented() -> None:
    """Each error's status code is the one the design lists, and every error is listed."""
    assert set(ERROR_CLASSES) == set(STATUS_CODES)
    assert {cls: cls.status_code for cls in ERROR_CLASSES} == STATUS_CODES  # type: ignore[attr-defined]


def test_the_module_docstring_draws_every_error() -> None:
    """The tree in the docstring names every error class, so it cannot drift."""
    for error_class in ERROR_CLASSES:
        assert error_class.__name__ in (errors.__doc__ or "")


def test_tree_shape() -> None:
    """Duplicates are integrity errors; data set errors share one parent."""
    assert issubclass(DuplicateModelError, ModelIntegrityError)
    assert issubclass(BuildInputError, SQLiteError)
    for error_class in (
        DataSetNotConfiguredError,
        DataSetNotFoundError,
        NotADatabaseError,
        ReadOnlyDataSetError,
        SchemaMismatchError,
        RemoteArtifactError,
        UntrustedArtifactError,
    ):
        assert issubclass(error_class, DataSetError)
    for remote_error_class in (
        UnpinnedURLError,
        RemoteSupportMissingError,
        RemoteArtifactNotFoundError,
        DownloadError,
        HashMismatchError,
        ArtifactCacheError,
    ):
        assert issubclass(remote_error_class, RemoteArtifactError)
    assert issubclass(DownloadTimeoutError, DownloadError)
    assert issubclass(RemoteArtifactNotFoundError, DataSetNotFoundError)


def test_unknown_filter_error_is_also_a_type_error() -> None:
    """An unexpected keyword is a TypeError too, as Python's own would be."""
    error = UnknownFilterError("CityStore", ["b", "a"], ["name"])
    assert isinstance(error, TypeError)
    assert (error.store, error.keywords, error.accepted) == ("CityStore", ("b", "a"), ("name",))
    assert str(error) == (
        "CityStore does not accept the keyword(s) b, a; it accepts: name"
        " (2.x ignored unknown keywords; see UPGRADING.md#stores)"
    )
    assert error.description == "unknown filter 'b', 'a'; filters accepted: name"


def test_data_set_error_names_data_set_path_and_origin() -> None:
    """Context is kept as attributes and written into the message."""
    error = NotADatabaseError(
        "corrupt", dataset="airports", path=Path("/data/a.sqlite"), origin="config sqlite.paths"
    )
    assert (error.reason, error.dataset, error.path, error.origin) == (
        "corrupt",
        "airports",
        "/data/a.sqlite",
        "config sqlite.paths",
    )
    assert str(error) == (
        "data set 'airports' at /data/a.sqlite (path from config sqlite.paths): corrupt"
    )


def test_data_set_error_context_is_keyword_only() -> None:
    """Context cannot be passed positionally by mistake."""
    with pytest.raises(TypeError):
        DataSetError("reason", "airports")  # type: ignore[call-arg]
    assert str(DataSetNotConfiguredError("no path", dataset="x")) == "data set 'x': no path"


def test_schema_mismatch_lists_every_difference() -> None:
    """SchemaMismatchError keeps the differences and names the data set."""
    error = SchemaMismatchError(["table a missing", "column b.c missing"], dataset="x", path="p")
    assert error.differences == ("table a missing", "column b.c missing")
    assert str(error) == (
        "data set 'x' at p: schema does not match its models: table a missing; column b.c missing"
    )


def test_build_input_error_locates_the_problem() -> None:
    """File, line and column appear in the message and as attributes."""
    error = BuildInputError("not an integer", file=Path("src/city.csv"), line=3, column="id")
    assert (error.file, error.line, error.column) == ("src/city.csv", 3, "id")
    assert str(error) == "src/city.csv:3: column 'id': not an integer"
    assert str(BuildInputError("empty", file="a.csv")) == "a.csv: empty"


def test_build_error_keeps_its_problems() -> None:
    """A failed build names its data set and output, and keeps every input problem."""
    problem = BuildInputError("bad", file="a.csv", line=2)
    error = BuildError("2 bad rows", dataset="x", output="out.sqlite", problems=[problem])
    assert error.problems == (problem,)
    assert str(error) == (
        "build of data set 'x' failed: 2 bad rows: a.csv:2: bad\n"
        "  (output out.sqlite, left as it was)"
    )
    assert str(BuildError("no room", dataset="x", output="out.sqlite")) == (
        "build of data set 'x' into out.sqlite failed: no room"
    )


def test_build_error_lists_its_first_problems_and_counts_the_others() -> None:
    """The message shows the first problem on its first line, then the next few, then how many
    more there are."""
    problems = [BuildInputError("bad", file="a.csv", line=line) for line in range(2, 10)]
    error = BuildError("8 problems in the sources", dataset="x", problems=problems)
    first, *others = str(error).splitlines()
    assert first == "build of data set 'x' failed: 8 problems in the sources: a.csv:2: bad"
    assert others == [
        *(f"  a.csv:{line}: bad" for line in range(3, 7)),
        "  and 3 more (the error's `problems` holds them all)",
    ]


# a server's folder and file, and where the path came from: what only developers may see
SECRET_PATH = "/srv/secret dir/airports.sqlite"
CONTEXT = {"dataset": "airports", "path": SECRET_PATH, "origin": "config sqlite.paths"}
URL = "https://host/airports.sqlite?sig=[redacted]#sha256=" + "a" * 64
REMOTE = {**CONTEXT, "path": URL}
INPUT_PROBLEM = BuildInputError("not an integer", file="/srv/secret dir/city.csv", line=3)

EXAMPLES: dict[type[SQLiteError], SQLiteError] = {
    SQLiteError: SQLiteError(f"data set 'airports' at {SECRET_PATH}: disk I/O", dataset="airports"),
    ModelNotFoundError: ModelNotFoundError("City 7 not found in data set 'airports'"),
    MultipleModelsFoundError: MultipleModelsFoundError("more than one City in data set 'x'"),
    ModelIntegrityError: ModelIntegrityError(
        f"data set 'airports' at {SECRET_PATH}: FOREIGN KEY constraint failed", dataset="airports"
    ),
    DuplicateModelError: DuplicateModelError(
        f"data set 'airports' at {SECRET_PATH}: UNIQUE constraint failed: city.id",
        dataset="airports",
    ),
    UnknownFilterError: UnknownFilterError("CityStore", ["colour"], ["name"], dataset="airports"),
    InvalidIdentifierError: InvalidIdentifierError(
        "CityStore", {"a": 1}, "unhashable type: 'dict'", dataset="airports"
    ),
    InvalidFilterValueError: InvalidFilterValueError(
        "CityStore", {"limit": -1}, "limit must be from 0", dataset="airports"
    ),
    DataSetCheckError: DataSetCheckError([NotADatabaseError("the file is corrupt", **CONTEXT)]),
    ConfigurationError: ConfigurationError("sqlite.cache_size_kib", -1, "0 or more"),
    DataSetError: DataSetError(f"cannot open {SECRET_PATH}", **CONTEXT),
    DataSetNotConfiguredError: DataSetNotConfiguredError(
        "no path configured", dataset="airports", hint="2.x fell back to :memory:"
    ),
    DataSetNotFoundError: DataSetNotFoundError(
        "no file exists at this path (3.x never creates one, as 2.x did: see UPGRADING.md)",
        **CONTEXT,
    ),
    NotADatabaseError: NotADatabaseError("the file is corrupt: malformed", **CONTEXT),
    ReadOnlyDataSetError: ReadOnlyDataSetError(
        "cannot flush changes (2.x wrote by default: see UPGRADING.md#config)", **CONTEXT
    ),
    UnreadableValueError: UnreadableValueError("City.population holds 'x'", **CONTEXT),
    SchemaMismatchError: SchemaMismatchError(["table city: column x is missing"], **CONTEXT),
    UntrustedArtifactError: UntrustedArtifactError("a view city (SELECT * FROM x)", **CONTEXT),
    RemoteArtifactError: RemoteArtifactError("cannot fetch", **REMOTE),
    UnpinnedURLError: UnpinnedURLError("no sha256", **REMOTE),
    RemoteSupportMissingError: RemoteSupportMissingError("pip install fsspec", **REMOTE),
    RemoteArtifactNotFoundError: RemoteArtifactNotFoundError("404", **REMOTE),
    DownloadError: DownloadError("connection refused", **REMOTE),
    DownloadTimeoutError: DownloadTimeoutError("no answer for 30 s", **REMOTE),
    HashMismatchError: HashMismatchError("a" * 64, "b" * 64, **REMOTE),
    ArtifactCacheError: ArtifactCacheError(f"cannot write {SECRET_PATH}", **REMOTE),
    BuildError: BuildError(
        "1 problem", dataset="airports", output=SECRET_PATH, problems=[INPUT_PROBLEM]
    ),
    BuildInputError: INPUT_PROBLEM,
    DumpError: DumpError(f"{SECRET_PATH}: table city holds a blob"),
}
# what a client's message never holds
PRIVATE = ("/srv", "secret dir", "host/", "sig=", "UPGRADING", "2.x", "SELECT", "config sqlite")


def test_every_error_has_an_example_below() -> None:
    """The faces are checked for every class of the tree."""
    assert set(EXAMPLES) == set(ERROR_CLASSES)


@pytest.mark.parametrize("error", list(EXAMPLES.values()), ids=lambda error: type(error).__name__)
def test_the_client_face_holds_no_path_url_sql_or_upgrade_note(error: SQLiteError) -> None:
    """`description`, which microcosm-flask sends, names the data set and nothing private."""
    for private in PRIVATE:
        assert private not in error.description, error.description
    if error.dataset is not None:
        assert error.description.startswith(f"data set {error.dataset!r}: ")
    assert error.description and len(error.description) <= 500
    # microcosm-flask's audit log keeps the stack, and so str(), for the server's failures
    assert error.include_stack_trace is (error.status_code >= 500)


@pytest.mark.parametrize(
    "error",
    [example for example in EXAMPLES.values() if "/srv" in Exception.__str__(example)],
    ids=lambda error: type(error).__name__,
)
def test_the_developer_face_keeps_everything(error: SQLiteError) -> None:
    """`str()` keeps the path and the origin (and, where there is one, the hint)."""
    assert "/srv/secret dir/" in str(error)
    if error.hint:
        assert str(error).endswith(f"({error.hint})")


def test_a_data_set_check_error_lists_each_problem_in_both_faces() -> None:
    """A failed check's client face lists each problem's client face; str() their full text."""
    error = EXAMPLES[DataSetCheckError]
    assert error.description == (
        "1 data set check failed: data set 'airports': its file is not a usable SQLite artifact"
    )
    assert SECRET_PATH in str(error)


def test_values_a_caller_gave_are_cut_short_and_escaped() -> None:
    """A megabyte filter value or a lone surrogate gives a short message that encodes as UTF-8."""
    error = InvalidFilterValueError("S", {"name": "x" * 1_000_000 + "\udc80"}, "too long")
    assert len(error.description) < 200
    error = InvalidFilterValueError("S", {"name": "\udc80"}, "encoding: '\udc80'")
    error.description.encode("utf-8")
    assert "'\\udc80'" in error.description
