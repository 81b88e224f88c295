"""
The one way the 2.x layer warns: `deprecated(old, new)`.

Every message starts with the same words, `PREFIX`, so one warnings filter finds every 2.x call
an application still makes (`python -W "error:microcosm-sqlite 3.0 deprecates:DeprecationWarning"`,
or the same in pytest's `filterwarnings`). The warning names the application's own line: the
first frame outside this package (and outside SQLAlchemy and `contextlib`, through which some
old call styles arrive), however deep inside the library the old call style was noticed.

"""

from __future__ import annotations

import contextlib
import inspect
import os
import warnings

import sqlalchemy

__all__ = ["PREFIX", "deprecated"]

PREFIX = "microcosm-sqlite 3.0 deprecates"

# frames in these files are the library's, not the caller's
_LIBRARY_FILES = (
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
    os.path.dirname(os.path.abspath(sqlalchemy.__file__)) + os.sep,
    os.path.abspath(contextlib.__file__),
)


def deprecated(old: str, new: str) -> None:
    """Warn, at the calling application's line, that `old` is going and `new` replaces it."""
    warnings.warn(
        f"{PREFIX} {old}; {new} (see UPGRADING.md)",
        DeprecationWarning,
        stacklevel=_callers_level(),
    )


def _callers_level() -> int:
    """The `stacklevel`, counted from `deprecated`, of the first frame outside the library."""
    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None and frame.f_back.f_back is not None
    frame = frame.f_back.f_back  # deprecated's caller: level 2
    level = 2
    while frame.f_back is not None and _in_library(frame.f_code.co_filename):
        frame = frame.f_back
        level += 1
    return level


def _in_library(filename: str) -> bool:
    # the import system's frames stand between `from module import name` and a module
    # __getattr__; SQLAlchemy generates some of its functions (`<sqlalchemy generated ...>`)
    if filename.startswith(("<frozen importlib.", "<sqlalchemy ")):
        return True
    return os.path.abspath(filename).startswith(_LIBRARY_FILES)
