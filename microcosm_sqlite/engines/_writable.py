"""
`WritableEngine`: a data set that can be written (`sqlite.read_only=false`), for tests and
2.x-style loads; never a shipped one.

"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import URL, Engine, create_engine
from sqlalchemy.pool import QueuePool

from microcosm_sqlite.artifact.dialect import ARTIFACT_DRIVER
from microcosm_sqlite.engines._base import DataSetEngine

__all__ = ["WritableEngine"]


class WritableEngine(DataSetEngine):
    """A writable data set's engine (`sqlite.read_only=False`): for tests and 2.x-style loads."""

    read_only = False

    def _file_engine(self) -> Engine:
        # a URL object, not a string: "?" or "#" in the path must not start a query
        return create_engine(
            URL.create(ARTIFACT_DRIVER, database=str(Path(self.path).resolve())),
            poolclass=QueuePool,
            pool_size=0,
            max_overflow=-1,
            connect_args={"check_same_thread": False},
            echo=self.options.echo,
        )
