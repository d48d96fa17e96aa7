"""The workspace: which files a run scans, and how their bytes are read.

Three selections: every tracked file (`git ls-files`), the names pre-commit passes, or a git
revision's files (used to scan the base side in `--diff` mode). Symlinks are never followed and no
path may leave the root. Every file not fully scanned is listed with the reason: binaries and
files over the size limit are "raw" files, which only gates that read raw bytes see (pii and
secrets scan a binary's printable strings and stream a large file); submodules are named.
A plain directory without git works too (every regular file below it); the CLI warns.
"""

from __future__ import annotations

import io
import mmap
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from gates import git
from gates.errors import InvalidInput
from gates.model import RAW_KINDS, SkippedFile, Unscanned
from gates.record import record

DEFAULT_MAX_FILE_BYTES = 1_048_576
_SNIFF = 8192
_DELETED = SkippedFile(path="", reason="deleted in the working tree")  # left out, not listed
# Why a file is not scanned (None: it is), its size, and its bytes when the sniff read them all
_Seen = tuple[SkippedFile | None, int, bytes | None]
# A text file no larger than the sniff is read whole by it: its bytes are kept, up to this many
# in all, and the gates read them from the workspace instead of opening the file again (1,453 of
# the stripe sdist's 1,735 files, 3.4 MB). Past the budget, files are read again as before: the
# budget is memory every gate's worker may copy (reading a kept object touches its page), and a
# tree too big for it saves little by it (16x stripe, 8 MiB kept: +14 MiB peak, 328 -> 360 MiB).
_KEPT_BYTES = 4 << 20
_IGNORED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv"})


