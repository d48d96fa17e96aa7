"""Reading and writing approval files safely: no symlinks, size limits, atomic writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gates.atomic import create_bytes_atomic
from gates.safe_files import UnsafeFile, read_regular

__all__ = ["UnsafeFile", "read_regular", "real_dir", "write_new"]


def real_dir(path: Path) -> bool:
    """True for a directory that is not a symlink."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def write_new(path: Path, data: bytes) -> None:
    """Create `path` atomically; never overwrite (a signed file is never rewritten)."""
    create_bytes_atomic(path, data)
