"""The subject digest: what the gates read, as a sha256 anyone can recompute from git.

`sha256` over every tracked regular file (modes 100644/100755; symlinks and submodules are never
read) sorted by path bytes, each as `path NUL sha256-hex(bytes) LF`. `working_tree()` reads the
files as the run did (the working tree, possibly dirty); `at_revision()` reads the blobs of a
commit, so a verifier can check a clean run's evidence against a checkout without trusting it.
Files are hashed as bytes: in a repository with checkout filters (eol conversion, LFS smudge) the
working-tree bytes differ from the blobs, so a clean run's digest will not match its commit.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from gates import git
from gates.record import record

REGULAR_MODES = frozenset({"100644", "100755"})
ALGORITHM = "release-gates-tree-v1"


@record
class TreeDigest:
    sha256: str
    files: int


def digest(items: Iterable[tuple[str, bytes]]) -> TreeDigest:
    records = sorted(
        (path.encode("utf-8", "surrogateescape"), hashlib.sha256(data).hexdigest().encode())
        for path, data in items
    )
    h = hashlib.sha256()
    for path, content in records:
        h.update(path + b"\0" + content + b"\n")
    return TreeDigest(sha256=h.hexdigest(), files=len(records))


def _read(root: Path, path: str) -> bytes | None:
    try:
        fd = os.open(root / path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except (FileNotFoundError, NotADirectoryError, OSError):
        return None  # deleted or swapped for a symlink: the tree is dirty, and says so
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def working_tree(root: Path) -> TreeDigest:
    """The tracked regular files as they are on disk now."""
    items = []
    for entry in git.ls_files(root):
        if entry.mode in REGULAR_MODES:
            data = _read(root, entry.path)
            if data is not None:
                items.append((entry.path, data))
    return digest(items)


def at_revision(root: Path, rev: str) -> TreeDigest:
    """The regular files of commit `rev`, from git's objects (no checkout needed)."""
    entries = [e for e in git.ls_tree(root, rev) if e.mode in REGULAR_MODES]
    blobs = git.read_blobs(root, tuple(sorted({e.blob for e in entries})))
    return digest((e.path, blobs[e.blob]) for e in entries)


def tree_of(root: Path, rev: str) -> str | None:
    return git.tree_of(root, rev)
