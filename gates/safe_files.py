"""Reading input files safely: regular files only, never through a symlink, never blocking, capped.

Every file that can change a verdict (policy, baseline, allowed_signers, approvals) is read here.
A FIFO would hang the run and `/dev/zero` would eat memory, so the file is opened with
`O_NOFOLLOW | O_NONBLOCK`, checked with `fstat` to be a regular file, and read up to a limit.
`read_input` adds the repository rule: the file must lie inside the root, with no symlinked
directory on the way.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gates.errors import InvalidInput


class UnsafeFile(ValueError):
    """A file we refuse to read (symlink, not a regular file, too large); the message says why."""


def read_regular(path: Path, limit: int, label: str) -> bytes:
    """Bytes of a regular file, never through a symlink, at most `limit` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise UnsafeFile(f"{label} is missing") from None
    except OSError as exc:
        if os.path.islink(path):
            raise UnsafeFile(f"{label} is a symlink") from None
        raise UnsafeFile(f"{label} cannot be read: {exc.strerror}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UnsafeFile(f"{label} is not a regular file ({_kind(st.st_mode)})")
    with os.fdopen(fd, "rb") as fh:
        if st.st_size > limit:
            raise UnsafeFile(f"{label} is {st.st_size} bytes (limit {limit})")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise UnsafeFile(f"{label} is larger than {limit} bytes")
    return data


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def exists_at(path: Path) -> bool:
    """Whether anything (even a dangling symlink or a FIFO) is at `path`."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return False
    return True


def inside(root: Path, path: Path) -> bool:
    """`path` (absolute) lies inside `root` once its directories are resolved (the file itself is
    not resolved: a symlink there is refused by `read_regular`, not followed)."""
    return path.parent.resolve().is_relative_to(root.resolve())


def read_input(root: Path, path: Path, limit: int, label: str, fix: str) -> bytes | None:
    """An input file's bytes, None when nothing is there; InvalidInput (exit 2) when it is
    outside the repository, a symlink, a FIFO, a device, a directory or over `limit` bytes."""
    if not inside(root, path):
        raise InvalidInput(label, "$", "the file lies outside the repository", fix)
    if not exists_at(path):
        return None
    try:
        return read_regular(path, limit, label)
    except UnsafeFile as exc:
        raise InvalidInput(label, "$", str(exc), fix) from None
