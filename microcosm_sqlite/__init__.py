"""
Read-only reference data shipped as SQLite files, for microcosm services.

"""

from microcosm_sqlite.dataset import DataSet, DataSetBase
from microcosm_sqlite.dispose import dispose_sqlite_connections
from microcosm_sqlite.stores import Store

__all__ = [
    "DataSet",
    "DataSetBase",
    "Store",
    "dispose_sqlite_connections",
]
