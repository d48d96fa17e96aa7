"""The control-flow walk of one function: does every path out of it pass an audit event after
each payment-state change?

The walk carries a set of path states through the function's statements. A state holds the
earliest change on its path that no complete event has followed yet, the best (fewest missing
fields) incomplete event seen since, and the `except` branch the path went through. `if`/`else`,
`match` cases, loops (zero or more iterations, `break`/`continue`, `else:`), `with`, `try`/
`except`/`else`/`finally` are followed; a statement inside a `try` that calls something may raise
into its handlers (with the state before it); `raise` inside a `try` goes to its handlers, and
returns and raises leave through `finally` blocks, so one event in `finally` covers every path.
Exceptions raised outside any `try` are not paths the function chooses and are not followed.
Nested functions and classes are skipped (they are analysed on their own).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from gates.checks.audit_log.changes import Change, calls, expressions
from gates.checks.audit_log.events import Event
from gates.checks.audit_log.pathstate import Exit, ExitKind, PathState, States, cap
from gates.record import record

_LOOP_ROUNDS = 3


@record
class StatementFacts:
    """What one call does for the walk."""

    change: Change | None
    event: Event | None


# The walk asks two questions of the function's code: what a call does, what a store does.
CallFacts = Callable[[ast.Call], StatementFacts]
StoreChanges = Callable[[ast.AST], Sequence[Change]]


def _missing(event: Event, required: frozenset[str]) -> int:
    return 0 if event.complete or event.forwards else len(required - event.fields)


class Walker:
    """One function's walk; `exits` lists every way out with the state it leaves in."""

    def __init__(
        self, required: frozenset[str], call_facts: CallFacts, store_changes: StoreChanges
    ) -> None:
        self.required = required
        self.call_facts = call_facts
        self.store_changes = store_changes
        self.exits: list[Exit] = []
        self.handlers: list[set[PathState] | _Finally] = []  # innermost last
        self.loops: list[tuple[set[PathState], set[PathState]]] = []  # (breaks, continues)
        self.last_top: ast.stmt | None = None  # the function's last top-level statement
        self.top_stmt: ast.stmt | None = None  # the top-level statement being walked

    # -- state transitions ---------------------------------------------------------------------
    def on_change(self, states: States, change: Change) -> States:
        return cap(
            s if s.change is not None else replace(s, change=change, partial=None, route=None)
            for s in states
        )

    def on_event(self, states: States, event: Event) -> States:
        out = []
        for s in states:
            if s.change is None:
                out.append(s)
            elif _missing(event, self.required) == 0:
                out.append(PathState(audited=True))
            elif s.partial is None or _missing(event, self.required) < _missing(
                s.partial, self.required
            ):
                out.append(replace(s, partial=event))
            else:
                out.append(s)
        return cap(out)

    # -- statements ----------------------------------------------------------------------------
    def function(self, func: ast.FunctionDef | ast.AsyncFunctionDef, entry: States) -> None:
        self.last_top = func.body[-1] if func.body else None
        end = self.block(func.body, entry, top=True)
        self.exits.extend(Exit(kind=ExitKind.SUCCESS, line=0, state=s) for s in end)

    def block(self, body: Iterable[ast.stmt], states: States, *, top: bool = False) -> States:
        for stmt in body:
            if not states:
                break  # unreachable code after return/raise/break
            if top:
                self.top_stmt = stmt
            states = self.stmt(stmt, states)
        return states

    def _may_raise(self, node: ast.AST, states: States) -> None:
        """A statement that calls something may raise into the innermost handler."""
        if not self.handlers or not states:
            return
        for expr in expressions(node):
            for sub in ast.walk(expr):
                if isinstance(sub, ast.Await) or (
                    isinstance(sub, ast.Call) and self.call_facts(sub).event is None
                ):
                    self._to_handler(states)
                    return

    def _to_handler(self, states: States) -> None:
        if not self.handlers:
            return  # raised outside any try: not a path the walk follows
        target = self.handlers[-1]
        if isinstance(target, _Finally):
            target.implicit.update(states)
        else:
            target.update(states)

    def exprs(self, node: ast.AST, states: States) -> States:
        """The statement's own expressions: its calls in evaluation order, then its stores."""
        self._may_raise(node, states)
        for expr in expressions(node):
            for call in calls(expr):
                facts = self.call_facts(call)
                if facts.change is not None:
                    states = self.on_change(states, facts.change)
                if facts.event is not None:
                    states = self.on_event(states, facts.event)
        for change in self.store_changes(node):
            states = self.on_change(states, change)
        return states

    def stmt(self, stmt: ast.stmt, states: States) -> States:
        match stmt:
            case ast.FunctionDef() | ast.AsyncFunctionDef() | ast.ClassDef():
                return states
            case ast.Return():
                states = self.exprs(stmt, states)
                final = stmt is self.last_top or self.top_stmt is self.last_top
                kind = ExitKind.SUCCESS if final else ExitKind.RETURN
                self.exits.extend(Exit(kind=kind, line=stmt.lineno, state=s) for s in states)
                return frozenset()
            case ast.Raise():
                states = self.exprs(stmt, states)
                self.raise_(states, stmt.lineno)
                return frozenset()
            case ast.Break():
                self.loops[-1][0].update(states)
                return frozenset()
            case ast.Continue():
                self.loops[-1][1].update(states)
                return frozenset()
            case ast.If():
                states = self.exprs(stmt, states)
                if _constant(stmt.test) is True:
                    return self.block(stmt.body, states)
                if _constant(stmt.test) is False:
                    return self.block(stmt.orelse, states)
                return self.block(stmt.body, states) | self.block(stmt.orelse, states)
            case ast.For() | ast.AsyncFor() | ast.While():
                return self.loop(stmt, self.exprs(stmt, states))
            case ast.With() | ast.AsyncWith():
                return self.block(stmt.body, self.exprs(stmt, states))
            case ast.Match():
                states = self.exprs(stmt, states)
                out: set[PathState] = set()
                exhaustive = False
                for case in stmt.cases:
                    out |= self.block(case.body, states)
                    exhaustive = exhaustive or (case.guard is None and _irrefutable(case.pattern))
                return cap(out if exhaustive else out | states)
            case ast.Try() | ast.TryStar():
                return self.try_(stmt, states)
            case _:
                return self.exprs(stmt, states)

    def raise_(self, states: States, line: int) -> None:
        target = self.handlers[-1] if self.handlers else None
        if isinstance(target, set):
            target.update(states)
        else:  # leaves the function, through any `finally` (see try_)
            self.exits.extend(Exit(kind=ExitKind.RAISE, line=line, state=s) for s in states)

    def loop(self, stmt: ast.For | ast.AsyncFor | ast.While, states: States) -> States:
        forever = isinstance(stmt, ast.While) and _constant(stmt.test) is True
        normal: set[PathState] = set() if forever else set(states)
        breaks: set[PathState] = set()
        current = states
        for _ in range(_LOOP_ROUNDS):
            self.loops.append((set(), set()))
            after = self.block(stmt.body, current)
            brk, cont = self.loops.pop()
            breaks |= brk
            ended = after | cont
            if not forever:
                normal |= ended
            nxt = cap(set(states) | ended)
            if nxt == current:
                break
            current = nxt
        return self.block(stmt.orelse, cap(normal)) | cap(breaks)

    def try_(self, stmt: ast.Try | ast.TryStar, states: States) -> States:
        outer_exits = self.exits
        frame = _Finally() if stmt.finalbody else None
        if frame is not None:  # what leaves the try (and its handlers) passes the finally block
            self.exits = []
            self.handlers.append(frame)
        caught: set[PathState] | None = set() if stmt.handlers else None
        if caught is not None:
            self.handlers.append(caught)
        body_out = self.block(stmt.body, states)
        if caught is not None:
            self.handlers.pop()
        out = set(self.block(stmt.orelse, body_out))
        for handler in stmt.handlers:
            if caught is None:
                break
            names = ast.unparse(handler.type) if handler.type is not None else "(bare)"
            entry = cap(
                replace(s, route=(names, handler.lineno)) if s.change is not None else s
                for s in caught
            )
            out |= self.block(handler.body, entry)
        if frame is None:
            return cap(out)
        self.handlers.pop()
        inner_exits, self.exits = self.exits, outer_exits
        for ex in inner_exits:  # every way out passes the finally block
            for s in self.block(stmt.finalbody, frozenset({ex.state})):
                if ex.kind is ExitKind.RAISE:
                    self.raise_(frozenset({s}), ex.line)
                else:
                    self.exits.append(replace(ex, state=s))
        if frame.implicit:  # exceptions raised by calls: through finally to an outer handler
            self._to_handler(self.block(stmt.finalbody, cap(frame.implicit)))
        return self.block(stmt.finalbody, cap(out))


class _Finally:
    """A `try` with a `finally` block on the handler stack: what is raised inside it collects
    here and goes on after the finally block."""

    __slots__ = ("implicit",)

    def __init__(self) -> None:
        self.implicit: set[PathState] = set()


def _constant(node: ast.expr) -> bool | None:
    if isinstance(node, ast.Constant):
        return bool(node.value)
    return None


def _irrefutable(pattern: ast.pattern) -> bool:
    if isinstance(pattern, ast.MatchAs):
        return pattern.pattern is None or _irrefutable(pattern.pattern)
    if isinstance(pattern, ast.MatchOr):
        return any(_irrefutable(p) for p in pattern.patterns)
    return False
