"""The root of the error tree: two faces, the developer's and the client's."""

from __future__ import annotations

from microcosm_sqlite._public_text import about, public

__all__ = ["SQLiteError"]


class SQLiteError(Exception):
    """The root of the tree."""

    status_code = 500
    # what a client is told of an error whose own words are not for clients
    summary = "the request could not be answered"
    # whether the message itself is for clients
    message_is_public = False

    def __init__(self, message: str = "", *, dataset: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.dataset = dataset
        # a note for developers (most often, what 2.x did instead): in str(), never for clients
        self.hint = hint

    def __str__(self) -> str:
        # Exception's, even where a KeyError is a base too (KeyError's would quote the message)
        text = Exception.__str__(self)
        return text if not self.hint else f"{text} ({self.hint})"

    @property
    def description(self) -> str:
        """The client's face: what microcosm-flask's error handler sends, safe to show anyone."""
        message = Exception.__str__(self) if self.message_is_public else ""
        return public(message) if message else about(self.dataset, self.summary)

    @property
    def include_stack_trace(self) -> bool:
        """Whether microcosm-flask's audit log keeps the stack: for the server's failures."""
        return self.status_code >= 500
