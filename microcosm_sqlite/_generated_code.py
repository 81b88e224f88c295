"""
Code this package writes at run time (row readers, the CSV loop), compiled so that tracebacks,
`inspect.getsource` and debuggers can show it.

Source passed to `exec` has no file, so Python shows no line of it. `compile_generated` puts the
source in `linecache` under a pseudo-file name (`<...>`, which no real path matches and
`linecache.checkcache` leaves alone) and compiles it under that name. Two different sources for
one name (two models of one name in different data sets) get `<... -2>`, `<... -3>`...

"""

from __future__ import annotations

import linecache
import threading
from types import CodeType

__all__ = ["compile_generated"]

# held while a name is chosen, so two threads never register two sources under one
REGISTERING = threading.Lock()


def compile_generated(source: str, name: str) -> CodeType:
    """`source` compiled as the pseudo-file `<name>` (or `<name -N>`), registered in linecache."""
    lines = source.splitlines(keepends=True)
    with REGISTERING:
        filename = f"<{name}>"
        number = 1
        while True:
            # (size, mtime, lines, name); an mtime of None marks an entry no file backs
            entry = (len(source), None, lines, filename)
            registered = linecache.cache.setdefault(filename, entry)
            if len(registered) == 4 and registered[2] == lines:
                break
            number += 1
            filename = f"<{name} -{number}>"
    return compile(source, filename, "exec")
