"""Secrets in files the text path does not read whole: large text files and binaries.

A large file is streamed in overlapping windows that end at line boundaries
(`gates.streaming`): each window is scanned as text and keeps the hits on lines it owns, with the
file's real line numbers. A binary file's printable strings (`gates.printable`) are scanned one
run per line; each hit names its byte offset instead of a line.
"""

from __future__ import annotations

from dataclasses import replace
from typing import BinaryIO

from gates import streaming
from gates.checks.secrets import scanner
from gates.checks.secrets.hits import Hit, ScanSettings
from gates.model import Unscanned
from gates.textlines import count_breaks, line_starts


def scan(path: str, fh: BinaryIO, kind: Unscanned, settings: ScanSettings) -> list[Hit]:
    found: list[Hit] = []
    if kind is Unscanned.BINARY:
        for window in streaming.windows(fh):
            found += _binary_window(path, window, settings)
    else:
        for window, breaks in streaming.numbered(streaming.windows(fh), count_breaks):
            found += _text_window(path, window, breaks, settings)
    return found


def _text_window(
    path: str, window: streaming.Window, breaks: int, settings: ScanSettings
) -> list[Hit]:
    """Hits of one window of a large text file; `breaks`: the line breaks before the window."""
    text = window.data.decode("utf-8", "replace")
    [hits] = scanner.scan_many([(path, text)], settings)
    starts = line_starts(window.data)  # the scanner's own line count (textlines.py)
    return [
        replace(h, line=h.line + breaks)
        for h in hits
        if 0 < h.line <= len(starts) and window.owns(starts[h.line - 1])
    ]


def _binary_window(path: str, window: streaming.Window, settings: ScanSettings) -> list[Hit]:
    from gates import printable  # lazy: ~2 ms of imports, for binary files only

    runs = printable.runs(window.data)
    if not runs:
        return []
    text = "\n".join(r.text.decode("utf-8", "replace") for r in runs)
    # Scanned under a neutral name: detect-secrets' file-name filter drops `.bin`, `.xlsx`,
    # `.jar`, `.pdf`... unread, which are exactly the binaries whose strings we mean to scan.
    [hits] = scanner.scan_many([(f"{path}.strings", text)], settings)
    out = []
    for h in hits:
        if not 0 < h.line <= len(runs):
            continue
        run = runs[h.line - 1]
        index = run.text.find(h.value.encode("utf-8", "replace")) if h.value else -1
        at = run.source_offset(max(index, 0))
        if window.owns(at):
            out.append(replace(h, path=path, line=0, offset=window.offset + at))
    return out
