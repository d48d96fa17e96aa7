"""Payment-state changes: which statements of a function move a payment to another status.

A change is
- an assignment to a status attribute of a payment-like object (`payment.status = ...`,
  `self.state = ...` in `class Refund`), or `setattr(payment, "status", ...)`;
- an ORM write of a status column on a payment model: Django `Payment.objects.filter(...)
  .update(status=...)`, `bulk_update(..., ["status"])`, `payment.save(update_fields=["status"])`
  when no assignment to that payment's status comes before it (else it is the same change);
  SQLAlchemy `update(Payment).values(status=...)`, `session.query(Payment)...update({...})`;
  raw SQL `UPDATE payments SET status ...` passed to execute/text;
- a call of a transition function the policy names (`transition`, `set_status`, ...) on a
  payment, a state machine (`machine`, `fsm`, `workflow`) or with a payment argument;
- a function decorated as a transition (django-fsm `@transition`) or named by `change_functions`
  is itself a change from its first line (its callers are not: the audit belongs in it).
Reading or comparing a status, or writing one on an object that is not payment-like, is not.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from gates.checks.audit_log.config import AuditConfig
from gates.checks.audit_log.names import Vocabulary, chain, dotted, own_nodes, terminal, words
from gates.record import record

_SQL_UPDATE = re.compile(
    r"\bUPDATE\s+(?:ONLY\s+)?[`\"\[]?(?:\w+[`\"\]]?\.[`\"\[]?)?(\w+)[`\"\]]?\s+SET\s+(.*?)(?:\bWHERE\b|\bRETURNING\b|\bFROM\b|$)",
    re.IGNORECASE | re.DOTALL,
)
_SQL_CALLS = frozenset(
    {"execute", "executemany", "text", "exec_driver_sql", "raw", "executescript"}
)


_STATUS_PREFIXES = frozenset({"authorize", "authorise", "billing"})
_MACHINES = frozenset({"machine", "fsm", "workflow", "statemachine", "transitions"})


@record
class Change:
    line: int
    what: str  # short source form for messages: "payment.status = ..."


def _short(node: ast.AST, limit: int = 60) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@record
class Recogniser:
    """Recognises changes inside one function (its vocabulary already bound)."""

    config: AuditConfig
    vocab: Vocabulary
    assigned: frozenset[tuple[str, int]] = frozenset()  # (receiver, line) of status assignments

    @classmethod
    def for_function(
        cls,
        func: ast.FunctionDef | ast.AsyncFunctionDef,
        config: AuditConfig,
        vocab: Vocabulary,
    ) -> Recogniser:
        first = cls(config=config, vocab=vocab)
        assigned = frozenset(
            (ast.unparse(t.value), t.lineno)
            for node in own_nodes(func)
            for t in _store_targets(node)
            if isinstance(t, ast.Attribute) and first._status_target(t)
        )
        return cls(config=config, vocab=vocab, assigned=assigned)

    # -- the forms of a change -----------------------------------------------------------------
    def is_status(self, name: str) -> bool:
        """`status`, and payment statuses under a prefix: `charge_status`, `authorize_status`,
        `payment_state` (a payment word or `authorize` before it); not `webhook_status`."""
        if name in self.config.status_attributes:
            return True
        prefix, _, last = name.rpartition("_")
        if not prefix or last not in self.config.status_attributes:
            return False
        head = prefix.rsplit("_", 1)[-1].lower()
        return head in _STATUS_PREFIXES or self.vocab.word_match(head)

    def _status_target(self, target: ast.Attribute) -> bool:
        receiver = target.value
        if isinstance(receiver, ast.Name) and receiver.id in self.vocab.fresh:
            return False  # refund = Refund(...); refund.status = ...: initialising, no change
        return self.is_status(target.attr) and self.vocab.is_payment(receiver)

    def _status_key(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return self.is_status(node.value)
        if isinstance(node, ast.Attribute):  # {Payment.status: ...}
            return self.is_status(node.attr) and self.vocab.is_payment(node.value)
        return False

    def _writes_status(self, call: ast.Call) -> bool:
        if any(kw.arg is not None and self.is_status(kw.arg) for kw in call.keywords):
            return True
        return any(
            isinstance(a, ast.Dict) and any(k is not None and self._status_key(k) for k in a.keys)
            for a in call.args
        )

    def _names_status(self, node: ast.expr) -> bool:
        return isinstance(node, ast.List | ast.Tuple | ast.Set) and any(
            self._status_key(e) for e in node.elts
        )

    def call_change(self, call: ast.Call) -> str | None:
        func = call.func
        name = terminal(func)
        if name is None:
            return None
        receiver = func.value if isinstance(func, ast.Attribute) else None
        if name == "setattr" and isinstance(func, ast.Name) and len(call.args) >= 2:
            if self._status_key(call.args[1]) and self.vocab.is_payment(call.args[0]):
                return _short(call)
            return None
        if name == "update" and receiver is not None and self._writes_status(call):
            if self.vocab.is_queryset(receiver):
                return _short(call)
            return None
        if name == "values" and receiver is not None and self._writes_status(call):
            for link in chain(receiver):  # update(Payment).where(...).values(status=...)
                if (
                    isinstance(link, ast.Call)
                    and terminal(link.func) == "update"
                    and (
                        any(self.vocab.is_payment(a) for a in link.args[:1])
                        or (
                            isinstance(link.func, ast.Attribute)
                            and self.vocab.is_payment(link.func.value)
                        )
                    )
                ):
                    return _short(call)
            return None
        if name == "bulk_update" and receiver is not None:
            fields = [*call.args[1:2], *(kw.value for kw in call.keywords if kw.arg == "fields")]
            if any(self._names_status(f) for f in fields) and (
                self.vocab.is_queryset(receiver) or self.vocab.is_payment(receiver)
            ):
                return _short(call)
            return None
        if name == "save" and receiver is not None and self.vocab.is_payment(receiver):
            fields = [kw.value for kw in call.keywords if kw.arg == "update_fields"]
            if any(self._names_status(f) for f in fields):
                text = ast.unparse(receiver)
                if not any(r == text and line <= call.lineno for r, line in self.assigned):
                    return _short(call)
            return None
        if name in _SQL_CALLS:
            sql = _literal_text(call.args[0]) if call.args else None
            if sql is not None and self._sql_change(sql):
                return _short(call)
        if name in self.config.transition_functions and self._moves_payment(call, receiver):
            return _short(call)
        return None

    def _moves_payment(self, call: ast.Call, receiver: ast.expr | None) -> bool:
        """A transition call acts on a payment: its receiver is payment-like or a state machine
        (`machine`, `payment_fsm`, `workflow`), or a payment is among its arguments. Tornado's
        `self.set_status(404)` in a request handler is not a payment transition."""
        if receiver is not None:
            if self.vocab.is_payment(receiver):
                return True
            head = terminal(receiver)
            if head is not None and (words(head) or [""])[-1] in _MACHINES:
                return True
        args = [*call.args, *(kw.value for kw in call.keywords)]
        return any(self.vocab.is_payment(a) for a in args)

    def _sql_change(self, sql: str) -> bool:
        for m in _SQL_UPDATE.finditer(sql):
            table, assignments = m.groups()
            if self.vocab.word_match(table) and any(
                re.search(rf"(?i)(?<![\w.])(?:\w+\.)?(?:\w+_)?{re.escape(a)}\s*=", assignments)
                for a in self.config.status_attributes
            ):
                return True
        return False

    # -- where changes are --------------------------------------------------------------------
    def store_changes(self, node: ast.AST) -> list[Change]:
        """Changes made by a statement's own assignments (`payment.status = ...`)."""
        return [
            Change(line=t.lineno, what=f"{_short(t)} = …")
            for t in _store_targets(node)
            if isinstance(t, ast.Attribute) and self._status_target(t)
        ]


