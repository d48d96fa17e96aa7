"""A Python regular expression widened into one RE2 can run: the secrets prefilter's fast path.

detect-secrets' plugins are Python `re` patterns, some with lookarounds RE2 does not have, and
Python `re` over a whole repository is the secrets gate's largest cost. The prefilter only has
to be *sound*: it may keep a line no plugin matches, never drop one a plugin matches. So each
pattern is widened, never narrowed:

- a lookaround (`(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)`) is a zero-width test; it becomes the empty
  group `(?:)`, which always holds, so every match of the original is a match of the result
  (quantifiers after it still apply to an empty group, as before to a zero-width one);
- `\\A` and `\\Z` become `^` and `$`: the prefilter runs in multi-line mode over the joined lines,
  where they mean a line's edges, which is what they meant on one line;
- `\\s` also names \\v and \\x1c-\\x1f, as Python's does (found by the property test);
- a bound RE2 cannot count to (`{50,1024}`: RE2 stops at 1000) is dropped (`{50,}`);
- verbose mode's layout (whitespace and `#` comments outside classes) is removed;
- anything RE2 has no sound stand-in for (backreferences, conditionals, atomic groups, scoped
  flags) makes the pattern `None`: the caller keeps the exact Python test for it.

RE2's `\\d`, `\\w`, `\\s` and `\\b` are ASCII-only where Python's are Unicode: the caller runs the
exact Python tests on every line holding a non-ASCII character, and uses the widened patterns
only for the rest.
"""

from __future__ import annotations

import re

_LOOKAROUNDS = ("(?=", "(?!", "(?<=", "(?<!")
_UNSUPPORTED_GROUPS = ("(?P=", "(?(", "(?>", "(?#")
_RE2_MAX_REPEAT = 1000
# Python's `\s` also matches \v and the ASCII separators \x1c-\x1f; RE2's does not.
_SPACE = r"\s\v\x1c-\x1f"
_ESCAPES = {"\\A": "^", "\\Z": "$", "\\s": f"[{_SPACE}]"}
# Inline and scoped flags RE2 reads as Python does (not `a`, `L`, `u` or verbose `x`).
_FLAGS = re.compile(r"\(\?([ims]*(?:-[ims]+)?)([:)])")
_BOUNDS = re.compile(r"\{(\d*)(,?)(\d*)\}")


def widen(pattern: str, flags: int = 0) -> str | None:
    """`pattern` as an RE2 pattern matching at least what it matches, or None."""
    if flags & re.LOCALE:
        return None
    if flags & re.VERBOSE:
        pattern = _without_layout(pattern)
    body = _widen_body(pattern)
    if body is None:
        return None
    inline = ("i" if flags & re.IGNORECASE else "") + ("s" if flags & re.DOTALL else "")
    return f"(?{inline}:{body})" if inline else f"(?:{body})"


def _without_layout(pattern: str) -> str:
    """A verbose pattern without its whitespace and comments (kept inside classes and escapes)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        elif c == "[" and (end := _class_end(pattern, i)) >= 0:
            out.append(pattern[i : end + 1])
            i = end + 1
        elif c == "#":
            end = pattern.find("\n", i)
            i = n if end < 0 else end + 1
        else:
            if not c.isspace():
                out.append(c)
            i += 1
    return "".join(out)


def _widen_body(pattern: str) -> str | None:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "{" and (bound := _BOUNDS.match(pattern, i)):
            low, comma, high = bound.groups()
            if (low and int(low) > _RE2_MAX_REPEAT) or not (low or (comma and high)):
                return None  # a count RE2 cannot make, or `{}`/`{,}` (literal in Python)
            if comma and high and int(high) > _RE2_MAX_REPEAT:
                high = ""  # at least `low`: wider
            # Python reads `{,5}` as `{0,5}`; RE2 would read it as text.
            out.append(f"{{{low or 0}{comma}{high}}}")
            i = bound.end()
        elif c == "\\":
            pair = pattern[i : i + 2]
            if len(pair) < 2 or (pair[1].isdigit() and pair[1] != "0"):
                return None  # a backreference (\1) or a dangling backslash
            out.append(_ESCAPES.get(pair, pair))
            i += 2
        elif c == "[":
            end = _class_end(pattern, i)
            if end < 0:
                return None
            out.append(pattern[i : end + 1].replace("\\s", _SPACE))
            i = end + 1
        elif pattern.startswith(_LOOKAROUNDS, i):
            end = _group_end(pattern, i)
            if end < 0:
                return None
            out.append("(?:)")
            i = end + 1
        elif pattern.startswith(_UNSUPPORTED_GROUPS, i):
            return None
        elif (flag := _FLAGS.match(pattern, i)) and (flag.group(2) == ":" or i == 0):
            out.append(flag.group())  # `(?i:…)`, or `(?i)` leading the pattern: RE2 has both
            i = flag.end()
        elif pattern.startswith("(?", i) and not pattern.startswith(("(?:", "(?P<"), i):
            return None  # (?<name>…), ASCII/verbose scoped flags, …: keep the exact test
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    """Index of the `]` closing the character class that opens at `start`, or -1."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        i += 1  # a leading `]` is a literal
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
        elif pattern[i] == "]":
            return i
        else:
            i += 1
    return -1


def _group_end(pattern: str, start: int) -> int:
    """Index of the `)` closing the group that opens at `start`, or -1."""
    depth, i = 0, start
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = _class_end(pattern, i)
            if i < 0:
                return -1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1
