"""Git access: the few read-only git queries the suite needs, NUL-separated and parsed strictly.

Fail closed: inside a repository every git failure is a `GitFailed` (exit 3) naming the command
and git's own words, never "no files" or plain-directory mode. Only answers git gives on purpose
count as "absent" (not a repository, no such ref, no common history, no commits yet). Every call
runs with `GIT_OPTIONAL_LOCKS=0`, so git never refreshes or rewrites `.git/index`: a gate run
leaves the repository byte-identical. The timeout is a setting (`gates.tool_timeouts`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TypeVar

from gates import tool_timeouts
from gates._proc import ToolResult, argv_batches, run_tool, stream_tool
from gates.errors import GateCannotRun
from gates.record import record

_HINT = "install git (apt-get install git)"
_ANY_CODE = tuple(range(256))
# Read-only: no optional locks (no index refresh); no pager, prompt or replaced objects.
_ENV = {"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "GIT_NO_REPLACE_OBJECTS": "1"}
REGULAR_MODES = frozenset({"100644", "100755"})
_T = TypeVar("_T")
# Starts each commit in `log_patches` output: a diff line always starts with its own prefix
# character and git quotes control characters in names, so no patch line can start with \x01.
COMMIT_MARKER = b"\x01commit "
_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


class GitFailed(GateCannotRun):
    """A git command failed where an answer was needed: the run cannot know what it scans."""

    def __init__(self, args: tuple[str, ...], result: ToolResult | None, detail: str = "") -> None:
        stderr = result.stderr_tail(600) if result is not None else ""
        code = f"exit {result.returncode}" if result is not None else "failed"
        words = detail or stderr or "no message"
        super().__init__(
            "git",
            f"`git {' '.join(args)}` {code}: {words}",
            _fix_for(stderr),
        )


def _fix_for(stderr: str) -> str:
    if "dubious ownership" in stderr:
        return (
            "the checkout belongs to another user; mark it safe with "
            '`git config --global --add safe.directory "$PWD"` (in GitHub Actions, '
            "actions/checkout does this), or run as the owner"
        )
    if "shallow" in stderr or "bad object" in stderr or "unknown revision" in stderr:
        return "fetch the full history (actions/checkout with fetch-depth: 0)"
    return "run that git command by hand in the repository to see and fix the problem"


def _run(root: Path, *args: str, stdin: bytes | None = None) -> ToolResult:
    return run_tool(
        ("git", "-c", "core.quotepath=off", *args),
        gate="git",
        cwd=root,
        timeout_s=tool_timeouts.current().git,
        ok_codes=_ANY_CODE,
        install_hint=_HINT,
        env=_ENV,
        stdin=stdin,
        die_with_parent=False,  # git cannot outlive us by more than its own short work
    )


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    result = _run(root, *args, stdin=stdin)
    if result.returncode != 0:
        raise GitFailed(args, result)
    return result.stdout


def toplevel(start: Path) -> Path | None:
    """The repository root containing `start`; None only when git says this is no repository
    and no `.git` lies above. Any other failure (dubious ownership, a broken `.git`) raises."""
    args = ("rev-parse", "--show-toplevel")
    result = _run(start, *args)
    if result.returncode == 0:
        return Path(result.stdout.decode().strip()).resolve()
    says_none = "not a git repository" in result.stderr.decode("utf-8", "replace").lower()
    if says_none and not _git_marker_above(start):
        return None
    raise GitFailed(args, result)


def _git_marker_above(start: Path) -> bool:
    here = start.resolve()
    return any((folder / ".git").exists() for folder in (here, *here.parents))


@record
class IndexEntry:
    path: str
    mode: str  # "100644", "100755", "120000" (symlink), "160000" (submodule)
    blob: str


def ls_files(root: Path, under: str | None = None) -> tuple[IndexEntry, ...]:
    """Tracked files with mode and blob id, from `git ls-files -s -z` (only below the
    repo-relative directory `under`, when given)."""
    entries = []
    for meta, path in _index(root, under):
        mode, blob, _stage = meta.decode().split(" ")
        entries.append(IndexEntry(path=path, mode=mode, blob=blob))
    return tuple(entries)


def tracked_paths(root: Path, under: str | None = None) -> tuple[list[str], list[str]]:
    """The tracked paths, as `ls_files` lists them: (files, submodules). Without an IndexEntry a
    file, which a run selecting 17,000 files spent ~50 ms building and never read."""
    files: list[str] = []
    submodules: list[str] = []
    for meta, path in _index(root, under):
        (submodules if meta.startswith(b"160000 ") else files).append(path)
    return files, submodules


def _index(root: Path, under: str | None) -> Iterator[tuple[bytes, str]]:
    """(`mode blob stage`, path) of each index entry, from `git ls-files -s -z`."""
    spec = ("--", f":(literal){under}") if under else ()
    for entry in _git(root, "ls-files", "-s", "-z", *spec).split(b"\0"):
        if entry:
            meta, _, path = entry.partition(b"\t")
            yield meta, path.decode("utf-8", "surrogateescape")


def ls_tree(root: Path, ref: str, paths: tuple[str, ...] = ()) -> tuple[IndexEntry, ...]:
    """Files of a tree (recursive) with mode and blob id, from `git ls-tree -r -z` (one git
    process per command line's worth of `paths`)."""
    batches = argv_batches(paths) if paths else [[]]
    out = b"".join(_git(root, "ls-tree", "-r", "-z", "--full-tree", ref, "--", *b) for b in batches)
    entries = []
    for item in out.split(b"\0"):
        if not item:
            continue
        meta, _, path = item.partition(b"\t")
        mode, _kind, blob = meta.decode().split(" ")
        entries.append(
            IndexEntry(path=path.decode("utf-8", "surrogateescape"), mode=mode, blob=blob)
        )
    return tuple(entries)


def rev_parse(root: Path, rev: str) -> str | None:
    """The commit `rev` names, or None when there is no such commit (git exits 1)."""
    return _answer_or_none(
        root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"
    )


def tree_of(root: Path, rev: str) -> str | None:
    """The id of the tree commit `rev` records, or None when there is no such commit."""
    return _answer_or_none(
        root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{tree}}"
    )