def _store_targets(node: ast.AST) -> Iterator[ast.expr]:
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target] if getattr(node, "value", None) is not None else []
    while targets:
        t = targets.pop()
        if isinstance(t, ast.Tuple | ast.List):
            targets.extend(t.elts)
        elif isinstance(t, ast.Starred):
            targets.append(t.value)
        else:
            yield t


def _expressions(node: ast.AST) -> Iterator[ast.expr]:
    """The expressions a statement evaluates itself (headers of compound statements only)."""
    match node:
        case ast.If() | ast.While():
            yield node.test
        case ast.For() | ast.AsyncFor():
            yield node.iter
        case ast.With() | ast.AsyncWith():
            for item in node.items:
                yield item.context_expr
        case ast.Match():
            yield node.subject
        case (
            ast.Try() | ast.TryStar() | ast.FunctionDef() | ast.AsyncFunctionDef() | ast.ClassDef()
        ):
            return
        case ast.expr():
            yield node
        case _:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    yield child


def _calls(expr: ast.expr) -> Iterator[ast.Call]:
    """Calls inside an expression, innermost first (argument before the call that uses it);
    lambdas are not entered."""
    for child in ast.iter_child_nodes(expr):
        if isinstance(child, ast.expr) and not isinstance(child, ast.Lambda):
            yield from _calls(child)
    if isinstance(expr, ast.Call):
        yield expr


calls = _calls
expressions = _expressions


def _literal_text(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "x"
            for v in node.values
        )
    if isinstance(node, ast.Call) and terminal(node.func) == "text" and node.args:
        return _literal_text(node.args[0])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_text(node.left), _literal_text(node.right)
        return None if left is None or right is None else left + right
    return None


def decorated_as_transition(func: ast.AST, config: AuditConfig) -> bool:
    """Whether a function is a transition by its decorator (django-fsm `@transition(...)`)."""
    for dec in getattr(func, "decorator_list", []):
        target = dec.func if isinstance(dec, ast.Call) else dec
        name = dotted(target)
        if name is None:
            continue
        if name in config.transition_decorators or any(
            name.endswith("." + d) or d.endswith("." + name) for d in config.transition_decorators
        ):
            return True
    return False
