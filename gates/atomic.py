"""Atomic file writes: a temp file in the same directory, fsynced, then `os.replace`; and the
folders private to this user that cache files are written into (`private_dirs`).

A reader (or a crash, or Ctrl-C) sees either the old file or the whole new one, never a torn one.
A target that is not a regular file (`--output /dev/stdout`, a FIFO, /dev/null) is written in
place: replacing it would swap a device for a file. A symlink is followed, so the file it points
to is replaced, not the link.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged(path: Path, *, shared: bool = False) -> Iterator[Path]:
    """A temporary path beside `path` for a writer to fill; renamed onto `path` when the block
    ends normally, removed when it raises (Ctrl-C included). The file is created 0600, or with
    `shared` (reports: everything in them is masked) readable like any file the user writes
    (0666 minus the umask)."""
    import tempfile  # lazy: ~1.7 ms with random, which a run that writes no file never needs

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    if shared:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path = Path(os.path.realpath(path)) if path.is_symlink() else path
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(os.stat(path).st_mode):
            with open(path, "wb") as stream:  # a device or pipe: nothing to replace atomically
                stream.write(data)
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    # a report: masked, so it reads like any file
    with staged(path, shared=True) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def create_text_atomic(path: Path, text: str) -> None:
    """Write a new file atomically, never replacing one: FileExistsError if `path` exists, even
    if it appears while we write (the staged file is hard-linked into place, which fails on an
    existing name, where a rename would overwrite it)."""
    create_bytes_atomic(path, text.encode("utf-8"))


def create_bytes_atomic(path: Path, data: bytes) -> None:
    """`create_text_atomic` for bytes (signatures, statements: never rewritten once signed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # lazy, as in `staged`

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fh.fileno(), 0o666 & ~umask)  # mkstemp makes 0600; these are repo files
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def private_dirs(*folders: Path) -> None:
    """Create each missing folder (outermost first) private to this user. A folder that already
    exists is left as it is: it may be a directory the caller chose, such as /tmp when a cache
    directory is put right below it, and must not lose its permissions to us."""
    folders[0].parent.mkdir(parents=True, exist_ok=True)
    for folder in folders:
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(folder, 0o700)  # mkdir's mode passes through the umask
