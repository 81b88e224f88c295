"""
The factories of the graph components `sqlite_builder` and `sqlite_dumper`, which microcosm
loads with every graph: light, so a service that only reads never imports the build or the
tools they stand on (`builder`, `dumper`), which load when the component is first used.

"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from microcosm.api import defaults, typed
from microcosm.config.types import boolean

from microcosm_sqlite.errors import ConfigurationError

if TYPE_CHECKING:
    from microcosm_sqlite.components.builder import SQLiteBuilder
    from microcosm_sqlite.components.dumper import SQLiteDumper

__all__ = ["configure_sqlite_builder", "configure_sqlite_dumper"]


@defaults(  # type: ignore[untyped-decorator, no-untyped-call]
    # stop a load after this many problems with its input
    max_errors=typed(int, default_value=20),
    # skip source columns that the models do not have, instead of failing
    ignore_unknown_columns=typed(boolean, default_value=False),
)
def configure_sqlite_builder(graph: Any) -> SQLiteBuilder:
    """`graph.sqlite_builder.csv(Model).build(fileobj)`: loads sources into writable data sets."""
    from microcosm_sqlite.components.builder import SQLiteBuilder

    config = graph.config.sqlite_builder
    if not isinstance(config.max_errors, int) or config.max_errors < 1:
        raise ConfigurationError(
            "sqlite_builder.max_errors", config.max_errors, "a whole number, 1 or more"
        )
    return SQLiteBuilder(
        graph,
        max_errors=config.max_errors,
        ignore_unknown_columns=config.ignore_unknown_columns,
    )


def configure_sqlite_dumper(graph: Any) -> SQLiteDumper:
    """`graph.sqlite_dumper.csv(store).dump(fileobj)`: writes a Store's rows as sources."""
    from microcosm_sqlite.components.dumper import SQLiteDumper

    return SQLiteDumper(graph)
