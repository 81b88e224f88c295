"""
git's diff driver for artifacts, set up in a clone: `git diff`, `git log -p` and `git show` print
the rows that changed (`textconv`) instead of "Binary files differ".

It takes two pieces. A `.gitattributes` line at the top of the work tree, `*.sqlite
diff=microcosm-sqlite`, committed once and shared by every clone. And the driver's command, in
the clone's own `.git/config`: git never takes commands from a repository's files, so each clone
(each developer, each CI job) writes it once. The command names this environment's Python by its
absolute path, `/.../bin/python -m microcosm_sqlite textconv`, so it runs where the environment is
not activated and `microcosm-sqlite` is not on PATH: a plain shell, an IDE, a git client, CI.

`git_setup` writes what is missing and changes nothing that is already right, so it can run at
every checkout (a `make` target, a setup script).

"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DRIVER", "GitSetup", "git_setup", "textconv_command"]

# the diff driver's name, in .gitattributes and in git config
DRIVER = "microcosm-sqlite"
# the files the driver shows, by default
PATTERN = "*.sqlite"
# how long a git command may take
GIT_SECONDS = 60


@dataclass(frozen=True)
class GitSetup:
    """What `git_setup` found and did in a clone."""

    # the work tree's top
    root: Path
    # the .gitattributes line, and whether it was added (False: it was there)
    attribute: str
    attribute_added: bool
    # the driver's command now, and before when it was another (None: it was not set)
    command: str
    previous: str | None

    @property
    def attributes(self) -> Path:
        """The .gitattributes file the line is in."""
        return self.root / ".gitattributes"

    @property
    def command_set(self) -> bool:
        """Whether the driver's command was written (False: it was already this one)."""
        return self.previous != self.command


def textconv_command(python: str | None = None) -> str:
    """The driver's command: this environment's Python (or `python`), quoted for git's shell."""
    return f"{shlex.quote(python or sys.executable)} -m microcosm_sqlite textconv"


def git_setup(
    directory: str | os.PathLike[str] = ".", pattern: str = PATTERN, python: str | None = None
) -> GitSetup:
    """
    Set up the diff driver in the clone holding `directory`, for files matching `pattern`.

    Raises `ValueError` when `directory` is in no git work tree, or git cannot be run.

    """
    if not pattern or any(character.isspace() for character in pattern):
        raise ValueError(f"the pattern {pattern!r} is no .gitattributes pattern (no spaces)")
    if not Path(directory).is_dir():
        raise ValueError(f"{directory}: no such directory")
    root = Path(_git(Path(directory), "rev-parse", "--show-toplevel"))
    attribute = f"{pattern} diff={DRIVER}"
    added = _add_attribute(root / ".gitattributes", pattern, attribute)
    command = textconv_command(python)
    key = f"diff.{DRIVER}.textconv"
    previous = _config(root, key)
    if previous != command:
        _git(root, "config", "--local", key, command)
    return GitSetup(root, attribute, added, command, previous)


def _add_attribute(path: Path, pattern: str, attribute: str) -> bool:
    """Append the line unless a line already gives `pattern` the driver; whether it did."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == pattern and f"diff={DRIVER}" in fields[1:]:
            return False
    separator = "" if not text or text.endswith("\n") else "\n"
    with path.open("a", encoding="utf-8") as stream:
        stream.write(f"{separator}{attribute}\n")
    return True


def _git(directory: Path, *arguments: str) -> str:
    """A git command's output, stripped; raises `ValueError` when it fails."""
    result = _run(directory, *arguments)
    if result.returncode != 0:
        reason = result.stderr.strip().splitlines()
        raise ValueError(f"{directory}: {reason[-1] if reason else 'git failed'}")
    return result.stdout.strip()


def _config(root: Path, key: str) -> str | None:
    """The clone's own value of a git config key; None when it has none."""
    result = _run(root, "config", "--local", "--get", key)
    if result.returncode == 1:
        return None
    if result.returncode != 0:
        raise ValueError(f"{root}: {result.stderr.strip() or 'git config failed'}")
    return result.stdout.rstrip("\n")


def _run(directory: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """A git command run in `directory`; raises `ValueError` when git cannot be run at all."""
    try:
        return subprocess.run(
            ["git", *arguments],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=GIT_SECONDS,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ValueError(f"git cannot be run ({error})") from error
