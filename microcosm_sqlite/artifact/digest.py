"""
An artifact's sha256: what `build` and `inspect` print for pinning, what a pinned URL's download
is checked against.

"""

from __future__ import annotations

import hashlib
import os

__all__ = ["file_sha256"]


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The file's sha256 as hex, read in chunks so large artifacts stay out of memory."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()
