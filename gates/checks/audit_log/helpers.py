"""Audit helpers followed across functions and modules: what calling a plain function amounts to.

A call is resolved to a function of the same module (`audit(...)`), a method of the enclosing
class (`self._audit(...)`), or a function of a module it imports (`from payments.audit import
record`, `import payments.audit as audit; audit.record(...)`, relative imports), read from the
repository. The function is an audit event when it logs unconditionally (an event in its body,
`with` or `try`/`finally` blocks, not only under an `if`, loop or `except`), possibly through
further helpers. Resolution is bounded (MAX_DEPTH calls deep, at most MAX_MODULES other modules
consulted per analysed file, whatever else the run scans, so a file's findings do not depend on
the other files of the run) and deterministic: candidates are tried in a fixed order and every
answer is memoised.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from gates.checks.audit_log import modules
from gates.checks.audit_log.changes import calls, expressions
from gates.checks.audit_log.events import EventFinder, HelperSummary, Resolve
from gates.checks.audit_log.modules import FunctionNode, Module
from gates.checks.audit_log.names import dotted, own_nodes

MAX_DEPTH = 3
MAX_MODULES = 32

Loader = Callable[[str], bytes | None]  # repo-relative path -> content, None when absent/unreadable


@dataclass(slots=True)
class Repository:
    """The repository's Python modules, parsed on demand; each analysed file may consult at most
    MAX_MODULES of them (`start` opens a file's budget)."""

    load: Loader
    parsed: dict[str, Module | None] = field(default_factory=dict)
    consulted: set[str] = field(default_factory=set)

    def start(self, mod: Module) -> None:
        """Begin analysing `mod`: a fresh budget of modules to consult."""
        self.parsed[mod.path] = mod
        self.consulted = {mod.path}

    def module(self, path: str) -> Module | None:
        if path not in self.consulted:
            if len(self.consulted) > MAX_MODULES:
                return None
            self.consulted.add(path)
        if path in self.parsed:
            return self.parsed[path]
        data = self.load(path)
        mod: Module | None = None
        if data is not None:
            try:
                mod = modules.parse(path, data)
            except (SyntaxError, ValueError, RecursionError):
                mod = None  # reported when the file itself is scanned
        self.parsed[path] = mod
        return mod

    def find(self, dotted_name: str, importer: str) -> Module | None:
        for path in modules.candidate_paths(dotted_name, importer):
            mod = self.module(path)
            if mod is not None:
                return mod
        return None


def dict_bindings(func: ast.AST, finder: EventFinder | None = None) -> dict[str, frozenset[str]]:
    """Local names bound to literal dicts, with their keys (`fields = {...}`, `fields["k"] =`,
    `fields.update(k=...)`), flow-insensitively."""
    probe = finder or EventFinder(helpers=frozenset(), loggers={}, dicts={}, resolve=_none)
    out: dict[str, frozenset[str]] = {}
    for node in own_nodes(func):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    keys = _with(probe, out).dict_keys(node.value)
                    if keys is not None:
                        out[target.id] = out.get(target.id, frozenset()) | keys
                elif (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in out
                    and isinstance(target.slice, ast.Constant)
                    and isinstance(target.slice.value, str)
                ):
                    out[target.value.id] = out[target.value.id] | {target.slice.value}
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in out
        ):
            extra = {kw.arg for kw in node.keywords if kw.arg is not None}
            for arg in node.args[:1]:
                extra |= _with(probe, out).dict_keys(arg) or frozenset()
            out[node.func.value.id] = out[node.func.value.id] | extra
    return out


def _none(call: ast.Call) -> HelperSummary | None:
    return None


def _with(finder: EventFinder, dicts: dict[str, frozenset[str]]) -> EventFinder:
    return EventFinder(
        helpers=finder.helpers,
        loggers=finder.loggers,
        dicts=dict(dicts),
        resolve=finder.resolve,
        kwargs_param=finder.kwargs_param,
    )


