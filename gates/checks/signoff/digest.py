"""The protected digest: what a sign-off binds a release to.

`sha256` over the sorted lines `path NUL blob-id LF`, one per tracked file under the protected
paths (plus the repository's trust-root files: the policy and allowed_signers), where blob-id is
git's object id of the file's bytes (`git hash-object`: sha1 of `blob <size>NUL<bytes>`, no
clean/smudge filters, a symlink hashed as its target text). In the working tree the bytes on disk
are hashed, so uncommitted edits count; at a ref the ids come from `git ls-tree`. Both give the
same digest for the same content. Any change to a protected file changes the digest; changes
elsewhere do not.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from gates import git
from gates.checks.signoff.protected import select
from gates.record import record


@record
class ProtectedDigest:
    digest: str  # "sha256:<hex>"
    files: tuple[tuple[str, str], ...]  # (path, blob id), sorted


def blob_id(data: bytes) -> str:
    """git's object id for a blob with these bytes (SHA-1 object format)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def combine(pairs: Iterable[tuple[str, str]]) -> ProtectedDigest:
    files = tuple(sorted(pairs))
    h = hashlib.sha256()
    for path, blob in files:
        h.update(path.encode("utf-8", "surrogateescape") + b"\0" + blob.encode() + b"\n")
    return ProtectedDigest(digest="sha256:" + h.hexdigest(), files=files)


def compute(
    root: Path, ref: str | None, patterns: tuple[str, ...], extra: tuple[str, ...] = ()
) -> ProtectedDigest:
    """Digest of the tracked files matching `patterns` (plus `extra` paths when tracked)."""
    if ref is not None:
        entries = git.ls_tree(root, ref)
        chosen = set(select((e.path for e in entries), patterns)) | set(extra)
        return combine((e.path, e.blob) for e in entries if e.path in chosen)
    index = git.ls_files(root)
    chosen = set(select((e.path for e in index), patterns)) | set(extra)
    pairs = []
    for entry in index:
        if entry.path not in chosen:
            continue
        if entry.mode == "160000":  # submodule: the commit it pins
            pairs.append((entry.path, entry.blob))
            continue
        data = _read(root / entry.path)
        if data is not None:
            pairs.append((entry.path, blob_id(data)))
    return combine(pairs)


def compute_files(root: Path, paths: Iterable[str], extra: tuple[str, ...] = ()) -> ProtectedDigest:
    """Digest of named working-tree files, for a plain directory without git."""
    pairs = []
    for path in sorted(set(paths) | set(extra)):
        data = _read(root / path)
        if data is not None:
            pairs.append((path, blob_id(data)))
    return combine(pairs)


def _read(path: Path) -> bytes | None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None  # deleted in the working tree: not part of the release
    if stat.S_ISLNK(st.st_mode):
        return os.fsencode(os.readlink(path))
    with open(path, "rb") as fh:
        return fh.read()
