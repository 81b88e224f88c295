"""
Every 2.x shim warns at the line of the code that made the old call (here: this file), with
one message prefix, so the filter UPGRADING.md gives finds every one of them: with `python -W`
and with pytest's `filterwarnings`.

"""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fixtures.runtime import Base, City, CityStore, Continent, Country
from sqlalchemy import select

from microcosm_sqlite import _legacy
from microcosm_sqlite.compat import PREFIX

ROOT = Path(__file__).resolve().parents[2]
FILTER = f"error:{PREFIX}:DeprecationWarning"


@dataclass
class Env:
    """A writable graph over a copy of the sample artifact."""

    graph: Any
    path: Path


class ExceptCityStore(CityStore):
    """A `_filter` written for 2.x's Query: `except_`, then the parent's filters."""

    def _filter(self, query: Any, exclude_country: str | None = None, **kwargs: Any) -> Any:
        if exclude_country is not None:
            query = query.except_(select(City).where(City.country_code == exclude_country))
        return super()._filter(query, **kwargs)


def new_object_id(env: Env) -> None:
    from microcosm_sqlite.identifiers import new_object_id

    new_object_id()


def naming_convention(env: Env) -> None:
    from microcosm_sqlite.constants import naming_convention  # noqa: F401


def builders_sqlite_builder(env: Env) -> None:
    from microcosm_sqlite.builders import SQLiteBuilder  # noqa: F401


def dumpers_sqlite_dumper(env: Env) -> None:
    from microcosm_sqlite.dumpers import SQLiteDumper  # noqa: F401


def session_context(env: Env) -> None:
    from microcosm_sqlite.context import SessionContext

    SessionContext(env.graph, Base)


def get_or_create_session(env: Env) -> None:
    from microcosm_sqlite.stores import GetOrCreateSession

    CityStore(GetOrCreateSession(env.graph)).count()


def get_session_keyword(env: Env) -> None:
    from microcosm_sqlite.stores import get_session

    store = CityStore(get_session=get_session)
    with Base.new_context(env.graph):
        get_session(store)


def get_session_set_later(env: Env) -> None:
    from microcosm_sqlite.stores import get_session

    store = CityStore()
    store.get_session = get_session  # type: ignore[attr-defined]
    store.get_session  # type: ignore[attr-defined]  # noqa: B018


def store_session(env: Env) -> None:
    CityStore(env.graph).session  # noqa: B018


def base_session(env: Env) -> None:
    Base.session  # noqa: B018


def base_local(env: Env) -> None:
    hasattr(Base, "local")


def resolve(env: Env) -> None:
    City.resolve()


def new_context_options(env: Env) -> None:
    with Base.new_context(env.graph, expire_on_commit=True):
        pass


def new_context_open(env: Env) -> None:
    context = Base.new_context(env.graph)
    context.open()
    context.session  # noqa: B018
    context.commit()
    context.rollback()
    context.close()


def context_session(env: Env) -> None:
    with Base.new_context(env.graph) as context:
        context.session  # noqa: B018


def setitem(env: Env) -> None:
    env.graph.sqlite["other"] = ":memory:"


def paths_and_datasets(env: Env) -> None:
    env.graph.sqlite.paths  # noqa: B018
    env.graph.sqlite.datasets  # noqa: B018


def unpacking(env: Env) -> None:
    _engine, _Session = env.graph.sqlite("runtime")


def filter_on_query(env: Env) -> None:
    ExceptCityStore(env.graph).count(exclude_country="DE", name="city-002")


def count_offset(env: Env) -> None:
    CityStore(env.graph).count(offset=1)


def delete_nothing(env: Env) -> None:
    context = Base.new_context(env.graph).open()
    try:
        CityStore().delete(name="nowhere")
    except Exception:
        pass
    finally:
        context.close()


def builder_options(env: Env) -> None:
    env.graph.sqlite_builder.csv(Country, commit_on_insert=True)


def builder_base_bulk(env: Env) -> None:
    env.graph.sqlite_builder.csv(Base).bulk()


def builder_default(env: Env) -> None:
    env.graph.sqlite_builder.csv(Country).default(continent="EUROPE")


def builder_bulk_of_a_model(env: Env) -> None:
    env.graph.sqlite_builder.csv(City).bulk()


def csv_builder(env: Env) -> None:
    from microcosm_sqlite.builders.csv import CSVBuilder

    CSVBuilder(env.graph, Country)


def padded_numbers(env: Env) -> None:
    source = io.StringIO("id,name,country_code,population\n 999,x,FR,1\n")
    env.graph.sqlite_builder.csv(City).build(source)


def dump_keywords(env: Env) -> None:
    env.graph.sqlite_dumper.csv(CityStore(env.graph)).dump(io.StringIO(), items=[])


def dump_model_cls(env: Env) -> None:
    env.graph.sqlite_dumper.csv(CityStore(env.graph), model_cls=Country)


def csv_dumper(env: Env) -> None:
    from microcosm_sqlite.dumpers.csv import CSVDumper

    CSVDumper(env.graph, CityStore(env.graph))


def empty_truthy(env: Env) -> None:
    with Base.new_context(env.graph) as session:
        session.add(Country(code="XX", name="X", continent=Continent.ASIA, landlocked=""))


