"""
The fast read path: rows of plain, read-only models straight into instances, with the ORM's
identity kept.

`Store` asks a `FastReader` for a key, a batch of keys or a statement's rows; the reader works
on this thread's `ThreadReads` (session, connection, recent `get`s), turns rows into instances
with a `RowReader`, and keeps them in a `FastReadSession`, whose identity map finds them. Models
the fast path cannot read, and writable data sets, take the ORM's own path.

"""

from microcosm_sqlite.reading.reader import FastReader
from microcosm_sqlite.reading.rows import RowReader
from microcosm_sqlite.reading.sessions import DeferredState, FastReadSession
from microcosm_sqlite.reading.threads import ThreadReads

__all__ = ["DeferredState", "FastReadSession", "FastReader", "RowReader", "ThreadReads"]
