"""Judging one module: every function's payment-state changes against the paths out of it.

For each function (methods and nested functions on their own) that changes payment state, the
walk (paths.py) lists every exit with its state; an exit still holding a change is a problem:
- no exit of the function passes any audit event after a change: one `audit-log.missing`;
- else an exit that passed only incomplete events: `audit-log.missing-fields`, naming them;
- else the success path without an event: `audit-log.missing`; an `except` branch, early return
  or raise without one: `audit-log.error-path`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from gates.checks.audit_log import rules
from gates.checks.audit_log.changes import (
    Change,
    Recogniser,
    calls,
    decorated_as_transition,
    expressions,
)
from gates.checks.audit_log.config import AuditConfig
from gates.checks.audit_log.helpers import Helpers
from gates.checks.audit_log.modules import FunctionNode, Module
from gates.checks.audit_log.names import Vocabulary, bind_names, own_nodes, payment_class
from gates.checks.audit_log.paths import StatementFacts, Walker
from gates.checks.audit_log.pathstate import Exit, ExitKind, PathState
from gates.record import record

_INITIALISERS = frozenset({"__init__", "__post_init__", "__new__", "setUp"})


@record
class Issue:
    rule: str
    function: str  # qualified name: Class.method, outer.<locals>.inner
    line: int
    path: str  # "success path", "except GatewayError at line 41", "early return at line 9"
    path_kind: str  # the path without line numbers (fingerprints)
    change: Change
    missing: tuple[str, ...] = ()  # fields the event lacks (missing-fields)
    event: str = ""  # the incomplete event's name


def functions(tree: ast.Module) -> Iterator[tuple[str, ast.ClassDef | None, FunctionNode]]:
    """(qualname, enclosing class, node) of every function, methods and nested ones included,
    in source order."""
    out: list[tuple[str, ast.ClassDef | None, FunctionNode]] = []

    def visit(node: ast.AST, prefix: str, cls: ast.ClassDef | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                qual = f"{prefix}{child.name}"
                out.append((qual, cls, child))
                visit(child, f"{qual}.<locals>.", None)
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.", child)
            elif not isinstance(child, ast.Lambda):
                visit(child, prefix, cls)

    visit(tree, "", None)
    return iter(out)


def _entry_change(func: FunctionNode, config: AuditConfig) -> Change | None:
    if decorated_as_transition(func, config):
        return Change(line=func.lineno, what=f"@transition {func.name}()")
    if config.change_function(func.name):
        return Change(line=func.lineno, what=f"{func.name}() (a change function)")
    return None


def analyse(mod: Module, config: AuditConfig, helpers: Helpers) -> list[Issue]:
    """Every issue of the module, in source order."""
    issues: list[Issue] = []
    for qual, cls, func in functions(mod.tree):
        issues.extend(analyse_function(mod, qual, cls, func, config, helpers))
    return sorted(issues, key=lambda i: (i.line, i.rule, i.function, i.path_kind))


def analyse_function(
    mod: Module,
    qual: str,
    cls: ast.ClassDef | None,
    func: FunctionNode,
    config: AuditConfig,
    helpers: Helpers,
) -> list[Issue]:
    is_payment = (
        cls is not None
        and payment_class(cls, config.payment_words)
        and func.name not in _INITIALISERS  # setting the first status is not a change
    )
    vocab = bind_names(
        func, Vocabulary(payment_words=config.payment_words, class_is_payment=is_payment)
    )
    recog = Recogniser.for_function(func, config, vocab)
    entry = _entry_change(func, config)
    if entry is None and not _changes_anything(func, recog):
        return []
    finder = helpers.finder(mod, func, cls.name if cls is not None else None, 0)
    memo: dict[int, StatementFacts] = {}

    def call_facts(call: ast.Call) -> StatementFacts:
        key = id(call)
        if key not in memo:
            what = recog.call_change(call)
            memo[key] = StatementFacts(
                change=Change(line=call.lineno, what=what) if what is not None else None,
                event=finder.event(call),
            )
        return memo[key]

    walker = Walker(frozenset(config.required_fields), call_facts, recog.store_changes)
    start = PathState(change=entry) if entry is not None else PathState()
    walker.function(func, frozenset({start}))
    return judge(qual, walker.exits, frozenset(config.required_fields))


def _changes_anything(func: FunctionNode, recog: Recogniser) -> bool:
    for node in own_nodes(func):
        if recog.store_changes(node):
            return True
        if isinstance(node, ast.stmt):
            for expr in expressions(node):
                if any(recog.call_change(c) is not None for c in calls(expr)):
                    return True
    return False


def judge(qual: str, exits: list[Exit], required: frozenset[str]) -> list[Issue]:
    """Issues from a function's exits (see the module docstring)."""
    pending = [e for e in exits if e.state.change is not None]
    if not pending:
        return []
    if not any(e.state.audited or e.state.partial is not None for e in exits):
        first = min((e.state.change for e in pending if e.state.change), key=lambda c: c.line)
        return [
            Issue(
                rule=rules.MISSING.id,
                function=qual,
                line=first.line,
                path="any path",
                path_kind="any",
                change=first,
            )
        ]
    found: dict[tuple[str, str], Issue] = {}
    for ex in sorted(pending, key=_exit_order):
        change = ex.state.change
        assert change is not None  # filtered above; narrows the type
        partial = ex.state.partial
        if partial is not None:
            missing = tuple(sorted(required - partial.fields))
            issue = Issue(
                rule=rules.MISSING_FIELDS.id,
                function=qual,
                line=partial.line,
                path=ex.label,
                path_kind=f"{partial.name}",
                change=change,
                missing=missing,
                event=partial.name,
            )
        elif ex.kind is ExitKind.SUCCESS and ex.state.route is None:
            issue = Issue(
                rule=rules.MISSING.id,
                function=qual,
                line=change.line,
                path=ex.label,
                path_kind=ex.path_kind,
                change=change,
            )
        else:
            line = ex.state.route[1] if ex.state.route is not None else ex.line
            issue = Issue(
                rule=rules.ERROR_PATH.id,
                function=qual,
                line=line or change.line,
                path=ex.label,
                path_kind=ex.path_kind,
                change=change,
            )
        found.setdefault((issue.rule, issue.path_kind), issue)
    return list(found.values())


def _exit_order(ex: Exit) -> tuple[int, int, str]:
    route = ex.state.route[1] if ex.state.route is not None else 0
    return (ex.line or 10**9, route, ex.kind.value)
