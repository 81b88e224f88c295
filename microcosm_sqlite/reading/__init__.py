"""
How a model's rows become instances: a `Reader` per model and engine, chosen once by the engine.

`OrmReader` reads through the ORM's public API. `FastReader` reads plain models of read-only data
sets without the ORM's query machinery: it works on this thread's `ThreadReads` (`threads`:
session, connection, recent `get`s), turns rows into instances with a `RowReader` (`rows`,
generated code), and keeps them in a `FastReadSession` (`sessions`), whose identity map finds
them. `probe` decides, once per process, whether this SQLAlchemy allows the fast path at all.

Nothing here reads an engine: what a reader needs (its thread's state, how to refuse a pending
change, the context errors name) is handed to it.

"""

from microcosm_sqlite.reading.readers import FastReader, OrmReader, Reader
from microcosm_sqlite.reading.sessions import FastReadSession

__all__ = ["FastReadSession", "FastReader", "OrmReader", "Reader"]
