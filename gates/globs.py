"""Path globs as policies write them: `**` for any depth, `*` within one path segment.

Patterns match repo-relative POSIX paths. A pattern without a `/` matches a file name at any depth
(as in .gitignore): `*.pem` matches `a/b/key.pem`. A trailing `/` or `/**` matches everything
below a directory. Compiled once per pattern set into one regular expression, when first used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def _translate(pattern: str) -> str:
    if pattern.endswith("/"):
        pattern += "**"
    if "/" not in pattern:
        pattern = "**/" + pattern
    pattern = pattern.removeprefix("./").lstrip("/")
    out: list[str] = []
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
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape("["))
                i += 1
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


_ANY_DIRS = "(?:[^/]+/)*"  # what a leading `**/` (and a pattern without `/`) becomes


def _union(patterns: Iterable[str]) -> str:
    """One regular expression for a path matching any of `patterns`.

    The leading any-depth part most patterns share is matched once, before the alternatives,
    instead of once in each: X(?:A|B) matches the paths (?:XA|XB) does, and Python's engine
    backtracks through a path's directories once rather than once per pattern (the 32 default
    test paths over 17,000 paths: 190 -> 74 ms)."""
    translated = [_translate(p) for p in patterns]
    deep = [t.removeprefix(_ANY_DIRS) for t in translated if t.startswith(_ANY_DIRS)]
    other = [t for t in translated if not t.startswith(_ANY_DIRS)]
    alternatives = [f"(?:{t})" for t in other]
    if deep:
        alternatives.append(_ANY_DIRS + "(?:" + "|".join(f"(?:{t})" for t in deep) + ")")
    return "(?:" + "|".join(alternatives) + r")\Z"


class GlobSet:
    """A set of patterns; `matches(path)` is True when any pattern matches the whole path.

    The regular expression is compiled on the first `matches`: a set that a run never consults
    (the pii gate's test paths, wanted only when a test card turns up) costs nothing, where
    compiling 32 patterns cost each pre-commit run ~5 ms."""

    __slots__ = ("_regex", "patterns")

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.patterns = patterns
        self._regex: re.Pattern[str] | None = None

    @classmethod
    def of(cls, patterns: Iterable[str]) -> GlobSet:
        return cls(tuple(patterns))

    def matches(self, path: str) -> bool:
        if not self.patterns:
            return False
        if self._regex is None:
            self._regex = re.compile(_union(self.patterns))
        return self._regex.match(path) is not None

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GlobSet) and other.patterns == self.patterns

    def __hash__(self) -> int:
        return hash(self.patterns)

    def __repr__(self) -> str:
        return f"GlobSet({self.patterns!r})"


def select(paths: Iterable[str], include: GlobSet, exclude: GlobSet) -> tuple[str, ...]:
    """Paths matching `include` (everything when it is empty) and not `exclude`."""
    return tuple(p for p in paths if (not include or include.matches(p)) and not exclude.matches(p))
