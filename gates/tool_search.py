"""Where tools are looked up: PATH, without the directories of the repository under scan.

A change can commit an executable (`bin/git`, `node_modules/.bin/semgrep`), and a workflow can
put such a directory on PATH (an npm script does, so does a `./bin` convention). The change would
then choose the scanner that judges it: a `semgrep` that finds nothing, a `git` that lists half
the files. So once the CLI knows where it scans (`confine`: the directory it started in and the
work tree around it, before git is asked anything; then the repository root git names), tools
are looked up on PATH without those directories, and the tools we start get a PATH without them
too. Relative PATH entries (`bin`, an empty entry for the current directory) are dropped as well:
they name a directory relative to wherever a process happens to be, which is the repository.

The running interpreter's scripts directory stays allowed wherever it is: release-gates' own
install put semgrep and bandit there (a virtualenv the job created inside the checkout), and
whoever can write there already runs their code as release-gates.
"""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

_off_limits: list[str] = []  # resolved directories, set by `confine`


def confine(*dirs: Path | str) -> None:
    """No tool is taken from `dirs` or below them (replaces what an earlier call set)."""
    _off_limits[:] = sorted({os.path.realpath(d) for d in dirs})


def enclosing_worktree(start: Path) -> Path | None:
    """The nearest directory at or above `start` that holds `.git`: the top of the work tree
    `start` is in, found without running git (which may be what a change planted)."""
    here = start.resolve()
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return None


def scripts_dir() -> str:
    """Where the running interpreter's packages install their commands."""
    return sysconfig.get_path("scripts")


def search_path(path: str) -> str:
    """`path` (a PATH value) without the directories off limits and without relative entries;
    unchanged while nothing is off limits (library use)."""
    if not _off_limits:
        return path
    allowed = os.path.realpath(scripts_dir())
    return os.pathsep.join(e for e in path.split(os.pathsep) if _searched(e, allowed))


def refused(name: str, path: str) -> str | None:
    """The executable `name` in a PATH entry that `search_path` drops, if any: what to tell a
    user whose tool was not found because it lies inside the repository."""
    if not _off_limits:
        return None
    allowed = os.path.realpath(scripts_dir())
    for entry in path.split(os.pathsep):
        if _searched(entry, allowed):
            continue
        candidate = os.path.join(os.path.realpath(entry or os.curdir), name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _searched(entry: str, allowed: str) -> bool:
    """Whether a PATH entry stays in `search_path`: absolute, and permitted once resolved."""
    return os.path.isabs(entry) and _permitted(os.path.realpath(entry), allowed)


def _permitted(real: str, allowed: str) -> bool:
    if real == allowed:
        return True
    return not any(
        real == top or real.startswith(top.rstrip(os.sep) + os.sep) for top in _off_limits
    )
