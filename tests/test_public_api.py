"""
The public surface: what users import, from the package and from the modules the design
names, not where the code behind it lives.

"""
from __future__ import annotations

import importlib
from importlib.resources import files

import pytest

import microcosm_sqlite

PUBLIC_MODULES = [
    "errors", "types", "models", "dataset", "stores", "paths", "engines", "factories", "build"
]
# what `microcosm_sqlite.build` offers: the README's `build_artifact` and `build_from_rows`
BUILD_API = ["BuildProgress", "BuildReport", "build_artifact", "build_from_rows", "find_base"]


def test_all_is_sorted_and_unique() -> None:
    """__all__ is sorted, with no duplicates."""
    assert microcosm_sqlite.__all__ == sorted(set(microcosm_sqlite.__all__))


def test_the_designed_names_are_exported() -> None:
    """DataSet, Store and dispose_sqlite_connections come from the package itself."""
    assert {"DataSet", "Store", "dispose_sqlite_connections"} <= set(microcosm_sqlite.__all__)


@pytest.mark.parametrize("name", microcosm_sqlite.__all__)
def test_every_exported_name_imports(name: str) -> None:
    """Each name in __all__ is an attribute of the package."""
    assert getattr(microcosm_sqlite, name) is not None


def test_star_import_gives_exactly_all() -> None:
    """`from microcosm_sqlite import *` binds the names in __all__ and no others."""
    namespace: dict[str, object] = {}
    exec("from microcosm_sqlite import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(microcosm_sqlite.__all__)


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_modules_import_and_say_what_they_are_for(module: str) -> None:
    """Each runtime module imports and has a docstring."""
    imported = importlib.import_module(f"microcosm_sqlite.{module}")
    assert (imported.__doc__ or "").strip()


def test_documented_helpers_import_from_their_documented_modules() -> None:
    """EnumType, Truthy and IdentityMixin import from the modules the README names."""
    from microcosm_sqlite.models import IdentityMixin
    from microcosm_sqlite.types import EnumType, Truthy

    assert all(isinstance(helper, type) for helper in (EnumType, Truthy, IdentityMixin))


def test_the_build_api_is_what_build_exports() -> None:
    """`microcosm_sqlite.build.__all__` is the build API, sorted, and each name imports."""
    build = importlib.import_module("microcosm_sqlite.build")
    assert build.__all__ == BUILD_API
    assert all(getattr(build, name) is not None for name in build.__all__)


def test_star_import_of_build_gives_exactly_its_all() -> None:
    """`from microcosm_sqlite.build import *` binds the build API and no other name."""
    namespace: dict[str, object] = {}
    exec("from microcosm_sqlite.build import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(BUILD_API)


def test_package_is_typed() -> None:
    """The package ships py.typed so type checkers use its annotations."""
    assert files("microcosm_sqlite").joinpath("py.typed").is_file()
