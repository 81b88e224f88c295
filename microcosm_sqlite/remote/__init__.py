"""
Data sets at URLs pinned by content hash, `https://host/x.sqlite#sha256=<hex>`, downloaded once
per machine into a content-addressed cache.

A pin means the bytes can never change under a running fleet, so a cached file needs neither the
network nor fsspec: it is checked for what a cheap look can see (a regular file of the size its
header gives) and used. Only a download imports fsspec (the `remote` extra), which reads https,
s3, gs, ... when the URL's filesystem package is installed. Nothing imports this package unless
a data set's path is a URL (see microcosm_sqlite.paths).

URLs are shown redacted in every log line, message and `repr` (microcosm_sqlite._urls): no
user info, no query values.

"""

from microcosm_sqlite._urls import is_url as is_remote
from microcosm_sqlite.remote._cache import ArtifactCache, default_cache_dir
from microcosm_sqlite.remote._pins import PinnedURL
from microcosm_sqlite.remote._progress import LoggedProgress, Progress

__all__ = [
    "ArtifactCache",
    "LoggedProgress",
    "PinnedURL",
    "Progress",
    "default_cache_dir",
    "is_remote",
]
