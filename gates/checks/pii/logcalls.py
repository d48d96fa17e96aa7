"""PII fields flowing into log calls, found in Python source with `ast`.

A log call is `<logger>.<method>(...)` with a logging method (debug … critical, exception, log,
msg, bind/new and structlog's async forms), where the receiver is `logging`/`structlog`, a name
whose last word is log/logger (`log`, `_logger`, `audit_log`, `self.logger`), a name this module
binds from `logging.getLogger`/`structlog.get_logger`/`.bind()`, or such a call inline. Within its
arguments a field is the name in a keyword (`card_number=…`), a dict key (`extra={"cvv": …}`), a
variable, attribute or subscript key (`card.number` counts as `cardnumber`), an f-string or
`.format`/`%` placeholder, or the label just before a placeholder (`"ssn=%s"`). Values passed
through a masking function (mask, redact, hash, tokenize, last4 …), sliced (`pan[-4:]`),
compared, or constant are not the raw value and are not reported.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable, Iterator

from gates.checks.pii.callsites import FACTORIES, METHODS, logger_names, sites
from gates.checks.pii.fieldnames import normalise
from gates.checks.pii.formats import label_before, named_fields
from gates.record import record

_LOGGER_WORDS = frozenset({"log", "logger", "logging", "structlog", "loguru"})
_SANITIZER_WORDS = (
    "mask", "redact", "hash", "tokeni", "truncat", "anonymi", "pseudonymi", "obfuscat", "scrub",
    "encrypt", "fingerprint", "digest", "hmac", "sha1", "sha2", "sha3", "sha5", "censor", "lastfour",
)  # fmt: skip
_SANITIZER_EXACT = frozenset({"len", "bool", "type", "isinstance", "id", "hasattr"})
_NAME_PARTS = re.compile(r"[\W_]+|(?<=[a-z0-9])(?=[A-Z])")  # snake, kebab and camel parts
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


@record
class LogHit:
    field: str  # the field as spelled in the source
    line: int
    column: int  # 1-based
    end_line: int
    end_column: int
    call: str  # the call's normalised source (ast.unparse), for the fingerprint
    logger: str  # e.g. "logger.info"


def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(name)]


def _terminal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _call_name(node: ast.expr) -> str | None:
    return _terminal(node.func) if isinstance(node, ast.Call) else None


class _Analyser:
    def __init__(
        self, fields: frozenset[str], sanitizers: frozenset[str], loggers: set[str]
    ) -> None:
        self.fields = fields
        self.sanitizers = sanitizers
        self.loggers = loggers

    # -- which calls are log calls ------------------------------------------------------------
    def is_logger(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name in ("bind", "new"):  # structlog: a bound logger is a logger
                return isinstance(node.func, ast.Attribute) and self.is_logger(node.func.value)
            return name in FACTORIES
        name = _terminal(node)
        if name is None:
            return False
        words = _words(name)
        return name in self.loggers or (bool(words) and words[-1] in _LOGGER_WORDS)

    def log_method(self, node: ast.Call) -> str | None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in METHODS and self.is_logger(func.value):
            receiver = _terminal(func.value) or (_call_name(func.value) or "logger") + "()"
            return f"{receiver}.{func.attr}"
        return None

    # -- what flows into them -----------------------------------------------------------------
    def is_field(self, name: str) -> bool:
        return normalise(name) in self.fields

    def sanitized(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant | ast.Compare | ast.Lambda):
            return True
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            return True
        name = _call_name(node)
        if name is None:
            return False
        low = name.lower()
        if low in self.sanitizers or low in _SANITIZER_EXACT or "last4" in normalise(name):
            return True
        # Word stems, not substrings: `mask_pan`, `hashed`, `sha256` mask; `detokenize`, `unmask`
        # and `share` do not.
        return any(w.lower().startswith(_SANITIZER_WORDS) for w in _NAME_PARTS.split(name))

    def labels(self, text: str, node: ast.expr) -> Iterator[tuple[str, ast.expr]]:
        return ((name, node) for name in named_fields(text, self.is_field))

    def fields_in(self, node: ast.expr) -> Iterator[tuple[str, ast.expr]]:
        if self.sanitized(node):
            return
        if isinstance(node, ast.Name):
            if self.is_field(node.id):
                yield node.id, node
        elif isinstance(node, ast.Attribute):
            inner = _terminal(node.value)
            if self.is_field(node.attr):
                yield node.attr, node
            elif inner is not None and self.is_field(f"{inner}.{node.attr}"):
                yield f"{inner}.{node.attr}", node
            else:
                yield from self.fields_in(node.value)
        elif isinstance(node, ast.Subscript):
            key = node.slice
            if (
                isinstance(key, ast.Constant)
                and isinstance(key.value, str)
                and self.is_field(key.value)
            ):
                yield key.value, node
            else:
                yield from self.fields_in(node.value)
        elif isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(k, ast.Constant)
                    and isinstance(k.value, str)
                    and self.is_field(k.value)
                ):
                    if not self.sanitized(v):
                        yield k.value, k
                    continue
                if k is not None:
                    yield from self.fields_in(k)
                yield from self.fields_in(v)
        elif isinstance(node, ast.JoinedStr):
            text = ""
            for part in node.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    text += part.value
                elif isinstance(part, ast.FormattedValue):
                    found = list(self.fields_in(part.value))
                    if not found and not self.sanitized(part.value):
                        label = label_before(text, self.is_field)
                        found = [(label, part.value)] if label is not None else []
                    yield from found
                    text += "{}"
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
                yield from self.labels(node.left.value, node.left)
            else:
                yield from self.fields_in(node.left)
            yield from self.fields_in(node.right)
        elif isinstance(node, ast.Call):
            yield from self.call_fields(node)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    yield from self.fields_in(child)

    def call_fields(self, node: ast.Call) -> Iterator[tuple[str, ast.expr]]:
        func = node.func
        is_format = isinstance(func, ast.Attribute) and func.attr == "format"
        if is_format and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Constant):
            if isinstance(func.value.value, str):
                yield from self.labels(func.value.value, func.value)
        else:
            yield from self.fields_in(func)
        names_count = is_format or _terminal(func) == "dict"
        for arg in node.args:
            yield from self.fields_in(arg.value if isinstance(arg, ast.Starred) else arg)
        for kw in node.keywords:
            if (
                names_count
                and kw.arg is not None
                and self.is_field(kw.arg)
                and not self.sanitized(kw.value)
            ):
                yield kw.arg, kw.value
            else:
                yield from self.fields_in(kw.value)

    def log_fields(self, call: ast.Call) -> Iterator[tuple[str, ast.expr]]:
        args = list(call.args)
        message = args[0] if args else None
        if isinstance(message, ast.Constant) and isinstance(message.value, str) and len(args) > 1:
            yield from self.labels(message.value, message)  # stdlib lazy %-formatting
            args = args[1:]
        for arg in args:
            yield from self.fields_in(arg.value if isinstance(arg, ast.Starred) else arg)
        for kw in call.keywords:
            if kw.arg is not None and self.is_field(kw.arg):
                if not self.sanitized(kw.value):
                    yield kw.arg, kw.value
            else:
                yield from self.fields_in(kw.value)


def _hits(
    analyser: _Analyser, call: ast.Call, lines: list[str], base_line: int, base_col: int
) -> Iterator[LogHit]:
    method = analyser.log_method(call)
    if method is None:
        return
    seen: set[str] = set()
    source = ast.unparse(call)
    for name, where in analyser.log_fields(call):
        key = normalise(name)
        if key in seen:
            continue
        seen.add(key)
        line, column = _position(lines, where.lineno, where.col_offset, base_line, base_col)
        end_line, end_column = _position(
            lines, where.end_lineno or where.lineno, where.end_col_offset or 0, base_line, base_col
        )
        yield LogHit(
            field=name,
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            call=source,
            logger=method,
        )


def _position(
    lines: list[str], line: int, byte_col: int, base_line: int, base_col: int
) -> tuple[int, int]:
    """ast position (1-based line, UTF-8 byte column) in a snippet -> file line, char column."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    column = len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace")) + 1
    return base_line + line - 1, column + (base_col if line == 1 else 0)


