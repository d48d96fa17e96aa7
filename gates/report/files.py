"""Report files on disk: written whole or not at all, so an interrupted run leaves no half report.

`write_atomic` writes to a temporary file in the target's directory and renames it over the
target (`os.replace` is atomic on POSIX and Windows), so readers never see a partial report and
Ctrl-C leaves either the old file or none. `append_step_summary` appends to the file GitHub
names in `$GITHUB_STEP_SUMMARY`, which several steps share (appending is what GitHub expects).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from gates.errors import InvalidInput


def write_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8, `\\n` newlines) to `path` atomically."""
    directory = path.parent
    if not directory.is_dir():
        raise InvalidInput(
            str(path), "--output", "its directory does not exist", "create the directory first"
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def append_step_summary(path: Path, markdown: str) -> None:
    """Append the step summary to GitHub's summary file (one write, ending in a newline)."""
    if not markdown.endswith("\n"):
        markdown += "\n"
    with path.open("a", encoding="utf-8", newline="\n") as fh:
        fh.write(markdown)
