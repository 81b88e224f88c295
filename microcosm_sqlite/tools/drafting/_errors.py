"""The error of drafting: sources it cannot read as the build would."""

from __future__ import annotations

from microcosm_sqlite.errors import SQLiteError


class DraftError(SQLiteError):
    """A source that cannot be drafted from, named with its file (and line)."""

    status_code = 400
