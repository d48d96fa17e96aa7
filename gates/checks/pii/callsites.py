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
_RECEIVER = re.compile(
    r"(?:[A-Za-z_]\w*(?:\([^()\n]*\))?[ \t]*\.[ \t]*)*[A-Za-z_]\w*(?:\([^()\n]*\))?[ \t]*\Z"
)
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


def sites(text: str) -> Iterator[Site]:
    """Every `<receiver>.<log method>(...)` expression, receiver included."""
    for m in _METHOD_CALL.finditer(text):
        receiver = _RECEIVER.search(text, max(0, m.start() - 200), m.start())
        if receiver is None:
            continue
        close = closing_bracket(text, m.end() - 1)
        if close is not None:
            yield Site(receiver.start(), close + 1)
