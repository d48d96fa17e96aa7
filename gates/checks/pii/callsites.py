"""Log-call sites in Python text, found without parsing the whole file.

Parsing every file with `ast` costs far more than the value scan, so the gate first finds
`<receiver>.<log method>(` with a regex, extracts the call expression by matching brackets
(skipping strings and comments), and lets `logcalls` parse just that expression. A site whose
text does not parse makes the caller fall back to parsing the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "msg"}
    | {"bind", "new", "trace", "success", "failure"}
    | {"adebug", "ainfo", "awarning", "aerror", "aexception", "acritical", "afatal", "alog", "amsg"}
)
FACTORIES = frozenset({"getLogger", "get_logger", "getlogger", "wrap_logger"})

_METHOD_CALL = re.compile(r"\.[ \t]*(?:" + "|".join(sorted(METHODS)) + r")[ \t]*\(")
_ASSIGN = re.compile(
    r"^[ \t]*(?:self\.)?([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=[ \t]*((?:[A-Za-z_]\w*[ \t]*\.[ \t]*)*)"
    r"([A-Za-z_]\w*)[ \t]*\(",
    re.MULTILINE,
)
_INTERESTING = re.compile(r"[()\[\]{}'\"#]")
_STRING_END = {
    "'''": re.compile(r"(?:[^'\\]|\\.|'(?!''))*'''", re.DOTALL),
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.DOTALL),
    "'": re.compile(r"(?:[^'\\\n]|\\.)*'"),
    '"': re.compile(r'(?:[^"\\\n]|\\.)*"'),
}
_OPEN, _CLOSE = "([{", ")]}"
MAX_CALL_CHARS = 20_000
MAX_RECEIVER_CHARS = 400


@dataclass(frozen=True, slots=True)
class Site:
    start: int  # character offsets of the call expression in the text
    end: int


def logger_names(text: str) -> set[str]:
    """Names this module binds to loggers: `x = logging.getLogger(...)`, `x = log.bind(...)`."""
    names: set[str] = set()
    for m in _ASSIGN.finditer(text):
        target, receiver, func = m.groups()
        if func in FACTORIES:
            names.add(target)
        elif func in ("bind", "new") and receiver:
            last = receiver.rstrip(" \t.").rsplit(".", 1)[-1].strip()
            if last in names or re.search(r"(?i)log(?:ger|ging)?$", last):
                names.add(target)
    return names


def closing_bracket(text: str, open_at: int) -> int | None:
    """Index of the bracket closing the one at `open_at`, skipping strings and comments."""
    depth = 0
    pos = open_at
    limit = min(len(text), open_at + MAX_CALL_CHARS)
    while pos < limit:
        m = _INTERESTING.search(text, pos, limit)
        if m is None:
            return None
        ch = m.group()
        pos = m.end()
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth == 0:
                return m.start()
        elif ch == "#":
            newline = text.find("\n", pos)
            pos = limit if newline < 0 else newline
        else:
            quote = text[m.start() : m.start() + 3] if text.startswith(ch * 3, m.start()) else ch
            end = _STRING_END[quote].match(text, m.start() + len(quote))
            if end is None:
                return None
            pos = end.end()
    return None


def receiver_start(text: str, dot: int) -> int | None:
    """Start of the receiver expression ending just before `dot`: names, attribute dots and
    bracketed calls or subscripts (`structlog.get_logger(__name__).bind(a=f(x))`), read
    backwards. None when there is no name to start from."""
    pos = dot
    limit = max(0, dot - MAX_RECEIVER_CHARS)
    while True:
        while pos > limit and text[pos - 1] in " \t":
            pos -= 1
        while pos > limit and text[pos - 1] in ")]":
            pos = _opening_bracket(text, pos - 1, limit)
            if pos < 0:
                return None
        end = pos
        while pos > limit and (text[pos - 1].isalnum() or text[pos - 1] == "_"):
            pos -= 1
        if pos == end or text[pos].isdigit():
            return None
        back = pos
        while back > limit and text[back - 1] in " \t":
            back -= 1
        if back > limit and text[back - 1] == ".":
            pos = back - 1
            continue
        return pos


def _opening_bracket(text: str, close_at: int, limit: int) -> int:
    depth = 0
    for i in range(close_at, limit - 1, -1):
        ch = text[i]
        if ch in _CLOSE:
            depth += 1
        elif ch in _OPEN:
            depth -= 1
            if depth == 0:
                return i
        elif ch == "\n" and depth == 0:
            break
    return -1


def sites(text: str) -> Iterator[Site]:
    """Every `<receiver>.<log method>(...)` expression, receiver included."""
    for m in _METHOD_CALL.finditer(text):
        start = receiver_start(text, m.start())
        if start is None:
            continue
        close = closing_bracket(text, m.end() - 1)
        if close is not None:
            yield Site(start, close + 1)
