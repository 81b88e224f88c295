"""
`dispose_sqlite_connections(graph)`: close every connection a graph holds, as 2.0 offered.

"""

from __future__ import annotations

from typing import Any


def dispose_sqlite_connections(graph: Any) -> None:
    """
    Close the graph's connections to every data set; they reopen on next use.

    Forked children need not call this (inherited connections are dropped on fork); it
    remains for applications that want to release file handles explicitly.

    """
    factory = graph.get("sqlite")
    if factory is not None:
        factory.dispose()
