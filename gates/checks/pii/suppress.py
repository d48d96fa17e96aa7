"""Inline suppression requests: `# gates: allow pii` (or after //, --, /*, <!--, ;).

A request on a line applies to findings on that line; a request alone on its line applies to the
next line too. Requests are recorded in `Finding.suppression_requests` and shown in reports; they
never remove a finding (only a signed approval does).
"""

from __future__ import annotations

import re

from gates.checks.pii.masking import mask_digit_runs

_REQUEST = re.compile(
    rb"(?:#|//|/\*|--|<!--|;)[ \t]*(gates:[ \t]*allow[ \t]+pii\b[^\n]{0,120})", re.IGNORECASE
)
_TRAILER = re.compile(r"\s*(?:\*/|-->)\s*$")


PREFILTER = rb"(?i:gates:[ \t]*allow[ \t]+pii)"  # for a fast engine: most files have none


def requests_by_line(data: bytes) -> dict[int, str]:
    """Line number (1-based) -> the request text that covers it."""
    found: dict[int, str] = {}
    for m in _REQUEST.finditer(data):
        line = data.count(b"\n", 0, m.start()) + 1
        text = _TRAILER.sub("", m.group(1).decode("utf-8", "replace")).strip()
        text = mask_digit_runs(text)  # a reason must not smuggle a number into a report
        found.setdefault(line, text)
        line_start = data.rfind(b"\n", 0, m.start()) + 1
        if not data[line_start : m.start()].strip():  # the comment is alone on its line
            found.setdefault(line + 1, text)
    return found
