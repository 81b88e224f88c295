"""
The public surface: a sorted `__all__` of importable names, and the modules the design names.

"""
from __future__ import annotations

import importlib
from importlib.resources import files

import pytest

import microcosm_sqlite

PUBLIC_MODULES = ["errors", "types", "models", "dataset", "stores", "paths", "engines", "factories"]


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


def test_documented_helpers_are_where_the_design_says() -> None:
    """EnumType, Truthy and IdentityMixin live in their documented modules."""
    from microcosm_sqlite.models import IdentityMixin
    from microcosm_sqlite.types import EnumType, Truthy

    assert (EnumType.__module__, Truthy.__module__, IdentityMixin.__module__) == (
        "microcosm_sqlite.types",
        "microcosm_sqlite.types",
        "microcosm_sqlite.models",
    )


def test_package_is_typed() -> None:
    """The package ships py.typed so type checkers use its annotations."""
    assert files("microcosm_sqlite").joinpath("py.typed").is_file()