def merge_base(root: Path, a: str, b: str) -> str | None:
    """The merge base of two commits, or None when they share no history (git exits 1)."""
    return _answer_or_none(root, "merge-base", "--end-of-options", a, b)


def _answer_or_none(root: Path, *args: str) -> str | None:
    """git's one-line answer; None when git exits 1 ("no such thing"); any other code raises."""
    result = _run(root, *args)
    if result.returncode == 0:
        return result.stdout.decode().strip()
    if result.returncode == 1:
        return None
    raise GitFailed(args, result)


def root_commit(root: Path) -> str | None:
    """The oldest root commit of HEAD (sorted for determinism); None before the first commit."""
    args = ("rev-list", "--max-parents=0", "HEAD")
    result = _run(root, *args)  # one git process in the common case (every run without a key)
    if result.returncode != 0:
        if rev_parse(root, "HEAD") is None:
            return None  # no commit yet: rev-list failed on the unborn HEAD
        raise GitFailed(args, result)
    lines = result.stdout.decode().split()
    return sorted(lines)[0] if lines else None


@record
class Head:
    commit: str
    # No shallow boundary and no grafts: which commits have parents is the objects' own say,
    # so an answer about this commit's history stays true (gates.root_commits relies on it).
    parents_fixed: bool


# HEAD and the two files that would make its recorded history differ from the objects' own.
_HEAD_ARGS = ("HEAD", "--git-path", "shallow", "--git-path", "info/grafts")


