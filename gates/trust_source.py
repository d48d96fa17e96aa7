"""Where trusted inputs are read from: the trust ref (a commit, in CI) or the working tree.

Everything that can relax a verdict (policy files, allowed_signers, the baseline, rule files the
policy names) is read through a `TrustSource`, so one rule holds for all of them: at a ref, only a
regular file counts (a symlink, directory or submodule there is an error, never "absent"); in the
working tree, only a regular file inside the repository (see `gates.safe_files`). Absent means
absent: the caller decides what that implies (no policy file at the base = the shipped default).
A git failure is exit 3, never a silent fallback.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from gates import git
from gates.errors import InvalidInput
from gates.record import record
from gates.safe_files import read_input

_MODE_NAMES = {"120000": "a symlink", "040000": "a directory", "160000": "a submodule"}


@record
class TrustSource:
    root: Path
    ref: str | None = None  # None: the working tree

    def label(self, rel: str) -> str:
        return rel if self.ref is None else f"{self.ref}:{rel}"

    def read(self, rel: str, limit: int, fix: str) -> bytes | None:
        """The bytes of repo-relative `rel`, or None when nothing is there."""
        if self.ref is None:
            return read_input(self.root, self.root / rel, limit, rel, fix)
        entry = git.entry_at(self.root, self.ref, rel)
        if entry is None:
            return None
        label = self.label(rel)
        if entry.mode not in git.REGULAR_MODES:
            kind = _MODE_NAMES.get(entry.mode, f"mode {entry.mode}")
            raise InvalidInput(label, "$", f"is {kind} at {self.ref}, not a regular file", fix)
        size = git.blob_size(self.root, entry.blob)
        if size > limit:
            raise InvalidInput(label, "$", f"is {size} bytes (limit {limit})", fix)
        return git.read_blobs(self.root, (entry.blob,))[entry.blob]

    def digest(self, rel: str) -> str | None:
        """A digest of what is at `rel` (None when absent), to tell whether a change touched it.
        A symlink, FIFO, directory or submodule gets a marker that never equals a file's digest,
        so swapping a trusted file for one counts as a change."""
        if self.ref is None:
            return working_tree_digest(self.root, rel)
        entry = git.entry_at(self.root, self.ref, rel)
        if entry is None:
            return None
        if entry.mode not in git.REGULAR_MODES:
            return f"special:{entry.mode}"
        if git.blob_size(self.root, entry.blob) > _DIGEST_LIMIT:
            return f"large:{entry.blob}"
        data = git.read_blobs(self.root, (entry.blob,))[entry.blob]
        return hashlib.sha256(data).hexdigest()


_DIGEST_LIMIT = 64 << 20


def working_tree_digest(root: Path, rel: str) -> str | None:
    path = root / rel
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not stat.S_ISREG(st.st_mode):
        return f"special:{stat.S_IFMT(st.st_mode):o}"
    h = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
