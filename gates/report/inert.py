"""Untrusted text made inert: what a scanned file wrote can't steer a terminal or a reader.

Messages, snippets and paths come from the code under review. Before a text, JUnit or GitHub
report shows them, C0/C1 control characters, DEL, the Unicode line and paragraph separators, and
the bidirectional and invisible formatting characters used in "Trojan Source" attacks are shown
as escapes (`\\x1b`, `\\u202e`), so a file can't move the cursor, retitle the terminal, break a
line, or make a line read differently from what it holds. Lone surrogates (bytes that did not
decode) are escaped too, so every report encodes as UTF-8.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x09:
        return "\\t"
    if code == 0x0A:
        return "\\n"
    if code == 0x0D:
        return "\\r"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def inert(text: str) -> str:
    """`text` on one line, with control, bidi-override and invisible characters as escapes."""
    return _UNSAFE.sub(_escape_char, text)
