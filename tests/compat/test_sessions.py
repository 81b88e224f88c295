"""
2.x's session contexts next to 3.x's: `new_context(graph)` with 2.x's open/close/commit/rollback
and `session`, with and without `with`; `SessionContext`; `Base.session`, `Base.local`,
`Base.resolve()`. Each warns at the line of this file that made the old call.

"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.runtime import Base, City, CityStore, Country, city_values
from sqlalchemy import text
from sqlalchemy.orm import Session

from microcosm_sqlite.errors import SQLiteError


@pytest.fixture
def writable(make_graph: Any, artifact: Path) -> Any:
    """A writable graph over a copy of the sample artifact, as 2.x's tests wrote."""
    copy = artifact.with_name("writable.sqlite")
    copy.write_bytes(artifact.read_bytes())
    return make_graph({"runtime": str(copy)}, read_only=False)


@pytest.fixture
def closes_2x_sessions() -> Iterator[None]:
    """A 2.x session left open by a test is closed after it, as its teardown would."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        session = Base.session
    if session is not None:
        session.close()


def new_ids(store: CityStore) -> set[object]:
    """Which of the cities the tests add (998, 999) the store finds."""
    return {city.id for city in store.get_many([998, 999])}


def warned_here(caught: pytest.WarningsRecorder) -> None:
    """Every warning caught names this file: the line that made the old call."""
    assert caught.list
    assert {Path(warning.filename) for warning in caught.list} == {Path(__file__)}


def test_3x_block_gives_a_session_that_commits_without_a_warning(writable: Any) -> None:
    """`with Base.new_context(graph) as session:` stays 3.x's: a Session, committed at the end."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with Base.new_context(writable) as session:
            assert isinstance(session, Session)
            CityStore().create(City(**city_values(999)))
    assert CityStore(writable).get(999).name == "city-999"


def test_3x_block_rolls_back_when_it_raises(writable: Any) -> None:
    """An error in a 3.x block leaves nothing of it behind."""
    with pytest.raises(RuntimeError), Base.new_context(writable):
        CityStore().create(City(**city_values(999)))
        raise RuntimeError("stop")
    assert new_ids(CityStore(writable)) == set()


def test_open_without_with_keeps_the_session_until_close(
    writable: Any, closes_2x_sessions: None
) -> None:
    """`context = new_context(graph).open()` (a setup method's 2.x style): commit() keeps."""
    with pytest.warns(DeprecationWarning, match=r"new_context\(graph\)\.open\(\)") as caught:
        context = Base.new_context(writable).open()
    warned_here(caught)
    assert isinstance(context.session, Session)
    CityStore().create(City(**city_values(998)))
    context.commit()
    CityStore().create(City(**city_values(999)))
    context.rollback()
    assert new_ids(CityStore()) == {998}
    context.close()
    assert context.session is None
    with pytest.raises(SQLiteError, match="no graph"):
        CityStore().count()
    assert new_ids(CityStore(writable)) == {998}


def test_open_with_with_closes_at_the_end_and_commits_only_when_told(writable: Any) -> None:
    """`with new_context(graph).open() as context:` is 2.x's context; it commits when told."""
    with pytest.warns(DeprecationWarning) as caught, Base.new_context(writable).open() as context:
        opened = context.session
        CityStore().create(City(**city_values(998)))
        context.commit()
        CityStore().create(City(**city_values(999)))
    warned_here(caught)
    assert len(caught) == 1
    assert isinstance(opened, Session)
    assert context.session is None
    assert new_ids(CityStore(writable)) == {998}


@pytest.mark.parametrize("method", ["session", "commit", "rollback", "close"])
def test_2x_methods_on_the_context_itself(
    writable: Any, method: str, closes_2x_sessions: None
) -> None:
    """open(), then session, commit(), rollback() or close() on the same object, as in 2.x."""
    context = Base.new_context(writable)
    with pytest.warns(DeprecationWarning):
        context.open()
    CityStore().create(City(**city_values(999)))
    with pytest.warns(DeprecationWarning, match=rf"new_context\(graph\)\.{method}") as caught:
        answer = getattr(context, method)
    warned_here(caught)
    if method == "session":
        assert isinstance(answer, Session)
    else:
        answer()
    still_open = method != "close"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert (Base.session is not None) is still_open
    assert new_ids(CityStore(writable)) == ({999} if method == "commit" else set())


