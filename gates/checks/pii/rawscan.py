"""Values in files the text path does not read whole: large text files and binaries.

A large file is streamed in overlapping windows (`gates.streaming`), so memory stays bounded and a
value spanning a chunk boundary is found once; findings carry the file's real line numbers. A
binary file's printable strings (`gates.printable`) are scanned window by window, and each finding
names its byte offset. Only sensitive values are looked for here: PII field names in fixtures and
log calls need the whole text (they are checked in files under `max_file_bytes`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import BinaryIO

from gates import streaming
from gates.checks.pii import rules, scanner
from gates.checks.pii.filescan import (
    _SEVERITY,
    GATE,
    Plan,
    _Lines,
    _message,
    _Snippets,
    _value_finding,
)
from gates.model import Finding, Location, Unscanned


def scan(path: str, fh: BinaryIO, kind: Unscanned, plan: Plan) -> list[Finding]:
    """Every value finding in one binary or large file (unsorted)."""
    found: list[Finding] = []
    if kind is Unscanned.BINARY:
        for window in streaming.windows(fh):
            found += _binary_window(path, window, plan)
    else:
        for window, line in streaming.numbered(streaming.windows(fh), streaming.newlines):
            found += _text_window(path, window, line, plan)
    return found


def _reported(path: str, hits: list[scanner.Hit], plan: Plan) -> list[scanner.Hit]:
    if hits and plan.test_cards_allowed(path):
        return [h for h in hits if h.rule != rules.PAN_TEST.id]
    return hits


def _text_window(path: str, window: streaming.Window, line: int, plan: Plan) -> list[Finding]:
    """Findings of one window of a large text file; `line`: the newlines before the window."""
    hits = plan.scanner.scan(window.data, fixtures=plan.is_fixture(path))
    owned = [h for h in hits if window.owns(h.start)]
    if not owned:
        return []
    lines = _Lines(window.data)
    snippet = _Snippets(lines, hits, {})
    out = []
    for hit in _reported(path, owned, plan):
        f = _value_finding(path, hit, lines, snippet, {}, plan)
        loc = f.location
        out.append(
            replace(
                f,
                location=replace(loc, line=loc.line + line, end_line=loc.end_line + line),
            )
        )
    return out


# Binary formats glue fields together (an SQLite row is "Jane Doe4301661318609135"): a second
# pass with letters blanked out (same offsets) finds numbers that a letter would otherwise hide.
_LETTERS = bytes(range(ord("A"), ord("Z") + 1)) + bytes(range(ord("a"), ord("z") + 1))
_BLANK_LETTERS = bytes.maketrans(_LETTERS, b" " * len(_LETTERS))
_NUMERIC = frozenset({rules.PAN.id, rules.PAN_TEST.id, rules.SSN.id})


def _binary_hits(data: bytes, plan: Plan, fixtures: bool) -> list[scanner.Hit]:
    hits = plan.scanner.scan(data, fixtures=fixtures)
    seen = {h.start for h in hits}
    for hit in plan.scanner.scan(data.translate(_BLANK_LETTERS), fixtures=fixtures):
        if hit.rule in _NUMERIC and hit.start not in seen:
            hits.append(hit)
    return hits


def _binary_window(path: str, window: streaming.Window, plan: Plan) -> list[Finding]:
    from gates import printable  # lazy: ~2 ms of imports, for binary files only

    text = printable.strings(window.data)
    out = []
    hits = _binary_hits(text.text, plan, plan.is_fixture(path))
    for hit in _reported(path, hits, plan):
        _, at = text.locate(hit.start)
        if not window.owns(at):
            continue
        offset = window.offset + at
        out.append(
            Finding(
                gate=GATE,
                rule=hit.rule,
                severity=hit.severity or _SEVERITY[hit.rule],
                message=f"{_message(hit)} at byte offset {offset} of a binary file",
                location=Location(path=path),
                fingerprint=plan.key.sensitive(GATE, hit.rule, path, hit.value),
                snippet=hit.masked,
                properties=(("kind", hit.label), ("byte_offset", str(offset))),
            )
        )
    return out
