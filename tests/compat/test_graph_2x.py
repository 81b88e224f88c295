"""
2.x's call styles on the graph's `sqlite` component (`graph.sqlite[name]` and its assignment,
`.paths`, `.datasets`, unpacking `graph.sqlite(name)`), and `dispose_sqlite_connections`, which
asks each data set base, as 2.x did.

"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from fixtures.runtime import CITY_COUNT, Base, City, CityStore, Note, NotesBase, NoteStore
from sqlalchemy import Column, Integer
from sqlalchemy.orm import DeclarativeBase

from microcosm_sqlite import DataSet, DataSetBase, dispose_sqlite_connections


def test_graph_sqlite_unpacks_into_engine_and_session_maker(graph: Any) -> None:
    """`engine, Session = graph.sqlite(name)` gives a SQLAlchemy engine and its session maker."""
    with pytest.warns(DeprecationWarning, match="new_session") as caught:
        engine, Session = graph.sqlite("runtime")
    assert caught[0].filename == __file__
    assert engine is graph.sqlite("runtime").engine
    assert Session.kw["bind"] is engine
    with Session() as session:
        assert session.get(City, 1) is not None


def test_graph_sqlite_paths_and_datasets(graph: Any, artifact: Path) -> None:
    """`graph.sqlite.paths` and `.datasets` list configured paths and opened data sets."""
    CityStore(graph).get(1)
    with pytest.warns(DeprecationWarning, match="graph.sqlite.paths") as caught:
        paths = graph.sqlite.paths
    assert caught[0].filename == __file__
    assert paths["runtime"] == str(artifact)
    with pytest.warns(DeprecationWarning, match="graph.sqlite.datasets"):
        datasets = graph.sqlite.datasets
    assert datasets["runtime"] is graph.sqlite("runtime")


@pytest.mark.parametrize("read_only", [True, False])
def test_getitem_of_an_unknown_name_is_a_key_error(make_graph: Any, read_only: bool) -> None:
    """`graph.sqlite["unknown"]` is a KeyError, even where `graph.sqlite(name)` would fall back."""
    graph = make_graph({}, read_only=read_only)
    with pytest.raises(KeyError, match="no path configured"):
        graph.sqlite["unknown"]


def test_getitem_gives_a_configured_path_without_opening_it(
    make_graph: Any, tmp_path: Path
) -> None:
    """A configured name's path comes back as configured, whether or not a file is there."""
    path = str(tmp_path / "nothing-yet.sqlite")
    graph = make_graph({"runtime": path})
    assert graph.sqlite["runtime"] == path
    assert not Path(path).exists()


def test_setitem_registers_a_path_before_first_use(make_graph: Any, artifact: Path) -> None:
    """`graph.sqlite[name] = path` works before the data set is used, and is refused after."""
    graph = make_graph({})
    with pytest.warns(DeprecationWarning, match="sqlite.paths") as caught:
        graph.sqlite["runtime"] = str(artifact)
    assert caught[0].filename == __file__
    assert graph.sqlite["runtime"] == str(artifact)
    assert CityStore(graph).get(1).id == 1
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="already in use"):
        graph.sqlite["runtime"] = str(artifact)


def test_setitem_memory_then_unpack_as_2x_did(make_graph: Any) -> None:
    """`graph.sqlite["x"] = ":memory:"`: the path reads back, the engine's URL is 2.x's."""
    graph = make_graph({}, read_only=True)
    with pytest.warns(DeprecationWarning):
        graph.sqlite["scratch"] = ":memory:"
    assert graph.sqlite["scratch"] == ":memory:"
    writable = make_graph({}, read_only=False)
    with pytest.warns(DeprecationWarning):
        writable.sqlite["scratch"] = ":memory:"
    with pytest.warns(DeprecationWarning):
        engine, Session = writable.sqlite("scratch")
    # an in-memory SQLite database, read and written through the artifact dialect
    assert engine.url.get_backend_name() == "sqlite"
    assert engine.url.database == ":memory:"
    assert Session.kw["bind"] is engine


# --- dispose_sqlite_connections -----------------------------------------------------------------


class Common(DataSetBase):
    """An application's own class between DataSetBase and a base."""


class IntermediateBase(Common, DeclarativeBase, dataset="compat_intermediate"):
    """A data set's base declared through an intermediate class."""


class Extra(IntermediateBase):
    __tablename__ = "extra"

    id = Column(Integer, primary_key=True)


def test_dispose_asks_each_base_of_each_opened_data_set(make_graph: Any, artifact: Path) -> None:
    """Each base of a data set the graph opened gets `dispose(graph)` once; others are not asked."""
    graph = make_graph({"runtime": str(artifact)}, read_only=False)
    CityStore(graph).count()
    IntermediateBase.create_all(graph)
    unused = DataSet.create("compat_unused")
    with (
        patch.object(Base, "dispose") as base_dispose,
        patch.object(IntermediateBase, "dispose") as intermediate_dispose,
        patch.object(NotesBase, "dispose") as notes_dispose,
        patch.object(unused, "dispose") as unused_dispose,
    ):
        dispose_sqlite_connections(graph)
    base_dispose.assert_called_once_with(graph)
    intermediate_dispose.assert_called_once_with(graph)
    notes_dispose.assert_not_called()
    unused_dispose.assert_not_called()


def test_every_data_set_is_usable_after_dispose(
    make_graph: Any, artifact: Path, tmp_path: Path
) -> None:
    """After dispose, read-only and writable data sets read (and write) again."""
    graph = make_graph({"runtime": str(artifact), "notes": str(tmp_path / "notes.sqlite")})
    writable = make_graph({"notes": str(tmp_path / "notes.sqlite")}, read_only=False)
    NotesBase.create_all(writable)
    NoteStore(writable).create(Note(id=1, text="before"))
    assert CityStore(graph).count() == CITY_COUNT
    assert NoteStore(graph).get(1).text == "before"
    dispose_sqlite_connections(graph)
    dispose_sqlite_connections(writable)
    assert CityStore(graph).count() == CITY_COUNT
    assert NoteStore(graph).get(1).text == "before"
    with NotesBase.new_context(writable):
        NoteStore().create(Note(id=2, text="after"))
    assert [note.text for note in NoteStore(writable).search()] == ["before", "after"]
