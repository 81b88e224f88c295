"""
2.x's `SessionContext`, kept for this major version: a thin deprecated wrapper over the session
that `Base.new_context(graph)` shares with `Store()` calls (see UPGRADING.md).

Unlike `new_context`, and as in 2.x, nothing commits by itself: call `commit()`.

"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from contextvars import Token
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from microcosm_sqlite.dataset import open_sessions


class SessionContext:
    """Deprecated: use `with Base.new_context(graph) as session:`."""

    def __init__(
        self,
        graph: Any,
        data_set: Any,
        expire_on_commit: bool = False,
        defer_foreign_keys: bool = False,
    ) -> None:
        warnings.warn(
            "microcosm_sqlite.context.SessionContext is deprecated;"
            " use `with Base.new_context(graph) as session:` (see UPGRADING.md)",
            DeprecationWarning,
            stacklevel=2,
        )
        self.graph = graph
        self.data_set = data_set
        self.expire_on_commit = expire_on_commit
        self.defer_foreign_keys = defer_foreign_keys
        self.session: Session | None = None
        self._token: Token[Mapping[str, Session]] | None = None

    def open(self) -> SessionContext:
        """Open the data set's session and make it the one `Store()` calls use."""
        session = self.data_set.new_session(self.graph)
        session.expire_on_commit = self.expire_on_commit
        self.session = session
        name = self.data_set.__dataset__
        self._token = open_sessions.set({**open_sessions.get(), name: session})
        return self

    def close(self) -> None:
        """Stop offering the session to `Store()` calls, and close it."""
        if self._token is not None:
            open_sessions.reset(self._token)
            self._token = None
        if self.session is not None:
            self.session.close()
            self.session = None

    def commit(self) -> None:
        """Commit the session (writable data sets only)."""
        if self.session is not None:
            self.session.commit()

    def rollback(self) -> None:
        """Roll the session back."""
        if self.session is not None:
            self.session.rollback()

    def __enter__(self) -> SessionContext:
        self.open()
        if self.defer_foreign_keys and self.session is not None:
            self.session.execute(text("PRAGMA defer_foreign_keys=ON"))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