@dataclass(slots=True)
class Helpers:
    """Summaries of helper functions, memoised per (module, class, function)."""

    repo: Repository
    declared: frozenset[str]
    memo: dict[tuple[str, str, str], HelperSummary | None] = field(default_factory=dict)

    def finder(
        self, mod: Module, func: FunctionNode, class_name: str | None, depth: int
    ) -> EventFinder:
        loggers = modules.logger_bindings(func.body, mod.loggers)
        kwargs = func.args.kwarg.arg if func.args.kwarg is not None else None
        base = EventFinder(
            helpers=self.declared,
            loggers=loggers,
            dicts={},
            resolve=self.resolver(mod, class_name, depth),
            kwargs_param=kwargs,
        )
        return _with(base, dict_bindings(func, base))

    def resolver(self, mod: Module, class_name: str | None, depth: int) -> Resolve:
        def resolve(call: ast.Call) -> HelperSummary | None:
            if depth >= MAX_DEPTH:
                return None
            target = self.target(mod, class_name, call.func)
            if target is None:
                return None
            owner, cls, fn = target
            return self.summary(owner, cls, fn, depth + 1)

        return resolve

    def target(
        self, mod: Module, class_name: str | None, func: ast.expr
    ) -> tuple[Module, str | None, FunctionNode] | None:
        if isinstance(func, ast.Name):
            if func.id in mod.functions:
                return mod, None, mod.functions[func.id]
            imp = mod.imports.get(func.id)
            if imp is not None and imp.attr is not None:
                other = self.repo.find(imp.module, mod.path)
                if other is not None and imp.attr in other.functions:
                    return other, None, other.functions[imp.attr]
            return None
        if not isinstance(func, ast.Attribute):
            return None
        receiver = func.value
        if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls") and class_name:
            for cls in self._class_and_bases(mod, class_name):
                method = mod.methods(cls).get(func.attr)
                if method is not None:
                    return mod, cls, method
            return None
        name = dotted(receiver)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        imp = mod.imports.get(head)
        if imp is None:
            return None
        module_name = imp.module if imp.attr is None else f"{imp.module}.{imp.attr}"
        if rest:
            module_name = f"{module_name}.{rest}"
        other = self.repo.find(module_name, mod.path)
        if other is not None and func.attr in other.functions:
            return other, None, other.functions[func.attr]
        return None

    def _class_and_bases(self, mod: Module, class_name: str) -> Iterator[str]:
        seen: set[str] = set()
        todo = [class_name]
        while todo:
            name = todo.pop(0)
            if name in seen or name not in mod.classes:
                continue
            seen.add(name)
            yield name
            todo.extend(b.id for b in mod.classes[name].bases if isinstance(b, ast.Name))

    def summary(
        self, mod: Module, class_name: str | None, func: FunctionNode, depth: int
    ) -> HelperSummary | None:
        key = (mod.path, class_name or "", func.name)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = None  # a recursive call while in progress resolves to "not an event"
        finder = self.finder(mod, func, class_name, depth)
        fields: set[str] = set()
        forwards = False
        found = False
        for stmt in _unconditional(func.body):
            for expr in expressions(stmt):
                for call in calls(expr):
                    event = finder.event(call)
                    if event is None:
                        continue
                    found = True
                    fields |= event.fields
                    forwards = forwards or event.forwards
                    if event.complete:
                        fields |= {"*"}
        qual = f"{class_name}.{func.name}" if class_name else func.name
        result = (
            HelperSummary(name=f"{qual}()", fields=frozenset(fields), forwards=forwards)
            if found
            else None
        )
        self.memo[key] = result
        return result


def _unconditional(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run whenever the block runs to its end: not under if/loop/except."""
    for stmt in body:
        if isinstance(stmt, ast.Return | ast.Raise):
            yield stmt
            return
        yield stmt
        if isinstance(stmt, ast.With | ast.AsyncWith):
            yield from _unconditional(stmt.body)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            yield from _unconditional(stmt.body)
            yield from _unconditional(stmt.finalbody)
