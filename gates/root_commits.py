"""The root commit that names a repository when no fingerprint key is configured, remembered.

Without a configured key, sensitive fingerprints use a key derived from the repository's oldest
root commit (gates.pipeline.fingerprint_key). Asking git for it (`rev-list --max-parents=0 HEAD`)
walks the whole history on every run: 0.36 s on a 100,000-commit repository without a
commit-graph file, paid by every pre-commit call.

The answer is kept in the policy cache for the commit it was computed at, authenticated like
every cached answer (gates.cachekey: a forged entry is ignored). A later HEAD descending from
that commit needs only the commits in between: the roots reachable from HEAD are exactly the
roots reachable from the old commit plus those reachable from HEAD but not from it
(`rev-list --max-parents=0 HEAD ^OLD`). Anything else walks the whole history, as without the
cache: a HEAD that does not descend from the cached commit (another branch, rewritten history),
a shallow clone or grafts (which change which commits have parents without changing HEAD), an
unborn HEAD, no usable machine key.
"""

from __future__ import annotations

import contextlib
import hmac
from pathlib import Path

from gates import cache_sweep, git
from gates.atomic import write_bytes_atomic
from gates.safe_files import UnsafeFile, read_regular

_FILE = "root-commits"
_MAX_BYTES = 64 * 1024  # a repository with more roots than fit is simply not cached


def oldest(root: Path, cache: Path | None, head: git.Head | None = None) -> str | None:
    """The smallest root commit id of HEAD (the value `git.root_commit` gives), None before the
    first commit; with `cache`, remembered there between runs. `head`: HEAD, if already known."""
    if cache is not None and head is None:
        head = git.head(root)
    key = _machine_key() if head is not None and head.parents_fixed else None
    if cache is None or head is None or key is None:
        return git.root_commit(root)
    path = cache / _FILE
    known = _read(path, key)
    if known is not None and known[0] == head.commit:
        found = known[1]
    elif known is not None and git.is_ancestor(root, known[0], head.commit):
        found = tuple(sorted({*known[1], *git.roots(root, head.commit, excluding=known[0])}))
        _write(path, key, head.commit, found)
    else:
        found = git.roots(root, head.commit)
        _write(path, key, head.commit, found)
    return found[0] if found else None


def _machine_key() -> bytes | None:
    from gates.cachekey import machine_key

    try:
        return machine_key()
    except (OSError, ValueError):  # no usable key: nothing cached can be trusted, ask git
        return None


def _tag(key: bytes, commit: str, roots: tuple[str, ...]) -> str:
    from gates.cachekey import tag

    return tag(key, "root-commits", commit, " ".join(roots))


def _read(path: Path, key: bytes) -> tuple[str, tuple[str, ...]] | None:
    """(commit, its roots) as cached, or None when absent, unreadable or not authentic."""
    try:
        lines = read_regular(path, _MAX_BYTES, str(path)).decode("ascii").split("\n")
    except (OSError, UnsafeFile, UnicodeDecodeError):
        return None
    if len(lines) != 3:
        return None
    commit, roots, proof = lines[0], tuple(lines[1].split()), lines[2]
    if not hmac.compare_digest(proof, _tag(key, commit, roots)):
        return None
    cache_sweep.keep(path)  # in use: not to be aged out
    return commit, roots


def _write(path: Path, key: bytes, commit: str, roots: tuple[str, ...]) -> None:
    data = f"{commit}\n{' '.join(roots)}\n{_tag(key, commit, roots)}".encode("ascii")
    if len(data) > _MAX_BYTES:
        return
    # an entry we cannot write is a walk of the history next time, never a wrong answer
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, data)
