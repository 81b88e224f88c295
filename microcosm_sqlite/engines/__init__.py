"""
One data set's engine in one graph: `ReadOnlyEngine` for artifacts (the default, and always for
shipped data sets), `WritableEngine` where `sqlite.read_only` is false, both `DataSetEngine`s,
configured by `EngineOptions`. The `sqlite` graph component picks one, once, per data set.

"""

# ENGINE_INFO_KEY is not API: where a session keeps its engine, for Store() in new_context
from microcosm_sqlite.engines._base import ENGINE_INFO_KEY as ENGINE_INFO_KEY
from microcosm_sqlite.engines._base import DataSetEngine, EngineOptions
from microcosm_sqlite.engines._read_only import ReadOnlyEngine
from microcosm_sqlite.engines._writable import WritableEngine

__all__ = ["DataSetEngine", "EngineOptions", "ReadOnlyEngine", "WritableEngine"]
