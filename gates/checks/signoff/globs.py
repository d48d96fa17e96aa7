"""Protected-path globs: `**` spans directories, `*` and `?` stay within one path segment.

A pattern without `/` matches a file name at any depth; a trailing `/` means everything below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def _translate(pattern: str) -> str:
    pattern = pattern.removeprefix("./").lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    if "/" not in pattern:
        pattern = "**/" + pattern
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def compile_globs(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{_translate(p)})" for p in patterns) or "(?!)", re.DOTALL)


def select(paths: Iterable[str], patterns: Iterable[str]) -> tuple[str, ...]:
    matcher = compile_globs(patterns)
    return tuple(sorted(p for p in paths if matcher.fullmatch(p)))
