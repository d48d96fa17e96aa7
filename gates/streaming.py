"""Chunked reading: a large file as overlapping windows, so memory stays bounded.

Each window holds up to `chunk + overlap` bytes and *owns* its first `owned` bytes: a match is
reported by the window that owns its start, so a value that spans a chunk boundary is still found
whole (it lies in the overlap) and is never reported twice. A window ends after a line break
(`\n`, `\r\n` or a lone `\r`, never between `\r` and `\n`) when one falls in the second half of
the chunk, so line-based scanners (detect-secrets) see whole lines and line numbers stay exact.
`numbered` gives each window the lines before it, counted as its scanner counts them: newlines
(the pii gate) or line breaks as `gates.textlines` counts them (the secrets gate). Each count is a
pass over the bytes, so only a scanner that numbers lines pays one, and only its own: a binary
file's windows are not counted at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from gates.record import record

CHUNK_BYTES = 1024 * 1024
OVERLAP_BYTES = 64 * 1024  # far longer than any value a gate looks for


@record
class Window:
    offset: int  # byte offset of data[0] in the file
    data: bytes
    owned: int  # matches starting in data[:owned] belong to this window

    def owns(self, start: int) -> bool:
        """Whether a match starting at `start` (an offset into `data`) belongs to this window."""
        return start < self.owned


def windows(
    fh: BinaryIO, *, chunk: int = CHUNK_BYTES, overlap: int = OVERLAP_BYTES
) -> Iterator[Window]:
    """The file as overlapping windows, first to last (an empty file is one empty window)."""
    if chunk < 2 or overlap < 1:
        raise ValueError("chunk must be >= 2 and overlap >= 1")
    buf = b""
    offset = 0
    eof = False
    while True:
        while not eof and len(buf) < chunk + overlap:
            more = fh.read(chunk + overlap - len(buf))
            if more:
                buf += more
            else:
                eof = True
        if eof and len(buf) <= chunk + overlap:
            yield Window(offset=offset, data=buf, owned=len(buf))
            return
        owned = _after_last_break(buf, chunk // 2, chunk)
        yield Window(offset=offset, data=buf, owned=owned)
        offset += owned
        buf = buf[owned:]


def numbered(
    wins: Iterator[Window], count: Callable[[bytes, int, int], int]
) -> Iterator[tuple[Window, int]]:
    """Each window with the lines before it, as `count(data, start, end)` counts a window's
    owned bytes (windows never part a `\r\n`, so the counts add up exactly). A window is
    counted when the next one comes: the last, which nothing follows, never is."""
    before = 0
    last: Window | None = None
    for window in wins:
        if last is not None:
            before += count(last.data, 0, last.owned)
        yield window, before
        last = window


def newlines(data: bytes, start: int, end: int) -> int:
    """The `\n` bytes in data[start:end]: lines as the pii gate numbers them."""
    return data.count(b"\n", start, end)


def _after_last_break(buf: bytes, start: int, end: int) -> int:
    """Where a window ends: just after the last line break starting in `buf[start:end]`, or at
    `end` without one; never between a `\r` and the `\n` after it (`buf` extends past `end`)."""
    cut = max(buf.rfind(b"\n", start, end), buf.rfind(b"\r", start, end)) + 1 or end
    return cut + 1 if buf[cut - 1 : cut + 1] == b"\r\n" else cut
