"""Ageing the cache home: what no run has used for `max_age_days` days is deleted.

The cache home (`$XDG_CACHE_HOME/release-gates`) holds one folder per repository path: warm
results, parsed policies, validity markers, root commits. Nothing in it is ever needed, only
saved time, and without ageing it grows with every clone, temporary checkout, policy edit, version
upgrade and changed file. So:

* every run marks its repository's folder used (`.used`, touched at most once a day);
* at most once a day (`.swept` in the home) a run sweeps the home: a repository folder not used
  for `max_age_days` goes whole (a deleted clone, a CI workspace of a finished job); in the
  others, every file not written or refreshed for that long goes (entries of an old policy or
  version, of content long changed);
* what a run reads keeps itself young: a result entry a run hits is refreshed (its mtime, at most
  once a day), and the keys of clean sets carry the day they were last looked up
  (`result_cache`), so only what is no longer read ages out.

Housekeeping never decides a verdict: a file it removes is a miss, rescanned. It follows no
symlink and removes only folders named as `cache_root` names them. Its own errors (a read-only
home, a race with another run) are ignored: the run goes on with the cache as it is.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import time
from collections.abc import Mapping
from pathlib import Path

from gates.atomic import private_dirs
from gates.errors import InvalidInput
from gates.record import record

DAY_SECONDS = 86_400
MAX_AGE_DAYS = 30
ENV = "RELEASE_GATES_CACHE_MAX_AGE_DAYS"
USED = ".used"  # in a repository's folder: its mtime is the folder's last use (to the day)
SWEPT = ".swept"  # in the home: its mtime is the last sweep
_FOLDER = re.compile(r"[0-9a-f]{16}")  # a repository's folder (pipeline.cache_root)
_MAX_DAYS = 3650


def max_age_days(environ: Mapping[str, str]) -> int:
    """The age in days past which unused cache files go: `RELEASE_GATES_CACHE_MAX_AGE_DAYS`, else
    30."""
    raw = environ.get(ENV)
    if raw is None or raw == "":
        return MAX_AGE_DAYS
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= _MAX_DAYS:
        raise InvalidInput(
            ENV,
            repr(raw),
            f"expected a whole number of days from 1 to {_MAX_DAYS}",
            f"set it to a number of days (the default is {MAX_AGE_DAYS}), or unset it",
        )
    return int(raw)


def day_of(seconds: float) -> int:
    """Days since the epoch (UTC): the unit clean-set keys record their last lookup in."""
    return int(seconds // DAY_SECONDS)


@record
class Swept:
    """What one sweep removed."""

    folders: int = 0
    files: int = 0


def mark_used(folder: Path, *, now: float) -> None:
    """Record that a run uses the repository folder `folder` (once a day at most), making the
    folder (private to this user) if it is not there yet."""
    with contextlib.suppress(OSError):
        mark = os.path.join(folder, USED)
        try:
            _touch_if_older(mark, now - DAY_SECONDS, now)
        except FileNotFoundError:  # the repository's first run: no folder yet
            private_dirs(folder)
            _touch_if_older(mark, now - DAY_SECONDS, now)


def keep(path: str | os.PathLike[str], *, modified: float | None = None) -> None:
    """Refresh the age of a cache file a run has just read and trusted (once a day at most), so
    the sweep keeps what is still in use. `modified`: its mtime, when the caller has it."""
    with contextlib.suppress(OSError):
        now = time.time()
        if modified is None or modified < now - DAY_SECONDS:
            _touch_if_older(os.fspath(path), now - DAY_SECONDS, now, create=False)


def sweep_if_due(home: Path, *, now: float, max_age: int) -> Swept | None:
    """Sweep `home` when the last sweep is a day old or more (None when it was not due)."""
    try:
        if not _touch_if_older(os.path.join(home, SWEPT), now - DAY_SECONDS, now):
            return None
    except OSError:
        return None  # no home yet, or not ours to write: nothing to sweep
    return sweep(home, now=now, max_age=max_age)


def sweep(home: Path, *, now: float, max_age: int) -> Swept:
    """Remove the repository folders of `home` unused for `max_age` days, and in the others
    every file not written or refreshed for that long."""
    cutoff = now - max_age * DAY_SECONDS
    folders = files = 0
    try:
        entries = list(os.scandir(home))
    except OSError:
        return Swept()
    for entry in entries:
        with contextlib.suppress(OSError):
            if not _FOLDER.fullmatch(entry.name) or not entry.is_dir(follow_symlinks=False):
                continue  # not a repository folder of ours (or a symlink): left alone
            used = os.path.join(entry.path, USED)
            try:
                last_use = os.lstat(used).st_mtime
            except FileNotFoundError:
                _touch_if_older(used, now, now)  # made before folders were marked: ages from now
                continue
            if last_use < cutoff:
                shutil.rmtree(entry.path)
                folders += 1
            else:
                files += _expire(entry.path, cutoff)
    return Swept(folders=folders, files=files)


def _expire(folder: str, cutoff: float) -> int:
    """Remove the regular files below `folder` last modified before `cutoff` (its mark aside)."""
    removed = 0
    for top, _dirs, files in os.walk(folder):  # symlinks to directories are not followed
        for name in files:
            if top == folder and name == USED:
                continue
            path = os.path.join(top, name)
            with contextlib.suppress(OSError):
                st = os.lstat(path)
                if st.st_mtime < cutoff and stat.S_ISREG(st.st_mode):
                    os.unlink(path)
                    removed += 1
    return removed


def _touch_if_older(path: str, threshold: float, now: float, *, create: bool = True) -> bool:
    """Set `path`'s mtime to `now` when it is older than `threshold` (or missing: then, with
    `create`, made empty, 0600); True when it was."""
    try:
        if os.lstat(path).st_mtime >= threshold:
            return False
    except FileNotFoundError:
        if not create:
            raise
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        os.close(fd)
    os.utime(path, (now, now), follow_symlinks=False)
    return True
