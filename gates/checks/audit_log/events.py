"""Audit events: which calls write a structured audit log, and with which fields.

An event is
- a structured log call at info level or above: `<logger>.info|warning|error|exception|critical|
  log|msg(...)`, loguru's `success` and structlog's async forms, on a logger (`log`, `logger`, `self.log`,
  `audit_logger`, `logging`, `structlog.get_logger()`, a name bound from `getLogger`/`get_logger`/
  `.bind()`). `debug` is not an audit event: production usually drops it. Its fields are the
  keywords (structlog), the keys of `extra=` (stdlib), `**` literal dicts, dict literals bound to
  a local name, and what `.bind(...)` attached to the logger;
- a call of a declared audit helper (`audit_helpers`): trusted to carry every required field;
- a call of a plain function that itself logs unconditionally (resolved by `helpers.py`): its
  fields, plus the call's keywords when it forwards `**kwargs` to the log call.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping

from gates.checks.audit_log.names import dotted, terminal, words
from gates.record import record

LEVELS = frozenset(
    {"info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "msg"}
    | {"success"}  # loguru's level 25, between info and warning
    | {"ainfo", "awarning", "aerror", "aexception", "acritical", "afatal", "alog", "amsg"}
)
_LOGGER_WORDS = frozenset({"log", "logger", "logging", "structlog", "loguru", "audit", "auditor"})
_FACTORIES = frozenset({"getLogger", "get_logger", "wrap_logger", "getChild"})
_NOT_FIELDS = frozenset({"exc_info", "stack_info", "stacklevel", "extra"})


def declared(name: str, helpers: frozenset[str]) -> bool:
    """Whether the dotted call name is a declared helper: equal to one, or ending in `.<one>`;
    `*` matches within one name (`events.order_*_event`, `audit.*`)."""
    for helper in helpers:
        if "*" not in helper:
            if name == helper or name.endswith("." + helper):
                return True
            continue
        pattern = r"[^.]*".join(re.escape(part) for part in helper.split("*"))
        if re.fullmatch(rf"(?:.*\.)?{pattern}", name):
            return True
    return False


def _debug_level(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int) and node.value < 20  # logging.INFO == 20
    name = terminal(node)
    return name is not None and name.upper() in ("DEBUG", "NOTSET", "TRACE")


@record
class Event:
    line: int
    name: str  # the event name (first string argument) or the helper called
    fields: frozenset[str]
    complete: bool = False  # a declared helper: every required field
    forwards: bool = False  # passes the enclosing function's **kwargs on (helpers only)


@record
class HelperSummary:
    """What calling a plain function that logs amounts to."""

    name: str
    fields: frozenset[str]
    forwards: bool  # its log call takes the caller's keywords (`**kwargs`)


Resolve = Callable[[ast.Call], HelperSummary | None]


@record
class EventFinder:
    """Recognises events inside one function."""

    helpers: frozenset[str]  # declared audit helpers
    loggers: Mapping[str, frozenset[str]]  # names bound to loggers -> fields bound to them
    dicts: Mapping[str, frozenset[str]]  # local names bound to literal dicts -> their keys
    resolve: Resolve
    kwargs_param: str | None = None  # the function's own **kwargs parameter

    def is_logger(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Call):
            name = terminal(node.func)
            if name in ("bind", "new", "opt"):
                return isinstance(node.func, ast.Attribute) and self.is_logger(node.func.value)
            return name in _FACTORIES
        name = terminal(node)
        if name is None:
            return False
        if name in self.loggers:
            return True
        parts = words(name)
        return bool(parts) and parts[-1] in _LOGGER_WORDS

    def bound_fields(self, node: ast.expr) -> frozenset[str]:
        if isinstance(node, ast.Name):
            return self.loggers.get(node.id, frozenset())
        if isinstance(node, ast.Call) and terminal(node.func) in ("bind", "new"):
            inner = node.func.value if isinstance(node.func, ast.Attribute) else None
            own = frozenset(k for kw in node.keywords for k in self.keyword_fields(kw))
            return own | (self.bound_fields(inner) if inner is not None else frozenset())
        return frozenset()

    def keyword_fields(self, kw: ast.keyword) -> frozenset[str]:
        if kw.arg is not None:
            return frozenset() if kw.arg in _NOT_FIELDS else frozenset({kw.arg})
        return self.dict_keys(kw.value) or frozenset()

    def dict_keys(self, node: ast.expr) -> frozenset[str] | None:
        """Keys of a literal dict (`{...}`, `dict(...)`, a local bound to one); None if unknown."""
        if isinstance(node, ast.Dict):
            keys: set[str] = set()
            for k, v in zip(node.keys, node.values, strict=True):
                if isinstance(k, ast.Constant) and isinstance(k.value, str):
                    keys.add(k.value)
                elif k is None:
                    keys |= self.dict_keys(v) or frozenset()
            return frozenset(keys)
        if isinstance(node, ast.Call) and terminal(node.func) == "dict":
            keys = {kw.arg for kw in node.keywords if kw.arg is not None}
            for arg in node.args[:1]:
                keys |= self.dict_keys(arg) or frozenset()
            return frozenset(keys)
        if isinstance(node, ast.Name):
            return self.dicts.get(node.id)
        return None

    def _forwards(self, node: ast.expr) -> bool:
        if self.kwargs_param is None:
            return False
        return any(
            isinstance(sub, ast.Name) and sub.id == self.kwargs_param for sub in ast.walk(node)
        )

    def event(self, call: ast.Call) -> Event | None:
        func = call.func
        name = dotted(func)
        if name is not None and declared(name, self.helpers):
            return Event(line=call.lineno, name=name, fields=frozenset(), complete=True)
        if isinstance(func, ast.Attribute) and func.attr in LEVELS and self.is_logger(func.value):
            if func.attr in ("log", "alog") and call.args and _debug_level(call.args[0]):
                return None  # logger.log(logging.DEBUG, ...): dropped in production
            return self._log_event(call, func)
        summary = self.resolve(call)
        if summary is None:
            return None
        fields = set(summary.fields)
        if summary.forwards:
            for kw in call.keywords:
                fields |= self.keyword_fields(kw)
        return Event(
            line=call.lineno,
            name=summary.name,
            fields=frozenset(fields - {"*"}),
            complete="*" in fields,
            forwards=summary.forwards and any(self._forwards(kw.value) for kw in call.keywords),
        )

    def _log_event(self, call: ast.Call, func: ast.Attribute) -> Event:
        fields = set(self.bound_fields(func.value))
        forwards = False
        for kw in call.keywords:
            if kw.arg == "extra":
                fields |= self.dict_keys(kw.value) or frozenset()
                forwards = forwards or self._forwards(kw.value)
            else:
                fields |= self.keyword_fields(kw)
                forwards = forwards or (kw.arg is None and self._forwards(kw.value))
        args = call.args[1:] if func.attr in ("log", "alog") else call.args
        first = args[0] if args else None
        event = (
            first.value
            if isinstance(first, ast.Constant) and isinstance(first.value, str)
            else ast.unparse(func)
        )
        return Event(line=call.lineno, name=event, fields=frozenset(fields), forwards=forwards)