# each old call, and the call styles it reaches through microcosm_sqlite._legacy
CASES: list[tuple[Callable[[Env], None], tuple[str, ...]]] = [
    (new_object_id, ()),
    (naming_convention, ()),
    (builders_sqlite_builder, ()),
    (dumpers_sqlite_dumper, ()),
    (session_context, ()),
    (
        get_or_create_session,
        ("microcosm_sqlite.stores.GetOrCreateSession", "Store(get_session=...)"),
    ),
    (get_session_keyword, ("microcosm_sqlite.stores.get_session", "Store(get_session=...)")),
    (get_session_set_later, ("store.get_session =", "store.get_session")),
    (store_session, ("Store.session",)),
    (base_session, ("Base.session",)),
    (base_local, ("Base.local",)),
    (resolve, ("Base.resolve()",)),
    (new_context_options, ("Base.new_context(graph, **options)", "apply new_context options")),
    (
        new_context_open,
        tuple(
            f"new_context(graph).{name}"
            for name in ("open", "session", "commit", "rollback", "close")
        ),
    ),
    (context_session, ("context.session",)),
    (setitem, ("graph.sqlite[name] = path",)),
    (paths_and_datasets, ("graph.sqlite.paths", "graph.sqlite.datasets")),
    (unpacking, ("engine, Session = graph.sqlite(name)",)),
    (filter_on_query, ("Store._filter(query) on 2.x's Query",)),
    (count_offset, ("Store.count(offset=, limit=)",)),
    (delete_nothing, ("Store.delete() matching nothing",)),
    (builder_options, ("graph.sqlite_builder.csv(Base, **options)",)),
    (builder_base_bulk, ("graph.sqlite_builder.csv(Base, **options)",)),
    (builder_default, ("csv(...).default",)),
    (builder_bulk_of_a_model, ("csv(...).bulk",)),
    (csv_builder, ()),
    (padded_numbers, ("sqlite_builder CSV numbers as 2.x read them",)),
    (dump_keywords, ("sqlite_dumper.csv(store).dump(fileobj, **keywords)",)),
    (dump_model_cls, ("sqlite_dumper.csv(store, model_cls=...)",)),
    (csv_dumper, ()),
    (empty_truthy, ('Truthy("")',)),
]


@pytest.fixture
def env(make_graph: Any, artifact: Path) -> Env:
    """A writable graph over a copy of the sample artifact."""
    copy = artifact.with_name("writable.sqlite")
    copy.write_bytes(artifact.read_bytes())
    return Env(make_graph({"runtime": str(copy)}, read_only=False), copy)


def test_every_call_style_has_a_case() -> None:
    """Each old call style the 2.x layer answers is among the cases below."""
    covered = {style for _, styles in CASES for style in styles}
    assert set(_legacy._handlers) == covered


@pytest.mark.parametrize(("case", "styles"), CASES, ids=[case.__name__ for case, _ in CASES])
def test_each_shim_warns_at_the_caller_s_line(
    env: Env,
    case: Callable[[Env], None],
    styles: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The old call warns with the prefix, at a line of this file, and reaches its call styles."""
    reached: set[str] = set()
    for style in styles:
        handler = _legacy._handlers[style]

        def counting(*args: Any, _style: str = style, _handler: Any = handler) -> Any:
            reached.add(_style)
            return _handler(*args)

        monkeypatch.setitem(_legacy._handlers, style, counting)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        case(env)
    ours = [warning for warning in caught if str(warning.message).startswith(PREFIX)]
    assert ours, [str(warning.message) for warning in caught]
    for warning in ours:
        assert warning.category is DeprecationWarning
        assert warning.filename == __file__, str(warning.message)
        assert str(warning.message).endswith("(see UPGRADING.md)")
    assert reached == set(styles)


def test_the_filter_upgrading_gives_is_the_one_tested() -> None:
    """UPGRADING.md tells readers this very filter, for python -W and for pytest."""
    guide = (ROOT / "UPGRADING.md").read_text(encoding="utf-8")
    assert f'-W "{FILTER}"' in guide
    assert f"filterwarnings = {FILTER}" in guide


def run_python(*arguments: str, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *arguments, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )


def test_python_w_filter_turns_each_old_call_into_an_error() -> None:
    """`python -W FILTER`: the old call raises at its line; other deprecations only warn."""
    old_call = """
        import warnings
        warnings.warn("another library's deprecation", DeprecationWarning)
        from microcosm_sqlite.identifiers import new_object_id
        print("reached")
        new_object_id()
        print("not reached")
    """
    result = run_python("-W", FILTER, code=old_call)
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["reached"]
    assert 'File "<string>", line 6' in result.stderr
    assert f"DeprecationWarning: {PREFIX} microcosm_sqlite.identifiers" in result.stderr
    quiet = run_python("-W", FILTER, code="import microcosm_sqlite; print('3.x only')")
    assert (quiet.returncode, quiet.stdout) == (0, "3.x only\n")


def test_pytest_filterwarnings_fails_the_tests_that_make_old_calls(tmp_path: Path) -> None:
    """`filterwarnings = FILTER` in pytest's config fails a test making an old call, only it."""
    (tmp_path / "pytest.ini").write_text(f"[pytest]\nfilterwarnings = {FILTER}\n")
    (tmp_path / "test_app.py").write_text(
        textwrap.dedent("""
            import warnings
            from uuid import uuid4

            def test_old_call():
                from microcosm_sqlite.identifiers import new_object_id
                new_object_id()

            def test_new_call():
                warnings.warn("another library's deprecation", DeprecationWarning)
                uuid4()
        """)
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stdout
    assert "FAILED test_app.py::test_old_call" in result.stdout
    assert "1 failed, 1 passed" in result.stdout
    assert f"DeprecationWarning: {PREFIX} microcosm_sqlite.identifiers" in result.stdout
