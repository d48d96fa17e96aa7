"""Reading and writing approval files safely: no symlinks, size limits, atomic writes."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from gates.safe_files import UnsafeFile, read_regular

__all__ = ["UnsafeFile", "read_regular", "real_dir", "write_new"]


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
