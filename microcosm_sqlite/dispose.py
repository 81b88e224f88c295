"""
`dispose_sqlite_connections(graph)`: close every connection a graph holds, as 2.0 offered.

"""

from __future__ import annotations

from typing import Any

from microcosm_sqlite.dataset import data_set_bases

__all__ = ["dispose_sqlite_connections"]


def dispose_sqlite_connections(graph: Any) -> None:
    """
    Close the graph's connections to every data set; they reopen on next use.

    Each data set base of a data set the graph has opened is asked, through its `dispose(graph)`,
    as in 2.x (so an application's override of it runs); the graph then closes what is left.
    Forked children need not call this (inherited connections are dropped on fork); it remains
    for applications that want to release file handles explicitly.

    """
    factory = graph.get("sqlite")
    if factory is None:
        return
    with factory.lock:
        opened = set(factory.engines)
    for base in data_set_bases():
        if base.__dataset__ in opened:
            base.dispose(graph)
    factory.dispose()
