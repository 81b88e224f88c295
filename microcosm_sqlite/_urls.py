"""
URLs as people may see them. A data set's URL can carry credentials: a password in its user
info (`https://user:secret@host/...`), or a signature or token in its query (pre-signed S3, GCS
and Azure URLs). The download needs them; a log line, an error message or a `repr` must not
show them.

The rule: a URL is shown with its user info replaced by `***` and every query value replaced by
`***` (the parameter names stay, so a reader still sees that it was signed, and how); scheme,
host, port, path and fragment (which holds the public `#sha256=` pin, and is never sent to a
server) are shown as they are, and so is a `file://` URL, which names a file on this machine.
Every query value is masked, not a list of known names, since each store names its secrets
differently and a value nobody listed could still be one.

"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote, unquote_plus

__all__ = [
    "LOCAL_SCHEMES",
    "MASK",
    "RedactingFilter",
    "is_url",
    "redact_text",
    "redact_url",
    "url_secrets",
]

MASK = "***"
# a scheme, then "://": what tells a URL from a local path
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
# a URL inside a longer text, such as another library's error message: up to a space or a quote
URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]+")
# schemes whose URLs name a file on this machine: nothing in them is sent anywhere, and a "?" in
# a file name is not a query
LOCAL_SCHEMES = {"file", "local"}
# secrets shorter than this are not searched for in free text: masking every "r" or "1" in a
# message would hide nothing secret and garble the rest (what the URL shows is masked anyway)
SHORTEST_SECRET = 4


def is_url(text: str) -> bool:
    """Whether a configured path is a URL (`scheme://...`), in any case, not a local file."""
    return SCHEME.match(text) is not None


def redact_url(url: str) -> str:
    """The URL as it may be shown: no user info, no query values."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() in LOCAL_SCHEMES:
        return url
    # the fragment first: a "#" in it must not be read as the end of the query
    rest, hashed, fragment = rest.partition("#")
    rest, queried, query = rest.partition("?")
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = f"{MASK}@{authority.rpartition('@')[2]}"
    shown = f"{scheme}://{authority}{slash}{path}"
    if queried:
        shown += "?" + "&".join(_masked(parameter) for parameter in query.split("&"))
    return shown + hashed + fragment


def _masked(parameter: str) -> str:
    """One `name=value` of a query with its value masked; a lone value is masked whole."""
    name, equals, _ = parameter.partition("=")
    if not equals:
        return parameter and MASK
    return f"{name}={MASK}"


def url_secrets(url: str) -> tuple[str, ...]:
    """
    The secret parts of a URL, as sent and as decoded, longest first: what must be masked in
    any text, such as another library's error message that quotes one part of the URL.

    """
    if url.partition("://")[0].lower() in LOCAL_SCHEMES:
        return ()
    address = url.partition("#")[0]
    authority = address.partition("://")[2].partition("/")[0].partition("?")[0]
    found: set[str] = set()
    if "@" in authority:
        user_info = authority.rpartition("@")[0]
        found |= {user_info, *user_info.split(":", 1)}
    for parameter in address.partition("?")[2].split("&"):
        name, equals, value = parameter.partition("=")
        found.add(value if equals else name)
    found |= {unquote(each) for each in found} | {unquote_plus(each) for each in found}
    kept = (each for each in found if len(each) >= SHORTEST_SECRET)
    return tuple(sorted(kept, key=lambda each: (-len(each), each)))


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """A text with every URL in it redacted, and each of `secrets` masked wherever it appears."""
    redacted = URL_IN_TEXT.sub(lambda found: redact_url(found.group()), text)
    for secret in secrets:
        redacted = redacted.replace(secret, MASK)
    return redacted


class RedactingFilter(logging.Filter):
    """
    Redacts the URLs in every record of a logger it is added to: for another library's logger
    (fsspec's HTTP filesystem logs each URL it fetches, at debug level).

    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with its URLs redacted; never drops a record."""
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
