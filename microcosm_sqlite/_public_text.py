"""
How an error's client face (`description`) is written: the data set named first, a caller's
values cut short, the whole bounded, and lone surrogates escaped, so that it encodes as UTF-8 and
as JSON whatever the caller gave.

"""

from __future__ import annotations

__all__ = ["about", "public", "shown"]

# the most of one value a client's message shows (a caller's value may be megabytes long)
SHOWN_CHARS = 60
# the most a client's message holds in all
PUBLIC_CHARS = 500


def about(dataset: str | None, text: str) -> str:
    """A client's message about a data set, named first when known, ready to send."""
    return public(text if dataset is None else f"data set {dataset!r}: {text}")


def shown(value: object) -> str:
    """A caller's value in a client's message: its repr (which escapes surrogates), cut short."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else f"{text[: SHOWN_CHARS - 3]}..."


def public(text: str) -> str:
    """A client's message as it is sent: cut short, any lone surrogate escaped."""
    text = text if len(text) <= PUBLIC_CHARS else f"{text[: PUBLIC_CHARS - 3]}..."
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
