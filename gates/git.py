"""Git access: the few read-only git queries the suite needs, NUL-separated and parsed strictly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gates._proc import run_tool

_HINT = "install git (apt-get install git)"
_TIMEOUT_S = 120.0


def _git(root: Path, *args: str, ok: tuple[int, ...] = (0,)) -> bytes:
    return run_tool(
        ("git", "-c", "core.quotepath=off", *args),
        gate="git",
        cwd=root,
        timeout_s=_TIMEOUT_S,
        ok_codes=ok,
        install_hint=_HINT,
    ).stdout


def toplevel(start: Path) -> Path | None:
    """The repository root containing `start`, or None outside a git work tree."""
    out = run_tool(
        ("git", "rev-parse", "--show-toplevel"),
        gate="git",
        cwd=start,
        timeout_s=_TIMEOUT_S,
        ok_codes=(0, 128),
        install_hint=_HINT,
    )
    if out.returncode != 0:
        return None
    return Path(out.stdout.decode().strip()).resolve()


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexEntry:
    path: str
    mode: str  # "100644", "100755", "120000" (symlink), "160000" (submodule)
    blob: str


def ls_files(root: Path) -> tuple[IndexEntry, ...]:
    """Tracked files with mode and blob id, from `git ls-files -s -z`."""
    entries = []
    for record in _git(root, "ls-files", "-s", "-z").split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, blob, _stage = meta.decode().split(" ")
        entries.append(
            IndexEntry(path=path.decode("utf-8", "surrogateescape"), mode=mode, blob=blob)
        )
    return tuple(entries)


def ls_tree(root: Path, ref: str, paths: tuple[str, ...] = ()) -> tuple[IndexEntry, ...]:
    """Files of a tree (recursive) with mode and blob id, from `git ls-tree -r -z`."""
    out = _git(root, "ls-tree", "-r", "-z", "--full-tree", ref, "--", *paths)
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, _kind, blob = meta.decode().split(" ")
        entries.append(
            IndexEntry(path=path.decode("utf-8", "surrogateescape"), mode=mode, blob=blob)
        )
    return tuple(entries)


def rev_parse(root: Path, rev: str) -> str | None:
    out = run_tool(
        ("git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"),
        gate="git",
        cwd=root,
        timeout_s=_TIMEOUT_S,
        ok_codes=(0, 1, 128),
        install_hint=_HINT,
    )
    return out.stdout.decode().strip() if out.returncode == 0 else None


def merge_base(root: Path, a: str, b: str) -> str | None:
    out = run_tool(
        ("git", "merge-base", a, b),
        gate="git",
        cwd=root,
        timeout_s=_TIMEOUT_S,
        ok_codes=(0, 1, 128),
        install_hint=_HINT,
    )
    return out.stdout.decode().strip() if out.returncode == 0 else None


def root_commit(root: Path) -> str | None:
    out = run_tool(
        ("git", "rev-list", "--max-parents=0", "HEAD"),
        gate="git",
        cwd=root,
        timeout_s=_TIMEOUT_S,
        ok_codes=(0, 128),
        install_hint=_HINT,
    )
    lines = out.stdout.decode().split()
    return sorted(lines)[0] if out.returncode == 0 and lines else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    status: str  # A, M, D, R, C, T
    path: str  # path now
    old_path: str  # path at the base (== path unless renamed/copied)


def diff_against(root: Path, base: str) -> tuple[Change, ...]:
    """Changes from commit `base` to the working tree, rename-aware (`-M`)."""
    out = _git(root, "diff", "--no-ext-diff", "--name-status", "-z", "-M", base, "--")
    fields = [f.decode("utf-8", "surrogateescape") for f in out.split(b"\0")]
    changes = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i][0]
        if status in "RC":
            changes.append(Change(status=status, old_path=fields[i + 1], path=fields[i + 2]))
            i += 3
        else:
            changes.append(Change(status=status, old_path=fields[i + 1], path=fields[i + 1]))
            i += 2
    return tuple(changes)


def read_blobs(root: Path, blobs: tuple[str, ...]) -> dict[str, bytes]:
    """Contents of many blobs in one `git cat-file --batch` call."""
    if not blobs:
        return {}
    result = run_tool(
        ("git", "cat-file", "--batch"),
        gate="git",
        cwd=root,
        timeout_s=_TIMEOUT_S,
        install_hint=_HINT,
        stdin=("\n".join(blobs) + "\n").encode(),
    )
    data = result.stdout
    out: dict[str, bytes] = {}
    pos = 0
    for blob in blobs:
        nl = data.index(b"\n", pos)
        header = data[pos:nl].decode().split(" ")
        if len(header) != 3:
            raise ValueError(f"git cat-file: unexpected header {header!r} for {blob}")
        size = int(header[2])
        out[blob] = data[nl + 1 : nl + 1 + size]
        pos = nl + 1 + size + 1
    return out


def show_file(root: Path, ref: str, path: str) -> bytes | None:
    """A file's bytes at `ref`, or None when it does not exist there."""
    out = run_tool(
        ("git", "show", f"{ref}:{path}"),
        gate="git",
        cwd=root,
        timeout_s=_TIMEOUT_S,
        ok_codes=(0, 128),
        install_hint=_HINT,
    )
    return out.stdout if out.returncode == 0 else None


def head_author_email(root: Path) -> str | None:
    out = run_tool(
        ("git", "log", "-1", "--format=%ae"),
        gate="git",
        cwd=root,
        timeout_s=_TIMEOUT_S,
        ok_codes=(0, 128),
        install_hint=_HINT,
    )
    return out.stdout.decode().strip() or None if out.returncode == 0 else None
