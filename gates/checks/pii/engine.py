"""The regular-expression engine: google-re2 behind a small typed surface.

re2 matches in linear time with a DFA, so one combined pattern scans a file at close to memory
speed, and a hostile policy pattern can't backtrack forever. google-re2 ships no type stubs, so
this module is the one place that touches it untyped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, cast

import re2  # type: ignore[import-untyped]  # google-re2 publishes no stubs or py.typed


class Match(Protocol):
    lastindex: int | None

    def span(self, group: int = 0) -> tuple[int, int]: ...
    def start(self, group: int = 0) -> int: ...
    def end(self, group: int = 0) -> int: ...
    def group(self, group: int = 0) -> bytes: ...


class Pattern(Protocol):
    groups: int

    def search(self, text: bytes, pos: int = 0) -> Match | None: ...
    def finditer(self, text: bytes) -> Iterator[Match]: ...


def compile_bytes(pattern: bytes, *, latin1: bool) -> Pattern | None:
    """The compiled pattern, or None when re2 lacks its syntax (look-around, backreferences).

    latin1: every byte is one character, so invalid UTF-8 in a scanned file can't derail a match.
    """
    options = re2.Options()
    options.log_errors = False
    if latin1:
        options.encoding = re2.Options.Encoding.LATIN1
    try:
        return cast(Pattern, re2.compile(pattern, options=options))
    except re2.error:
        return None


def compile_known(pattern: bytes | str) -> Pattern:
    """One of our own patterns (latin-1): re2 not accepting it is a bug in this package."""
    compiled = compile_bytes(pattern.encode() if isinstance(pattern, str) else pattern, latin1=True)
    if compiled is None:
        raise RuntimeError(f"re2 rejected a built-in pii pattern: {pattern!r}")
    return compiled
