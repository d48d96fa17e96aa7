"""The reconcile data of a past commit: the file sources' files as the merge base had them.

`gates run --diff BASE` blocks only on discrepancy classes the change made worse, so the gate
also runs on the data at the merge base (GateContext.revision). File sources (JSONL, CSV,
Parquet, SQLite) live in the repository: their files at that commit are written into a private
temporary directory under the same repo-relative paths, and the source specs resolve there with
the same globs. Sources outside the repository (PostgreSQL, Kafka) are the same on both sides:
no change can alter them, so they are read as they are.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from gates import git
from gates.budget import runs_within
from gates.checks.reconcile.sources import SourceKind
from gates.git import IndexEntry

REPOSITORY_KINDS = frozenset(
    {SourceKind.JSONL, SourceKind.CSV, SourceKind.PARQUET, SourceKind.SQLITE}
)
_REGULAR = ("100644", "100755")


def literal_prefix(pattern: str) -> str:
    """The directory part of a glob before its first wildcard: everything it can match is below."""
    parts = []
    for part in PurePosixPath(pattern).parts[:-1]:
        if glob.has_magic(part):
            break
        parts.append(part)
    return "/".join(parts)


def in_repository(spec: object) -> bool:
    """Whether a source spec names files in the repository (which a change can alter)."""
    return isinstance(spec, Mapping) and str(spec.get("kind")) in {
        k.value for k in REPOSITORY_KINDS
    }


def repository_paths(specs: Iterable[Mapping[str, Any] | None]) -> tuple[str, ...]:
    """The directories (or files) at whose contents the file sources' globs look."""
    found = set()
    for spec in specs:
        if spec is None or not in_repository(spec):
            continue
        pattern = spec.get("path")
        if not isinstance(pattern, str) or PurePosixPath(pattern).is_absolute():
            continue  # the working-tree side reports the bad path, with its field
        prefix = literal_prefix(pattern)
        found.add(prefix if prefix else ".")
    return tuple(sorted(found))


def materialize(root: Path, revision: str, paths: Iterable[str], dest: Path) -> int:
    """Write the regular files below `paths` at `revision` into `dest`; the number written.

    Blobs are read in batches of at most BATCH_BYTES (one git process per batch, not per file:
    a data directory can hold thousands of parts; a blob larger than that is a batch alone, so
    memory stays bounded by the largest file). Symlinks and submodules are not data and are
    left out, as the working-tree side refuses symlinks leaving the repository.
    """
    paths = tuple(paths)
    wanted = tuple(p for p in paths if p != ".")
    entries = [
        e
        for e in git.ls_tree(root, revision, () if "." in paths else wanted)
        if e.mode in _REGULAR and _safe(e.path)
    ]
    sizes = git.blob_sizes(root, tuple(sorted({e.blob for e in entries})))
    written = 0
    for batch in _batches(entries, sizes):
        blobs = git.read_blobs(root, tuple(sorted({e.blob for e in batch})))
        for entry in batch:
            target = dest.joinpath(*PurePosixPath(entry.path).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(blobs[entry.blob])
            written += 1
    return written


BATCH_BYTES = 64 << 20


def _safe(path: str) -> bool:
    """git never stores such names; never write outside dest all the same."""
    rel = PurePosixPath(path)
    return not rel.is_absolute() and ".." not in rel.parts


def _batches(entries: Sequence[IndexEntry], sizes: Mapping[str, int]) -> Iterator[list[IndexEntry]]:
    return runs_within(entries, (sizes[e.blob] for e in entries), BATCH_BYTES)
