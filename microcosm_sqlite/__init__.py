"""
Read-only reference data shipped as SQLite files, for microcosm services.

"""

# first, so that an unsupported platform is refused before anything else runs
from microcosm_sqlite import _platform  # noqa: F401  isort: skip
from microcosm_sqlite.dataset import DataSet, DataSetBase
from microcosm_sqlite.dispose import dispose_sqlite_connections
from microcosm_sqlite.stores import Store

# 2.x's call styles on these, answered by the 2.x layer through microcosm_sqlite._legacy
from microcosm_sqlite import compat  # noqa: F401  isort: skip

__all__ = [
    "DataSet",
    "DataSetBase",
    "Store",
    "dispose_sqlite_connections",
]
