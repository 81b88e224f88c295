"""A URL pinned by the sha256 of its bytes, `https://host/x.sqlite#sha256=<hex>`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from microcosm_sqlite._urls import redact_url, url_secrets
from microcosm_sqlite.errors import UnpinnedURLError

__all__ = ["PinnedURL"]

PIN_PATTERN = re.compile(r"sha256=([0-9a-fA-F]{64})")


@dataclass(frozen=True)
class PinnedURL:
    """
    A remote artifact's URL and the sha256 its bytes must have.

    `url` is the URL the download uses, credentials included; `str()` and `repr()` show it
    redacted (see microcosm_sqlite._urls), and so does every message built from them.

    """

    url: str
    sha256: str

    @classmethod
    def parse(cls, text: str, *, dataset: str, origin: str | None = None) -> PinnedURL:
        """`URL#sha256=<hex>`; a URL with no pin is refused, since its content could change."""
        # the last "#": fsspec reads local paths in file:// URLs as they are, "#" included
        url, _, fragment = text.rpartition("#")
        match = PIN_PATTERN.fullmatch(fragment)
        if not url or match is None:
            raise UnpinnedURLError(
                "a remote URL must be pinned by its content hash, as URL#sha256=<64 hex digits>"
                " (`microcosm-sqlite build` and `inspect` print an artifact's sha256)",
                dataset=dataset,
                path=redact_url(text),
                origin=origin,
            )
        # schemes are case-insensitive (RFC 3986), fsspec's registry is not: HTTP:// is http://
        scheme, _, rest = url.partition("://")
        return cls(f"{scheme.lower()}://{rest}", match.group(1).lower())

    @property
    def scheme(self) -> str:
        """The URL's scheme (https, s3...), which picks the filesystem."""
        return self.url.partition("://")[0]

    @property
    def secrets(self) -> tuple[str, ...]:
        """What of the URL no message may show (see `url_secrets`)."""
        return url_secrets(self.url)

    def __str__(self) -> str:
        return f"{redact_url(self.url)}#sha256={self.sha256}"

    def __repr__(self) -> str:
        return f"PinnedURL({str(self)!r})"
