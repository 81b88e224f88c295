"""
The one table from SQLite's and SQLAlchemy's errors to this library's: each rule on errors SQLite
really raises, raw or wrapped; input errors become the caller's 400 only when a caller can name
the input; and no runtime module catches SQLite's errors on its own.

"""

from __future__ import annotations

import ast
import enum
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, create_engine, select
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import DeclarativeBase

import microcosm_sqlite
from microcosm_sqlite._error_mapping import (
    MAX_VALUE_BYTES,
    table_error,
    translate_error,
    translating,
)
from microcosm_sqlite.artifact import defences
from microcosm_sqlite.errors import (
    DuplicateModelError,
    InvalidFilterValueError,
    ModelIntegrityError,
    NotADatabaseError,
    ReadOnlyDataSetError,
    SQLiteError,
    UnreadableValueError,
    UntrustedArtifactError,
)
from microcosm_sqlite.types import EnumType

CONTEXT = {"dataset": "things", "path": "/data/things.sqlite", "origin": "config sqlite.paths"}
PACKAGE = Path(microcosm_sqlite.__file__).parent
# the runtime's modules, which leave every SQLite error to the table
RUNTIME = [
    PACKAGE / "stores.py",
    *sorted((PACKAGE / "engines").glob("*.py")),
    *sorted((PACKAGE / "reading").glob("*.py")),
]


def refused(reason: str) -> SQLiteError:
    """A caller's 400, as a Store makes it."""
    return InvalidFilterValueError("ThingStore", {"name": "x"}, reason)


def raised(action: Callable[[], Any]) -> BaseException:
    """What an action raises."""
    with pytest.raises(BaseException) as caught:
        action()
    return caught.value


# connections the helpers below open, closed after each test (Python 3.13 warns of any left to
# the garbage collector, in whichever test it runs)
OPENED: list[sqlite3.Connection] = []


@pytest.fixture(autouse=True)
def close_connections() -> Iterator[None]:
    """Closes the connections a test's helpers opened."""
    yield
    while OPENED:
        OPENED.pop().close()


def connect(database: str | Path, **options: Any) -> sqlite3.Connection:
    """A connection closed when the test ends."""
    OPENED.append(sqlite3.connect(database, **options))
    return OPENED[-1]


def memory(*statements: str) -> sqlite3.Connection:
    """An in-memory database with these statements run."""
    connection = connect(":memory:")
    for statement in statements:
        connection.execute(statement)
    return connection


def duplicate() -> BaseException:
    things = memory("CREATE TABLE thing (id INTEGER PRIMARY KEY)", "INSERT INTO thing VALUES (1)")
    return raised(lambda: things.execute("INSERT INTO thing VALUES (1)"))


def foreign_key() -> BaseException:
    things = memory(
        "PRAGMA foreign_keys = ON",
        "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))",
    )
    return raised(lambda: things.execute("INSERT INTO child VALUES (1, 2)"))


def read_only(tmp_path: Path) -> BaseException:
    path = tmp_path / "things.sqlite"
    memory().execute(f"VACUUM INTO '{path}'")
    connection = connect(f"{path.as_uri()}?mode=ro", uri=True)
    return raised(lambda: connection.execute("CREATE TABLE thing (id INTEGER)"))


def not_a_database(tmp_path: Path) -> BaseException:
    path = tmp_path / "garbage.sqlite"
    path.write_bytes(b"not SQLite at all " * 512)
    return raised(lambda: connect(path).execute("SELECT * FROM sqlite_schema"))


def too_big() -> BaseException:
    connection = memory()
    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 10)
    return raised(lambda: connection.execute("SELECT ?", ("x" * 100,)))


@pytest.mark.parametrize(
    ("make", "expected", "words"),
    [
        (lambda tmp: duplicate(), DuplicateModelError, "UNIQUE constraint failed"),
        (lambda tmp: foreign_key(), ModelIntegrityError, "FOREIGN KEY constraint failed"),
        (read_only, ReadOnlyDataSetError, "SQLite refused a write"),
        (not_a_database, NotADatabaseError, "the file is corrupt: file is not a database"),
        (lambda tmp: too_big(), UntrustedArtifactError, "larger than 64.0 MiB"),
    ],
    ids=["duplicate", "integrity", "read-only", "not-a-database", "too-big"],
)
def test_sqlite_errors_raw_or_wrapped_become_ours(
    tmp_path: Path, make: Any, expected: type[SQLiteError], words: str
) -> None:
    """Each rule maps the error SQLite raises, and the same one wrapped by SQLAlchemy, alike."""
    error = make(tmp_path)
    assert isinstance(error, sqlite3.Error)
    wrapped = DBAPIError.instance("SELECT 1", (), error, sqlite3.Error)
    for given in (error, wrapped):
        translated = translate_error(given, CONTEXT)
        assert type(translated) is expected
        assert words in str(translated)
        assert "/data/things.sqlite" in str(translated) and "SELECT" not in str(translated)


def test_the_limit_the_table_names_is_the_one_readers_set() -> None:
    """The 64 MiB in the error is the limit every reader's connection gets."""
    assert defences.LIMITS[sqlite3.SQLITE_LIMIT_LENGTH] == MAX_VALUE_BYTES == 64 * 1024 * 1024