def _parsed_head(lines: list[str], ran_in: Path) -> Head | None:
    """HEAD from `rev-parse _HEAD_ARGS` output; its git paths are relative to where git ran."""
    if len(lines) != 3 or not _OBJECT_ID.fullmatch(lines[0]):
        return None
    fixed = not any((ran_in / path).exists() for path in lines[1:])
    return Head(commit=lines[0], parents_fixed=fixed)


def _lines(result: ToolResult) -> list[str]:
    return result.stdout.decode("utf-8", "surrogateescape").splitlines()


def head(root: Path) -> Head | None:
    """HEAD's commit and whether its history is as recorded; None on an unborn HEAD or any
    failure (the caller then asks git the whole question, which reports failures)."""
    result = _run(root, "rev-parse", *_HEAD_ARGS)
    return _parsed_head(_lines(result), root) if result.returncode == 0 else None


def locate(start: Path) -> tuple[Path, Head | None] | None:
    """`toplevel(start)` and, when there is one, HEAD as `head` gives it, from one git call: a
    pre-commit run pays for each git start (~4 ms). On an unborn HEAD or any failure this is
    `toplevel` alone (which reports failures), without HEAD."""
    result = _run(start, "rev-parse", "--show-toplevel", *_HEAD_ARGS)
    lines = _lines(result)
    found = _parsed_head(lines[1:], start) if result.returncode == 0 and lines else None
    if found is not None:
        return Path(lines[0]).resolve(), found
    top = toplevel(start)
    return None if top is None else (top, None)


def is_ancestor(root: Path, old: str, new: str) -> bool:
    """Whether commit `old` is reachable from `new`; False also when git cannot tell (say, `old`
    is gone after a history rewrite): the caller then takes the longer, certain way."""
    args = ("merge-base", "--is-ancestor", "--end-of-options", old, new)
    return _run(root, *args).returncode == 0


def roots(root: Path, commit: str, *, excluding: str | None = None) -> tuple[str, ...]:
    """The parentless commits reachable from `commit` (and not from `excluding`), sorted."""
    args: tuple[str, ...] = ("rev-list", "--max-parents=0", "--end-of-options", commit)
    if excluding is not None:
        args += (f"^{excluding}",)
    return tuple(sorted(_git(root, *args).decode().split()))


def commit_time(root: Path, rev: str) -> int:
    """The committer timestamp (seconds since the epoch) of a commit."""
    out = _git(root, "show", "-s", "--format=%ct", "--end-of-options", f"{rev}^{{commit}}")
    return int(out.decode().strip())


@record
class Change:
    status: str  # A, M, D, R, C, T
    path: str  # path now
    old_path: str  # path at the base (== path unless renamed/copied)


def diff_against(root: Path, base: str) -> tuple[Change, ...]:
    """Changes from commit `base` to the working tree, rename-aware (`-M`)."""
    out = _git(
        root, "diff", "--no-ext-diff", "--no-textconv", "--name-status", "-z", "-M", base, "--"
    )
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


def count_commits(root: Path, rev_range: str) -> int:
    """How many commits `rev_range` (`base..HEAD`) names."""
    out = _git(root, "rev-list", "--count", "--end-of-options", rev_range, "--")
    return int(out.decode().strip())


def dirty(root: Path) -> bool:
    """Whether tracked files differ from HEAD (the working tree is what gets scanned)."""
    out = _git(
        root, "status", "--porcelain", "-z", "--untracked-files=no", "--ignore-submodules=none"
    )
    return bool(out.strip(b"\0"))


def read_blobs(root: Path, blobs: tuple[str, ...]) -> dict[str, bytes]:
    """Contents of many blobs in one `git cat-file --batch` call."""
    if not blobs:
        return {}
    data = _git(root, "cat-file", "--batch", stdin=("\n".join(blobs) + "\n").encode())
    out: dict[str, bytes] = {}
    pos = 0
    for blob in blobs:
        nl = data.find(b"\n", pos)
        header = data[pos:nl].decode("utf-8", "replace").split(" ") if nl >= 0 else []
        if len(header) != 3 or header[1] != "blob":
            raise GitFailed(
                ("cat-file", "--batch"), None, f"unexpected answer {header!r} for {blob}"
            )
        size = int(header[2])
        out[blob] = data[nl + 1 : nl + 1 + size]
        pos = nl + 1 + size + 1
    return out


