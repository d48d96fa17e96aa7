"""Parsing `git log -p --cc -U0` output: the lines each commit added, per file.

Pure: an iterable of raw output lines in (as `gates.git.log_patches` streams them), `Added`
chunks out. Only lines a commit *added* count: `+` lines of a normal diff and, for a merge's
dense combined diff, lines added relative to every parent (`++`): what the merge itself
introduced (a conflict resolution); lines taken from one parent were scanned in that parent's
own commit. Deleted files (`+++ /dev/null`) and binary diffs (`Binary files ... differ`) carry
no lines, nor do submodule entries (their `Subproject commit <id>` line). A file's lines are cut into chunks of at most `max_bytes`, so memory stays bounded
however large one commit is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from gates.git import COMMIT_MARKER
from gates.record import record

DEFAULT_CHUNK_BYTES = 1 << 20
_HUNK = re.compile(rb"^(@{2,}) (.*?) @{2,}")
_OCTAL = re.compile(rb"\\([0-7]{3}|.)")
_ESCAPES = {b"n": b"\n", b"t": b"\t", b'"': b'"', b"\\": b"\\", b"a": b"\a", b"b": b"\b"}


@record
class Added:
    """Lines one commit added to one file: (1-based line number in that commit's file, text)."""

    commit: str
    path: str
    lines: tuple[tuple[int, str], ...]


def _unquote(name: bytes) -> bytes:
    """git's C-style quoting of unusual names (`"b/caf\\303\\251.txt"`)."""
    if not (len(name) >= 2 and name[:1] == b'"' and name[-1:] == b'"'):
        return name

    def repl(m: re.Match[bytes]) -> bytes:
        esc = m.group(1)
        if len(esc) == 3:
            return bytes([int(esc, 8)])
        return _ESCAPES.get(esc, esc)

    return _OCTAL.sub(repl, name[1:-1])


def _new_path(line: bytes) -> str | None:
    """The file a `+++ ` line names (None for /dev/null)."""
    name = line[4:].rstrip(b"\n").removesuffix(b"\t")
    if name == b"/dev/null":
        return None
    name = _unquote(name)
    return name.removeprefix(b"b/").decode("utf-8", "surrogateescape")


def _new_start(ranges: bytes) -> int:
    """The first line number of the result side of a hunk header's ranges."""
    for token in ranges.split():
        if token.startswith(b"+"):
            return int(token[1:].split(b",")[0])
    raise ValueError(f"hunk header without a + range: {ranges!r}")


def _is_gitlink(line: bytes) -> bool:
    """A header line saying the entry is a submodule (mode 160000)."""
    return line.startswith((b"new file mode 160000", b"deleted file mode 160000")) or (
        line.startswith(b"index ") and line.rstrip().endswith(b" 160000")
    )


class _File:
    def __init__(self, commit: str, max_bytes: int) -> None:
        self.commit = commit
        self.path: str | None = None
        self.parents = 1
        self.next_line = 0
        self.in_hunk = False
        self.skip = False
        self.lines: list[tuple[int, str]] = []
        self.size = 0
        self.max_bytes = max_bytes

    def take(self) -> Added | None:
        if self.path is None or not self.lines:
            return None
        chunk = Added(commit=self.commit, path=self.path, lines=tuple(self.lines))
        self.lines, self.size = [], 0
        return chunk

    def feed(self, line: bytes) -> Added | None:
        """One line of this file's diff; a full chunk when one is ready."""
        hunk = _HUNK.match(line)
        if hunk:
            self.parents = len(hunk.group(1)) - 1
            self.next_line = _new_start(hunk.group(2))
            self.in_hunk = self.path is not None and not self.skip
            return None
        if not self.in_hunk:
            if line.startswith(b"+++ "):
                self.path = _new_path(line)
            elif line.startswith((b"Binary files ", b"GIT binary patch")) or _is_gitlink(line):
                self.skip = True  # no text lines; a submodule's "+Subproject commit <id>"
            return None
        if line.startswith(b"\\"):  # "\ No newline at end of file"
            return None
        prefix = line[: self.parents]
        if len(prefix) < self.parents or prefix.strip(b"+- "):
            self.in_hunk = False  # not a hunk line: the hunk is over
            return None
        if b"-" in prefix:
            return None  # removed: not in this commit's file
        number = self.next_line
        self.next_line += 1
        if prefix != b"+" * self.parents:
            return None  # context, or taken from one parent of a merge
        text = line[self.parents :].rstrip(b"\n").rstrip(b"\r").decode("utf-8", "replace")
        self.lines.append((number, text))
        self.size += len(text) + 1
        return self.take() if self.size >= self.max_bytes else None


def added(output: Iterable[bytes], *, max_bytes: int = DEFAULT_CHUNK_BYTES) -> Iterator[Added]:
    """The lines each commit added, file by file, in the order git printed them."""
    commit = ""
    current: _File | None = None
    for line in output:
        if line.startswith(COMMIT_MARKER):
            if current is not None and (chunk := current.take()) is not None:
                yield chunk
            commit = line[len(COMMIT_MARKER) :].strip().decode("ascii", "replace")
            current = None
            continue
        if line.startswith((b"diff --git ", b"diff --cc ", b"diff --combined ")):
            if current is not None and (chunk := current.take()) is not None:
                yield chunk
            current = _File(commit, max_bytes)
            continue
        if current is not None and (chunk := current.feed(line)) is not None:
            yield chunk
    if current is not None and (chunk := current.take()) is not None:
        yield chunk
