"""
Read-only reference data shipped as SQLite files, for microcosm services.

"""

# first, so that an unsupported platform is refused before anything else runs
from microcosm_sqlite import _platform  # noqa: F401  isort: skip
from microcosm_sqlite.dataset import DataSet, DataSetBase
from microcosm_sqlite.dispose import dispose_sqlite_connections
from microcosm_sqlite.stores import Store

__all__ = [
    "DataSet",
    "DataSetBase",
    "Store",
    "dispose_sqlite_connections",
]