def test_text_that_is_not_utf8_is_a_corrupt_file() -> None:
    """A UnicodeDecodeError from SQLite's text is the file's: NotADatabaseError in context."""
    error = raised(lambda: b"\xff".decode("utf-8"))
    translated = translate_error(error, CONTEXT)
    assert isinstance(translated, NotADatabaseError)
    assert "not UTF-8" in str(translated) and translated.dataset == "things"


class Kind(enum.Enum):
    A = "a"
    B = "b"


class Base(DeclarativeBase):
    pass


class Thing(Base):
    __tablename__ = "thing"

    id = Column(Integer, primary_key=True)
    kind: Column[enum.Enum] = Column(EnumType(Kind))


def input_errors() -> list[BaseException]:
    """What binding a value SQLite cannot take raises, raw and through SQLAlchemy."""
    connection = memory("CREATE TABLE thing (id INTEGER PRIMARY KEY, kind TEXT)")
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with engine.connect() as orm:
        bad_enum = raised(lambda: orm.execute(select(Thing).where(Thing.kind == "C")))
        bad_type = raised(lambda: orm.execute(select(Thing).where(Thing.id == {"a": 1})))
    engine.dispose()
    return [
        raised(lambda: connection.execute("SELECT ?", ("F\udc80",))),
        raised(lambda: connection.execute("SELECT ?", (2**63,))),
        raised(lambda: connection.execute("SELECT ?", ({"a": 1},))),
        bad_enum,
        bad_type,
    ]


@pytest.mark.parametrize("index", range(5), ids=["surrogate", "int64", "dict", "enum", "wrapped"])
def test_input_sqlite_cannot_take_is_the_callers_400(index: int) -> None:
    """With a caller to name it, a value SQLite cannot bind becomes its 400, naming no file."""
    error = input_errors()[index]
    assert not isinstance(error, SQLiteError)
    translated = table_error(error, CONTEXT, refused=refused)
    assert isinstance(translated, InvalidFilterValueError)
    assert translated.status_code == 400
    assert "things.sqlite" not in str(translated) and "SELECT" not in str(translated)
    # with nobody to name the input, no rule claims it: an engine's listener leaves it be
    assert table_error(error, CONTEXT) is None
    with pytest.raises(type(error)), translating(CONTEXT):
        raise error


def test_the_enum_refusal_says_why() -> None:
    """The reason is the bind processor's own words, without SQLAlchemy's additions."""
    error = input_errors()[3]
    assert isinstance(error, StatementError)
    translated = table_error(error, CONTEXT, refused=refused)
    assert str(translated).endswith("'C' is not a Kind (choose from: A, B)")


def test_a_value_error_while_reading_rows_is_unreadable() -> None:
    """Only while rows of a model are read does a value error mean a damaged stored value."""
    error = ValueError("'A\\x07IA' is not a Continent")
    translated = table_error(error, CONTEXT, reading="Country")
    assert isinstance(translated, UnreadableValueError)
    assert str(translated) == (
        "data set 'things' at /data/things.sqlite (path from config sqlite.paths): a value of"
        " Country cannot be read: 'A\\x07IA' is not a Continent"
    )
    assert table_error(error, CONTEXT) is None


def test_translating_leaves_other_errors_and_ours_alone() -> None:
    """Errors no rule is about, and this library's own, pass through the block unchanged."""
    ours = ModelIntegrityError("already ours")
    for error in (KeyError("x"), ours):
        with pytest.raises(type(error)) as caught, translating(CONTEXT, refused=refused):
            raise error
        assert caught.value is error


def test_translating_chains_the_original() -> None:
    """A translated error is raised from SQLite's, so the traceback keeps both."""
    with pytest.raises(DuplicateModelError) as caught, translating(CONTEXT):
        raise duplicate()
    assert isinstance(caught.value.__cause__, sqlite3.IntegrityError)


def test_any_other_sqlite_error_still_names_the_data_set() -> None:
    """An error no rule knows is a plain SQLiteError naming the data set and path."""
    error = raised(lambda: memory().execute("SELECT * FROM nowhere"))
    assert str(translate_error(error, CONTEXT)) == (
        "data set 'things' at /data/things.sqlite: no such table: nowhere"
    )


def caught_names(handler: ast.ExceptHandler) -> set[str]:
    """The names an except clause catches (`sqlite3.Error` gives sqlite3 and Error)."""
    if handler.type is None:
        return set()
    return {
        node.id if isinstance(node, ast.Name) else node.attr
        for node in ast.walk(handler.type)
        if isinstance(node, ast.Name | ast.Attribute)
    }


@pytest.mark.parametrize("path", RUNTIME, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_no_runtime_module_catches_sqlite_errors_itself(path: Path) -> None:
    """Stores, engines and readers leave SQLite's and SQLAlchemy's errors to the one table."""
    foreign = {
        "sqlite3",
        "DBAPIError",
        "StatementError",
        "SQLAlchemyError",
        "UnicodeDecodeError",
        "UnicodeEncodeError",
        "TypeError",
        "ValueError",
    }
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler):
            assert not caught_names(node) & foreign, f"{path.name}:{node.lineno}"
