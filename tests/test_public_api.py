"""
The public surface: what users import, from the package and from the modules the design
names, not where the code behind it lives.

"""

from __future__ import annotations

import importlib
import warnings
from importlib.resources import files
from pathlib import Path

import pytest

import microcosm_sqlite

PACKAGE = Path(microcosm_sqlite.__file__).parent

# what users import from each public module: the names, not where the code behind them lives
PUBLIC_API = {
    "microcosm_sqlite": ["DataSet", "DataSetBase", "Store", "dispose_sqlite_connections"],
    "microcosm_sqlite.building": [
        "BuildProgress",
        "BuildReport",
        "build_artifact",
        "build_from_rows",
    ],
    "microcosm_sqlite.checks": [
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
    ],
    "microcosm_sqlite.cli": ["cli", "main"],
    "microcosm_sqlite.dataset": ["DataSet", "DataSetBase", "DataSetContext", "data_set_bases"],
    "microcosm_sqlite.engines": [
        "DataSetEngine",
        "EngineOptions",
        "ReadOnlyEngine",
        "WritableEngine",
    ],
    "microcosm_sqlite.errors": [
        "ArtifactCacheError",
        "BuildError",
        "BuildInputError",
        "ConfigurationError",
        "DataSetCheckError",
        "DataSetError",
        "DataSetNotConfiguredError",
        "DataSetNotFoundError",
        "DownloadError",
        "DownloadTimeoutError",
        "DumpError",
        "DuplicateModelError",
        "HashMismatchError",
        "InvalidFilterValueError",
        "InvalidIdentifierError",
        "ModelIntegrityError",
        "ModelNotFoundError",
        "MultipleModelsFoundError",
        "NotADatabaseError",
        "ReadOnlyDataSetError",
        "RemoteArtifactError",
        "RemoteArtifactNotFoundError",
        "RemoteSupportMissingError",
        "SQLiteError",
        "SchemaMismatchError",
        "UnknownFilterError",
        "UnpinnedURLError",
        "UnreadableValueError",
        "UntrustedArtifactError",
    ],
    "microcosm_sqlite.fulltext": [
        "FullText",
        "declared_indexes",
        "fulltext_of",
        "index_name",
    ],
    "microcosm_sqlite.models": ["IdentityMixin"],
    "microcosm_sqlite.stores": ["Store"],
    "microcosm_sqlite.testing": ["sqlite_artifact", "sqlite_graph"],
    "microcosm_sqlite.tools": [
        "ArtifactInfo",
        "create_data_package",
        "diff_artifacts",
        "draft_models",
        "dump_artifact",
        "dump_to_stream",
        "get_row",
        "git_setup",
        "inspect_artifact",
        "query_artifact",
        "table_rows",
        "verify_artifact",
        "write_textconv",
    ],
    "microcosm_sqlite.types": ["EnumType", "Truthy"],
}


@pytest.mark.parametrize("module", sorted(PUBLIC_API))
def test_each_public_module_exports_exactly_its_api(module: str) -> None:
    """A public module's __all__ is its API, sorted; each name imports and says what it is."""
    imported = importlib.import_module(module)
    assert (imported.__doc__ or "").strip()
    assert imported.__all__ == PUBLIC_API[module] == sorted(set(PUBLIC_API[module]))
    for name in imported.__all__:
        assert (getattr(imported, name).__doc__ or "").strip(), name


@pytest.mark.parametrize("module", sorted(PUBLIC_API))
def test_star_import_gives_exactly_the_api(module: str) -> None:
    """`from <module> import *` binds the module's API and no other name."""
    namespace: dict[str, object] = {}
    exec(f"from {module} import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(PUBLIC_API[module])


def test_the_designed_names_are_exported() -> None:
    """DataSet, Store and dispose_sqlite_connections come from the package itself."""
    assert {"DataSet", "Store", "dispose_sqlite_connections"} <= set(microcosm_sqlite.__all__)


def test_package_is_typed() -> None:
    """The package ships py.typed so type checkers use its annotations."""
    assert files("microcosm_sqlite").joinpath("py.typed").is_file()


def public_modules() -> list[str]:
    """Every module of the package no part of whose name starts with `_` (scripts aside)."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not any(part.startswith("_") for part in parts):
            names.append(".".join(parts))
    return names


@pytest.mark.parametrize("module", public_modules())
def test_every_public_module_declares_its_names(module: str) -> None:
    """A module users may import says what it offers in `__all__`, and each name exists."""
    with warnings.catch_warnings():
        # the 2.x module paths warn on import and on their old names, which is what they are for
        warnings.simplefilter("ignore", DeprecationWarning)
        imported = importlib.import_module(module)
        declared = getattr(imported, "__all__", None)
        missing = [name for name in declared or () if not hasattr(imported, name)]

    assert isinstance(declared, list)
    assert missing == []