def test_2x_methods_before_open_do_nothing(writable: Any) -> None:
    """Without an open session, session is None and commit, rollback and close do nothing."""
    context = Base.new_context(writable)
    with pytest.warns(DeprecationWarning):
        assert context.session is None
    for method in ("commit", "rollback", "close"):
        with pytest.warns(DeprecationWarning):
            getattr(context, method)()


def test_context_session_inside_a_3x_block_is_the_session(writable: Any) -> None:
    """`with new_context(graph) as context: context.session.add(...)`: 2.x's `as` in a 3.x block."""
    with Base.new_context(writable) as context:
        with pytest.warns(DeprecationWarning, match="context.session") as caught:
            session = context.session
        warned_here(caught)
        assert session is context
        session.add(City(**city_values(999)))
        context.commit()
    assert CityStore(writable).get(999).name == "city-999"


def test_2x_keywords_of_new_context(writable: Any) -> None:
    """expire_on_commit and defer_foreign_keys warn and apply, to 3.x blocks and to open()."""
    with pytest.warns(DeprecationWarning, match="defer_foreign_keys") as caught:
        context = Base.new_context(writable, expire_on_commit=True, defer_foreign_keys=True)
    warned_here(caught)
    with context as session:
        assert session.expire_on_commit is True
        # a city before its country: foreign keys are checked at commit
        session.add(City(id=999, name="x", country_code="ZZ", population=1))
        session.add(Country(code="ZZ", name="Zed", continent="ASIA"))
    assert CityStore(writable).get(999).country.name == "Zed"
    with pytest.warns(DeprecationWarning), Base.new_context(writable).open() as two_x:
        assert two_x.session.expire_on_commit is False
    with pytest.raises(TypeError, match="expire_on_comit"):
        Base.new_context(writable, expire_on_comit=True)


def test_session_context_shares_its_session_with_stores(writable: Any) -> None:
    """SessionContext opens a session that Store() calls see; changes last only if committed."""
    from microcosm_sqlite.context import SessionContext

    with pytest.warns(DeprecationWarning, match="SessionContext") as caught:
        context = SessionContext(writable, Base)
    warned_here(caught)
    with context:
        assert context.session is not None
        assert CityStore().get(1).id == 1
        CityStore().create(City(**city_values(999)))
        context.rollback()
        assert CityStore().count() == CityStore(writable).count()
    assert context.session is None
    with pytest.raises(SQLiteError, match="no graph"):
        CityStore().count()


def test_session_context_defers_foreign_keys_and_expires_on_commit(writable: Any) -> None:
    """SessionContext(..., expire_on_commit=True, defer_foreign_keys=True) applies both."""
    from microcosm_sqlite.context import SessionContext

    with pytest.warns(DeprecationWarning):
        context = SessionContext(writable, Base, expire_on_commit=True, defer_foreign_keys=True)
    with context:
        assert context.session is not None and context.session.expire_on_commit
        assert context.session.execute(text("PRAGMA defer_foreign_keys")).scalar() == 1
        CityStore().create(City(id=999, name="x", country_code="ZZ", population=1))
        context.session.add(Country(code="ZZ", name="Zed", continent="ASIA"))
        context.commit()
    assert CityStore(writable).get(999).country.name == "Zed"


def test_base_session_is_the_open_context_session(writable: Any) -> None:
    """`Base.session` gives the session of the open context (None outside one), with a warning."""
    from microcosm_sqlite.context import SessionContext

    with pytest.warns(DeprecationWarning, match="Base.session") as caught:
        assert Base.session is None
    warned_here(caught)
    with Base.new_context(writable) as session, pytest.warns(DeprecationWarning):
        assert Base.session is session
        assert City.session is session
    with pytest.warns(DeprecationWarning):
        context = SessionContext(writable, Base)
    with context, pytest.warns(DeprecationWarning):
        session = Base.session
        assert session is context.session
        assert session is not None and session.get(City, 1) is not None


def test_base_local_is_absent_as_in_2x_without_its_container() -> None:
    """`Base.local` warns and is missing: 3.x keeps per-thread sessions on the graph."""
    with pytest.warns(DeprecationWarning, match="Base.local") as caught:
        assert not hasattr(Base, "local")
    warned_here(caught)
    with pytest.warns(DeprecationWarning), pytest.raises(AttributeError, match="per-thread"):
        City.local  # noqa: B018


def test_resolve_gives_the_data_set_base() -> None:
    """`Model.resolve()` and `Base.resolve()` give the data set's base, with a warning."""
    with pytest.warns(DeprecationWarning, match="engine_for") as caught:
        assert City.resolve() is Base
    warned_here(caught)
    with pytest.warns(DeprecationWarning):
        assert Base.resolve() is Base
