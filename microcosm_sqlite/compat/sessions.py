"""
2.x's session contexts, deprecated: `SessionContext(graph, Base)` and what
`Base.new_context(graph)` was in 2.x, a context with `open()`, `close()`, `commit()`,
`rollback()` and `session`, used with `with` or without.

3.x's `with Base.new_context(graph) as session:` gives the session itself and commits when the
block ends. Both hold because they are told apart by how the context is used: `with` on
`new_context(graph)` is 3.x's block (whose session also answers 2.x's `context.session`), and
any of 2.x's methods on it is 2.x's context. As in 2.x, that one keeps its session open until
`close()`, commits only when told, and a data set has one such session open here at a time:
`close()`, on any context of the data set, closes it. Stores called meanwhile keep 2.x's results
(see `compat.stores`).

"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from microcosm_sqlite import dataset
from microcosm_sqlite._legacy import TWO_X_CONTEXT, answers
from microcosm_sqlite.compat._deprecation import deprecated

__all__ = ["OPTIONS", "SessionContext", "TwoXContext"]

# 2.x's keywords of new_context and SessionContext
OPTIONS = ("expire_on_commit", "defer_foreign_keys")


class TwoXContext:
    """2.x's session context of a data set, as `new_context(graph).open()` gives it."""

    def __init__(
        self,
        graph: Any,
        data_set: Any,
        expire_on_commit: bool = False,
        defer_foreign_keys: bool = False,
    ) -> None:
        self.graph = graph
        self.data_set = data_set
        self.expire_on_commit = expire_on_commit
        self.defer_foreign_keys = defer_foreign_keys
        self._opened: Session | None = None

    @property
    def name(self) -> str:
        """The data set's name."""
        name: str = self.data_set.__dataset__
        return name

    @property
    def session(self) -> Session | None:
        """The data set's 2.x session open here, if any."""
        return dataset.context_session(self.name)

    def open(self) -> TwoXContext:
        """Open a session of the data set and make it the one `Store()` calls use."""
        session = self.data_set.new_session(self.graph)
        session.expire_on_commit = self.expire_on_commit
        session.info[TWO_X_CONTEXT] = True
        dataset.open_sessions.set({**dataset.open_sessions.get(), self.name: session})
        self._opened = session
        return self

    def close(self) -> None:
        """Close the data set's open session; `Store()` calls then have none."""
        session = self.session
        if session is None:
            return
        session.close()
        open_now = dict(dataset.open_sessions.get())
        del open_now[self.name]
        dataset.open_sessions.set(open_now)

    def commit(self) -> None:
        """Commit the open session (writable data sets only)."""
        if self.session is not None:
            self.session.commit()

    def rollback(self) -> None:
        """Roll the open session back."""
        if self.session is not None:
            self.session.rollback()

    def __enter__(self) -> TwoXContext:
        # `with new_context(graph).open() as context:` keeps the session open() gave
        if self._opened is None or self.session is not self._opened:
            self.open()
        if self.defer_foreign_keys and self.session is not None:
            self.session.execute(text("PRAGMA defer_foreign_keys=ON"))
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.defer_foreign_keys and self.session is not None:
            self.session.execute(text("PRAGMA defer_foreign_keys=OFF"))
        self.close()


class SessionContext(TwoXContext):
    """2.x's `microcosm_sqlite.context.SessionContext`, deprecated: `Base.new_context(graph)`."""

    def __init__(
        self,
        graph: Any,
        data_set: Any,
        expire_on_commit: bool = False,
        defer_foreign_keys: bool = False,
    ) -> None:
        deprecated(
            "microcosm_sqlite.context.SessionContext",
            "use `with Base.new_context(graph) as session:`, which commits at its end",
        )
        super().__init__(graph, data_set, expire_on_commit, defer_foreign_keys)


@answers("Base.new_context(graph, **options)")
def checked_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """2.x's keywords of `new_context`; any other is a TypeError, as a Python call makes it."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise TypeError(f"new_context() got unexpected keyword(s): {', '.join(unknown)}")
    deprecated(
        f"Base.new_context(graph, {', '.join(f'{name}=...' for name in options)})",
        "set what you need on the session the block gives",
    )
    return dict(options)


@answers("apply new_context options")
def apply_options(session: Session, options: Mapping[str, Any]) -> None:
    """2.x's keywords, on the session of a 3.x block: expiry on commit, deferred foreign keys."""
    session.expire_on_commit = bool(options.get("expire_on_commit", False))
    if options.get("defer_foreign_keys"):
        session.execute(text("PRAGMA defer_foreign_keys=ON"))


def context_method(name: str) -> None:
    """Register the answer to 2.x's `new_context(graph).<name>`: that of 2.x's context."""

    @answers(f"new_context(graph).{name}")
    def answer(context: dataset.DataSetContext) -> Any:
        deprecated(
            f"new_context(graph).{name}{'' if name == 'session' else '()'}",
            "use `with Base.new_context(graph) as session:`, which commits at its end",
        )
        two_x = TwoXContext(context.graph, context.base, **context.options)
        return getattr(two_x, name)


for method in ("open", "close", "commit", "rollback", "session"):
    context_method(method)


@answers("context.session")
def the_session_itself(session: Session) -> Session:
    """2.x's `context.session` inside `with Base.new_context(graph) as context:`."""
    deprecated(
        "context.session inside `with Base.new_context(graph) as context:`",
        "the block gives the session itself: `with Base.new_context(graph) as session:`",
    )
    return session