def entry_at(root: Path, ref: str, path: str) -> IndexEntry | None:
    """The tree entry for exactly `path` at `ref` (any mode: file, symlink, tree, submodule),
    or None when `ref` has nothing at that path."""
    out = _git(root, "ls-tree", "-z", "--full-tree", "--end-of-options", ref, "--", path)
    for item in out.split(b"\0"):
        if not item:
            continue
        meta, _, name = item.partition(b"\t")
        mode, _kind, blob = meta.decode().split(" ")
        if name.decode("utf-8", "surrogateescape") == path:
            return IndexEntry(path=path, mode=mode, blob=blob)
    return None


def blob_sizes(root: Path, blobs: tuple[str, ...]) -> dict[str, int]:
    """Sizes of many blobs in one `git cat-file --batch-check` call."""
    if not blobs:
        return {}
    out = _git(root, "cat-file", "--batch-check", stdin=("\n".join(blobs) + "\n").encode())
    sizes: dict[str, int] = {}
    for blob, line in zip(blobs, out.decode("utf-8", "replace").splitlines(), strict=True):
        fields = line.split(" ")
        if len(fields) != 3 or fields[1] != "blob":
            raise GitFailed(("cat-file", "--batch-check"), None, f"unexpected answer {line!r}")
        sizes[blob] = int(fields[2])
    return sizes


def blob_size(root: Path, blob: str) -> int:
    return int(_git(root, "cat-file", "-s", blob).decode().strip())


def head_author_email(root: Path) -> str | None:
    """HEAD's author e-mail; None before the first commit."""
    if rev_parse(root, "HEAD") is None:
        return None
    return _git(root, "log", "-1", "--format=%ae").decode().strip() or None


def authors_since(root: Path, base: str) -> frozenset[str]:
    """Author e-mails of every non-merge commit in `base..HEAD`."""
    out = _git(root, "log", "-z", "--no-merges", "--format=%ae", f"{base}..HEAD", "--")
    return frozenset(e for e in out.decode("utf-8", "replace").split("\0") if e.strip())


def log_patches(root: Path, revs: tuple[str, ...], consume: Callable[[IO[bytes]], _T]) -> _T:
    """Stream `git log -p` of `revs` (e.g. `("base..HEAD",)`) into `consume`, in bounded memory.

    Pinned so no user or repository setting changes the text: no colour, pager, external diff,
    textconv or signature output, the root commit shown, `a/`/`b/` prefixes, zero context lines,
    renames followed
    (`-M`), merges as dense combined diffs (`--cc`: only what the merge itself introduced).
    Each commit starts with `COMMIT_MARKER` + its full id. A non-zero exit is a GitFailed.
    """
    args = (
        "-c", "log.showSignature=false", "-c", "log.showRoot=true", "-c", "core.pager=cat",
        "log", "-p", "--cc", "-M", "-U0", "--no-color", "--no-ext-diff", "--no-textconv",
        "--src-prefix=a/", "--dst-prefix=b/", "--format=tformat:%x01commit %H", "--end-of-options",
        *revs, "--",
    )  # fmt: skip
    value, result = stream_tool(
        ("git", "-c", "core.quotepath=off", *args),
        consume,
        gate="git",
        cwd=root,
        timeout_s=tool_timeouts.current().git,
        install_hint=_HINT,
        env=_ENV,
        die_with_parent=False,  # its output comes to our pipe: SIGPIPE ends it once we are gone
    )
    if result.returncode != 0:
        raise GitFailed(args, result)
    return value