@record
class Workspace:
    """Repo-relative POSIX paths plus a way to read them; immutable and picklable."""

    root: Path
    files: tuple[str, ...]
    skipped: tuple[SkippedFile, ...] = ()
    is_git: bool = True
    ref: str | None = None  # None: the working tree; else the commit whose blobs are read
    contents: Mapping[str, bytes] = field(default_factory=dict)  # preloaded bytes (ref mode)
    # Sizes seen when the files were selected: the gates size their batches by them without a
    # second stat of every file (a stale size only moves a batch boundary).
    seen_sizes: Mapping[str, int] = field(default_factory=dict)
    # Small text files' bytes as selecting them read them whole (_KEPT_BYTES): read once.
    kept: Mapping[str, bytes] = field(default_factory=dict)

    def read_bytes(self, path: str) -> bytes:
        if self.ref is not None:
            return self.contents[path]
        if (data := self.kept.get(path)) is not None:
            return data
        return _read_file(os.path.join(self.root, path), self.seen_sizes.get(path, -1))

    @contextmanager
    def reader(self) -> Iterator[Callable[[str], bytes]]:
        """`read_bytes` for a pass over many files. Each path is opened relative to one open
        handle on the root, so the kernel walks the path from there rather than from `/`: on
        17,000 files this and the read sized by the size seen at selection take a third less
        CPU than `read_bytes` per file."""
        if self.ref is not None:
            yield self.contents.__getitem__
            return
        if os.open not in os.supports_dir_fd:
            yield self.read_bytes
            return
        root_fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        seen, kept = self.seen_sizes, self.kept

        def read(path: str) -> bytes:
            data = kept.get(path)
            return data if data is not None else _read_file(path, seen.get(path, -1), root_fd)

        try:
            yield read
        finally:
            os.close(root_fd)

    def sizes(self, paths: Iterable[str]) -> list[int]:
        """The byte size of each path, without reading it (lstat: a swapped-in symlink is not
        followed)."""
        if self.ref is not None:
            return [len(self.contents[p]) for p in paths]
        root, seen = str(self.root), self.seen_sizes
        return [
            size if (size := seen.get(p, -1)) >= 0 else os.lstat(os.path.join(root, p)).st_size
            for p in paths
        ]

    def read_text(self, path: str) -> str:
        return self.read_bytes(path).decode("utf-8", "replace")

    def open_raw(self, path: str) -> BinaryIO:
        """A binary or large file as a stream, so it is read in bounded chunks."""
        if self.ref is not None:
            return io.BytesIO(self.contents[path])
        fd = os.open(self.root / path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        return os.fdopen(fd, "rb")

    @contextmanager
    def mapped(self, path: str) -> Iterator[bytes | mmap.mmap]:
        """A binary or large file's bytes without reading them into memory: mapped read-only
        from the working tree (the preloaded bytes of a revision)."""
        if self.ref is not None:
            yield self.contents[path]
            return
        with self.open_raw(path) as fh:
            if os.fstat(fh.fileno()).st_size == 0:
                yield b""  # mmap refuses an empty file
                return
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                yield data

    def raw_files(self) -> dict[str, Unscanned]:
        """Binary and large files (kind by path): only gates that read raw bytes scan them."""
        return {s.path: s.kind for s in self.skipped if s.kind in RAW_KINDS}

    @contextmanager
    def on_disk(self, paths: Iterable[str] | None = None) -> Iterator[Path]:
        """A directory holding the files, for external tools: the root itself for the working
        tree, a temporary copy for a git revision. Never writes into the scanned repository."""
        if self.ref is None:
            yield self.root
            return
        import tempfile  # lazy: ~1.7 ms with random, which a run that writes no file never needs

        with tempfile.TemporaryDirectory(prefix="release-gates-") as tmp:
            for path in paths if paths is not None else self.files:
                target = Path(tmp, path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(self.contents[path])
            yield Path(tmp)

    def subset(self, paths: Iterable[str]) -> Workspace:
        keep = set(paths)
        return Workspace(
            root=self.root,
            files=tuple(p for p in self.files if p in keep),
            skipped=tuple(s for s in self.skipped if s.kind not in RAW_KINDS or s.path in keep),
            is_git=self.is_git,
            ref=self.ref,
            contents={p: b for p, b in self.contents.items() if p in keep},
            seen_sizes={p: n for p, n in self.seen_sizes.items() if p in keep},
            kept={p: b for p, b in self.kept.items() if p in keep},
        )


def relative_inside(root: Path, name: str, *, source: str) -> str:
    """`name` (absolute or relative to the cwd) as a repo-relative POSIX path; refuses escapes."""
    candidate = Path(name)
    if not candidate.is_absolute():
        candidate = Path.cwd() / candidate
    # Resolve the parent only: the file itself may be a symlink, which we refuse but must not follow.
    resolved = candidate.parent.resolve() / candidate.name
    try:
        rel = resolved.relative_to(root)
    except ValueError:
        raise InvalidInput(
            source, name, "path is outside the repository", "pass files inside the repository"
        ) from None
    posix = PurePosixPath(*rel.parts).as_posix()
    if posix in ("", ".") or ".." in rel.parts:
        raise InvalidInput(source, name, "not a file in the repository", "pass file paths")
    return posix


# O_NOFOLLOW: a file swapped for a symlink after selection is refused, not followed.
_READ = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_LARGEST_READ = 1 << 30  # one os.read is capped below 2 GiB; never ask for more than this
_READ_ON = 1 << 20


def _read_file(name: str, size: int, dir_fd: int | None = None) -> bytes:
    """The whole file `name` (relative to `dir_fd` when given), never through a symlink."""
    fd = os.open(name, _READ, dir_fd=dir_fd)
    try:
        return _read_all(fd, size)
    finally:
        os.close(fd)


def _read_all(fd: int, size: int) -> bytes:
    """Every byte of an open file, in one read when `size` (-1: unknown) is still its size.

    One more read must return nothing: a file that grew since its size was seen is read to its
    end, and a short read (which a network or FUSE file system may give) is never taken for the
    end of the file. Without a buffered file object: a run reading every file pays it per file."""
    if size < 0:
        size = os.fstat(fd).st_size
    parts = [os.read(fd, min(size + 1, _LARGEST_READ))]
    if parts[0]:
        while chunk := os.read(fd, _READ_ON):
            parts.append(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


# Opening a tracked file first and asking the open file what it is costs one path walk where
# lstat then open cost two (~40% of selecting 17,000 files). Never through a symlink; never
# blocking on a FIFO or taking a terminal. Only for files git tracks: git checks out regular
# files and symlinks, while a plain directory may hold device nodes, which opening can act on.
_OPEN_FIRST = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


def _classify_tracked(root: Path, root_fd: int, path: str, max_bytes: int) -> _Seen:
    try:
        fd = os.open(path, _OPEN_FIRST, dir_fd=root_fd)
    except FileNotFoundError:
        return _DELETED, -1, None
    except OSError:  # a symlink (ELOOP), a socket, a permission problem: look without opening
        return _classify(root, path, max_bytes)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return SkippedFile(path=path, reason="not a regular file"), -1, None
        return _sniffed(fd, path, st.st_size, max_bytes)
    finally:
        os.close(fd)


def _classify(root: Path, path: str, max_bytes: int) -> _Seen:
    """Why a working-tree file is not scanned (None when it is), and its size (-1 unknown)."""
    full = os.path.join(root, path)  # a string: pathlib objects cost more than the syscalls
    try:
        st = os.lstat(full)
    except FileNotFoundError:
        return _DELETED, -1, None
    if stat.S_ISLNK(st.st_mode):
        target = os.path.realpath(full)
        inside = Path(target).is_relative_to(root)
        where = "inside the repository" if inside else "out of the repository"
        return SkippedFile(path=path, reason=f"symlink ({where}), not followed"), -1, None
    if not stat.S_ISREG(st.st_mode):
        return SkippedFile(path=path, reason="not a regular file"), -1, None
    fd = os.open(full, os.O_RDONLY)
    try:
        return _sniffed(fd, path, st.st_size, max_bytes)
    finally:
        os.close(fd)


def _sniffed(fd: int, path: str, size: int, max_bytes: int) -> _Seen:
    """A regular file's kind from its first bytes and size, the size, and the bytes when they
    are the whole file (as large as it was when its size was seen)."""
    head = os.read(fd, _SNIFF)  # one read: a regular file gives all it has up to _SNIFF
    why = raw_kind(path, head, size, max_bytes)
    return why, size, head if why is None and len(head) == size < _SNIFF else None


def raw_kind(path: str, head: bytes, size: int, max_bytes: int) -> SkippedFile | None:
    """A binary (a NUL byte in its first 8 KiB) or large file's listing, or None for text."""
    if b"\0" in head[:_SNIFF]:
        return SkippedFile(
            path=path,
            reason=f"binary ({size} bytes): only pii and secrets scan it, "
            "in its printable strings (ASCII, UTF-8, UTF-16LE)",
            kind=Unscanned.BINARY,
        )
    if size > max_bytes:
        return SkippedFile(
            path=path,
            reason=f"large ({size} bytes > max_file_bytes {max_bytes}): only pii and secrets "
            "scan it, streamed in chunks",
            kind=Unscanned.LARGE,
        )
    return None


# From this many files, selecting them is split over two processes (gates.forked_map): ~5 us of
# system calls a file, ~110 ms for 17,000 files on one core, ~75 ms on two (threads: slower, as
# the GIL serialises the Python between the calls).
_FORK_MIN_FILES = 8192


@record
class _Selection:
    """What selecting candidates found: the files to scan (sorted), those not scanned (deleted
    ones left out), the sizes seen, and the bytes of small files read whole (_KEPT_BYTES)."""

    files: list[str]
    skipped: list[SkippedFile]
    sizes: dict[str, int]
    kept: dict[str, bytes]


def _select(root: Path, candidates: Iterable[str], max_bytes: int, *, tracked: bool) -> _Selection:
    """`tracked`: the candidates are files git tracks (see _OPEN_FIRST)."""
    paths = sorted(set(candidates))
    if len(paths) < _FORK_MIN_FILES or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        return _select_sorted(root, paths, max_bytes, tracked=tracked, budget=_KEPT_BYTES)
    from gates.forked_map import forked_map  # lazy: a pre-commit run names a few files

    half = len(paths) // 2
    parts = forked_map(
        lambda chunk: _select_sorted(
            root, chunk, max_bytes, tracked=tracked, budget=_KEPT_BYTES // 2
        ),
        [paths[:half], paths[half:]],
    )
    first = parts[0]
    for more in parts[1:]:
        first.files.extend(more.files)  # contiguous halves of a sorted list: still sorted
        first.skipped.extend(more.skipped)
        first.sizes.update(more.sizes)
        first.kept.update(more.kept)
    return first


def _select_sorted(
    root: Path, paths: Sequence[str], max_bytes: int, *, tracked: bool, budget: int
) -> _Selection:
    found = _Selection(files=[], skipped=[], sizes={}, kept={})
    root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC) if tracked else -1
    try:
        for path in paths:
            if tracked:
                why, size, whole = _classify_tracked(root, root_fd, path, max_bytes)
            else:
                why, size, whole = _classify(root, path, max_bytes)
            if why is None:
                found.files.append(path)
                found.sizes[path] = size
                if whole is not None and len(whole) <= budget:
                    found.kept[path] = whole
                    budget -= len(whole)
            elif why is not _DELETED:
                found.skipped.append(why)
    finally:
        if root_fd >= 0:
            os.close(root_fd)
    return found


def tracked(root: Path, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Workspace:
    """Every tracked file in the working tree (submodules skipped and listed)."""
    candidates, submodules = git.tracked_paths(root)
    skipped = [_submodule(path) for path in submodules]
    found = _select(root, candidates, max_bytes, tracked=True)
    return Workspace(
        root=root,
        files=tuple(found.files),
        skipped=tuple(sorted(skipped + found.skipped, key=_by_path)),
        seen_sizes=found.sizes,
        kept=found.kept,
    )


def named(
    root: Path, names: Iterable[str], *, is_git: bool, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> Workspace:
    """The files pre-commit (or a user) named on the command line. A directory stands for its
    tracked files (every regular file below it, without git); a name with nothing behind it is
    an error (exit 2), never "0 files scanned"."""
    rel: list[str] = []
    skipped: list[SkippedFile] = []
    for name in names:
        full = Path(name) if Path(name).is_absolute() else Path.cwd() / name
        if full.is_dir() and not full.is_symlink():
            below, subs = _below(root, full, name, is_git)
            rel += below
            skipped += subs
            continue
        path = relative_inside(root, name, source="command line")
        if not os.path.lexists(root / path):
            raise InvalidInput(
                "command line", name, "no such file or directory", "check the path you passed"
            )
        rel.append(path)
    found = _select(root, rel, max_bytes, tracked=is_git)
    return Workspace(
        root=root,
        files=tuple(found.files),
        skipped=tuple(sorted({*skipped, *found.skipped}, key=_by_path)),
        is_git=is_git,
        seen_sizes=found.sizes,
        kept=found.kept,
    )


def _below(
    root: Path, folder: Path, name: str, is_git: bool
) -> tuple[list[str], list[SkippedFile]]:
    """The files a directory argument stands for: tracked ones in git, else every regular file."""
    resolved = folder.resolve()
    if not resolved.is_relative_to(root):
        raise InvalidInput(
            "command line", name, "path is outside the repository", "pass paths inside it"
        )
    rel_dir = PurePosixPath(*resolved.relative_to(root).parts).as_posix()
    if not is_git:
        sub = directory(resolved, max_bytes=DEFAULT_MAX_FILE_BYTES)
        prefix = "" if rel_dir in ("", ".") else rel_dir + "/"
        return [prefix + f for f in sub.files] + [prefix + s.path for s in sub.skipped], []
    files, submodules = git.tracked_paths(root, None if rel_dir in ("", ".") else rel_dir)
    return files, [_submodule(p) for p in submodules]


def _submodule(path: str) -> SkippedFile:
    """A submodule: never scanned; the policy's unscanned.submodules rules on it (coverage.py)."""
    return SkippedFile(path=path, reason="submodule, not scanned", kind=Unscanned.SUBMODULE)


def directory(root: Path, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Workspace:
    """Every regular file below a plain directory (no git): VCS and dependency dirs pruned."""
    candidates: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _IGNORED_DIRS)
        rel_dir = Path(dirpath).relative_to(root)
        candidates.extend(PurePosixPath(*rel_dir.parts, f).as_posix() for f in filenames)
    found = _select(root, candidates, max_bytes, tracked=False)
    return Workspace(
        root=root,
        files=tuple(found.files),
        skipped=tuple(found.skipped),
        is_git=False,
        seen_sizes=found.sizes,
        kept=found.kept,
    )


def at_revision(
    root: Path, ref: str, path_map: Mapping[str, str], *, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> Workspace:
    """Files as they were at `ref`, presented under their current names (`path_map`: current
    path -> path at ref), so fingerprints of renamed files compare equal across the two sides."""
    wanted = {old: new for new, old in path_map.items()}
    entries = [e for e in git.ls_tree(root, ref, tuple(sorted(wanted))) if e.path in wanted]
    regular = [e for e in entries if e.mode in ("100644", "100755")]
    blobs = git.read_blobs(root, tuple(sorted({e.blob for e in regular})))
    contents: dict[str, bytes] = {}
    raw: list[SkippedFile] = []
    for entry in regular:
        data = blobs[entry.blob]
        name = wanted[entry.path]
        contents[name] = data
        kind = raw_kind(name, data, len(data), max_bytes)
        if kind is not None:
            raw.append(kind)
    raw_names = {s.path for s in raw}
    return Workspace(
        root=root,
        files=tuple(sorted(p for p in contents if p not in raw_names)),
        skipped=tuple(sorted(raw, key=_by_path)),
        ref=ref,
        contents=contents,
    )


def _by_path(s: SkippedFile) -> str:
    return s.path
