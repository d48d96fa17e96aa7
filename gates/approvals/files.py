"""Reading and writing approval files safely: no symlinks, size limits, atomic writes."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


class UnsafeFile(ValueError):
    """A file we refuse to read (symlink, not a regular file, too large); the message says why."""


def read_regular(path: Path, limit: int, label: str) -> bytes:
    """Bytes of a regular file, never through a symlink, at most `limit` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise UnsafeFile(f"{label} is missing") from None
    except OSError as exc:
        if os.path.islink(path):
            raise UnsafeFile(f"{label} is a symlink") from None
        raise UnsafeFile(f"{label} cannot be read: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFile(f"{label} is not a regular file")
        if st.st_size > limit:
            raise UnsafeFile(f"{label} is {st.st_size} bytes (limit {limit})")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise UnsafeFile(f"{label} is larger than {limit} bytes")
    return data


def real_dir(path: Path) -> bool:
    """True for a directory that is not a symlink."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def write_new(path: Path, data: bytes) -> None:
    """Create `path` atomically (temp file beside it, then link into place); never overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        # link() fails if the target exists, unlike replace(): a signed file is never rewritten.
        os.link(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
