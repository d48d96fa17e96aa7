"""Path globs (`tests/**`, `**/fixtures/**`, `*.csv`) matched against repo-relative POSIX paths.

`**` spans directories, `*` and `?` stay inside one path segment, `[...]` is a character class.
A pattern without a slash matches the file name in any directory (as in .gitignore).
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def translate(glob: str) -> str:
    """The anchored regular expression for one glob."""
    if "/" not in glob:
        glob = "**/" + glob
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[" and "]" in glob[i + 2 :]:
            end = glob.index("]", i + 2)
            body = glob[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


def compile_globs(globs: Sequence[str]) -> re.Pattern[str] | None:
    """One pattern matching any of `globs`, or None when there are none."""
    if not globs:
        return None
    return re.compile("|".join(f"(?:{translate(g)})" for g in globs), re.DOTALL)


def matches(pattern: re.Pattern[str] | None, path: str) -> bool:
    return pattern is not None and pattern.fullmatch(path) is not None
