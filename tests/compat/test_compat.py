"""2.x names keep working in 3.x, each with a DeprecationWarning naming its replacement."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fixtures.runtime import (
    City,
    CityStore,
    city_values,
)

from microcosm_sqlite.errors import (
    DataSetNotConfiguredError,
    DataSetNotFoundError,
    ModelNotFoundError,
    ReadOnlyDataSetError,
    SQLiteError,
    UnknownFilterError,
)


def test_new_object_id_gives_a_uuid_with_a_warning() -> None:
    """identifiers.new_object_id still gives a random UUID, and points to uuid4."""
    from microcosm_sqlite.identifiers import new_object_id

    with pytest.warns(DeprecationWarning, match="uuid4"):
        first = new_object_id()
    with pytest.warns(DeprecationWarning):
        second = new_object_id()
    assert isinstance(first, UUID) and first != second


def test_naming_convention_is_importable_with_a_warning() -> None:
    """constants.naming_convention keeps 2.x's keys, and says bases no longer apply it."""
    with pytest.warns(DeprecationWarning, match="naming_convention"):
        from microcosm_sqlite.constants import naming_convention
    assert sorted(naming_convention) == ["ck", "fk", "ix", "pk", "uq"]
    assert naming_convention["pk"] == "pk_%(table_name)s"


def test_include_stack_trace_is_false_for_client_errors_as_in_2x() -> None:
    """
    microcosm-flask's audit log reads include_stack_trace on errors, without a warning: false for
    4xx errors, as 2.x had it for all; true for the server's failures, whose detail the client's
    message no longer carries.

    """
    assert ModelNotFoundError("x").include_stack_trace is False
    assert SQLiteError("x").include_stack_trace is True


def test_data_set_not_configured_is_a_key_error_with_a_readable_message() -> None:
    """2.x code catching KeyError for an unknown name keeps working; str() is not quoted."""
    error = DataSetNotConfiguredError("no path", dataset="x")
    assert isinstance(error, KeyError)
    assert str(error) == "data set 'x': no path"
    with pytest.raises(KeyError):
        raise error


# --- behaviour 3.x refuses on purpose: the error says what changed and where to read more ------


def test_missing_file_points_to_the_upgrade_guide(make_graph: Any, tmp_path: Path) -> None:
    """2.x created an empty file for a missing path; 3.x refuses and says so."""
    missing = tmp_path / "missing.sqlite"
    graph = make_graph({"runtime": str(missing)})
    with pytest.raises(DataSetNotFoundError, match=r"never creates.*UPGRADING\.md#config"):
        CityStore(graph).count()
    assert not missing.exists()


def test_unconfigured_name_points_to_the_upgrade_guide(make_graph: Any) -> None:
    """2.x fell back to :memory: for a name with no path; 3.x refuses and says so."""
    graph = make_graph({})
    with pytest.raises(DataSetNotConfiguredError, match=r":memory:.*UPGRADING\.md#config"):
        CityStore(graph).count()


def test_unknown_filter_keyword_points_to_the_upgrade_guide(graph: Any) -> None:
    """2.x ignored an unknown keyword and matched everything; 3.x refuses and says so."""
    with pytest.raises(UnknownFilterError, match=r"2\.x ignored.*UPGRADING\.md#stores"):
        CityStore(graph).search(nmae="city-001")


def test_write_to_read_only_data_set_points_to_the_upgrade_guide(graph: Any) -> None:
    """2.x wrote by default; 3.x data sets are read-only unless the config says otherwise."""
    with pytest.raises(ReadOnlyDataSetError, match=r"read_only=False.*UPGRADING\.md#config"):
        CityStore(graph).create(City(**city_values(999)))


def test_models_may_name_columns_session_and_local() -> None:
    """The shims give way to a model's own columns of those names, without a warning."""
    from sqlalchemy import Column, Integer, String

    from microcosm_sqlite import DataSet

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        base = DataSet.create("compat_columns")

        class Meeting(base):  # type: ignore[valid-type, misc]
            __tablename__ = "meeting"
            id = Column(Integer, primary_key=True)
            session = Column(String)
            local = Column(String)

        meeting = Meeting(session="morning", local="room 1")
    assert (meeting.session, meeting.local) == ("morning", "room 1")
    assert list(Meeting.__table__.columns.keys()) == ["id", "session", "local"]


# --- done when: a 2.x application runs unchanged, with only deprecation warnings -----------------


def test_an_application_written_for_2x_runs_with_deprecation_warnings_only(
    tmp_path: Path,
) -> None:
    """
    tests/compat/app_2x.py, in 2.x's README and API style (plus read_only=False where it
    writes), runs in a child process where any other warning is an error; every warning ours
    raises points at the application's line, names a replacement and the upgrade guide.

    """
    script = Path(__file__).with_name("app_2x.py")
    result = subprocess.run(
        [sys.executable, "-W", "error", "-W", "always::DeprecationWarning", script, tmp_path],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "people 4",
        "search ['Andrew', 'Draymond', 'Klay', 'Stephen']",
        "filter ['Stephen']",
        "first Andrew one Klay",
        "not found",
        "dogs [('Reza', 'Stephen'), ('Rocco', 'Klay')]",
        "resolve True True",
        "context 4",
        "thread 4",
        "session 2 sqlite app_2x.sqlite",
        "dump '1,Stephen,Curry\\r\\n'",
        "id 36",
    ]
    ours = [
        line
        for line in result.stderr.splitlines()
        if "microcosm_sqlite" in line or "app_2x.py" in line
    ]
    warned = [line for line in ours if "Warning: " in line]
    assert len(warned) >= 12
    for line in warned:
        assert "app_2x.py:" in line and "DeprecationWarning: " in line, line
        assert "microcosm-sqlite 3.0 deprecates " in line and "(see UPGRADING.md)" in line, line