def _parse(source: str, mode: str) -> ast.AST:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes etc. in scanned code are not our warnings
        return ast.parse(source, mode=mode)


def find_in_module(text: str, fields: frozenset[str], sanitizers: frozenset[str]) -> list[LogHit]:
    """Every (log call, field) pair of a whole module; raises SyntaxError/ValueError if the
    module is not Python 3."""
    tree = _parse(text, "exec")
    analyser = _Analyser(fields, sanitizers, logger_names(text))
    lines = text.split("\n")
    hits: list[LogHit] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            hits.extend(_hits(analyser, node, lines, 1, 0))
    return hits


def find(
    text: str, fields: frozenset[str], sanitizers: frozenset[str], worth: Callable[[str], bool]
) -> list[LogHit]:
    """Every (log call, field) pair, once per call and normalised field.

    Only call sites whose text passes `worth` (a cheap field-name prefilter) are parsed; if one
    of them does not parse on its own, the whole module is parsed instead.
    """
    analyser: _Analyser | None = None
    hits: list[LogHit] = []
    for site in sites(text):
        source = text[site.start : site.end]
        if not worth(source):
            continue
        if analyser is None:
            analyser = _Analyser(fields, sanitizers, logger_names(text))
        try:
            expr = _parse(source, "eval")
        except (SyntaxError, ValueError):
            return find_in_module(text, fields, sanitizers)
        if not isinstance(expr, ast.Expression) or not isinstance(expr.body, ast.Call):
            continue
        base_line = text.count("\n", 0, site.start) + 1
        base_col = site.start - (text.rfind("\n", 0, site.start) + 1)
        hits.extend(_hits(analyser, expr.body, source.split("\n"), base_line, base_col))
    unique = {(h.line, h.column, normalise(h.field)): h for h in hits}  # nested log calls
    return list(unique.values())
