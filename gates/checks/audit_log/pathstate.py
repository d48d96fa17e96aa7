"""Path states of the control-flow walk: what a path carries, and the ways out of a function."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import assert_never

from gates.checks.audit_log.changes import Change
from gates.checks.audit_log.events import Event
from gates.record import record

MAX_STATES = 64  # per program point; beyond it the earliest-changing states are kept


class ExitKind(StrEnum):
    SUCCESS = "success"
    RETURN = "early return"
    RAISE = "raise"


@record
class PathState:
    change: Change | None = None  # earliest change not yet followed by a complete event
    partial: Event | None = None  # best incomplete event since that change
    route: tuple[str, int] | None = None  # (exception names, line) of the handler taken
    audited: bool = False  # some change on this path was followed by a complete event


@record
class Exit:
    kind: ExitKind
    line: int  # the return/raise statement or handler; 0 for falling off the end
    state: PathState

    @property
    def label(self) -> str:
        if self.state.route is not None:
            names, line = self.state.route
            return f"except {names} at line {line}"
        match self.kind:
            case ExitKind.SUCCESS:
                return "success path"
            case ExitKind.RETURN:
                return f"early return at line {self.line}"
            case ExitKind.RAISE:
                return f"raise at line {self.line}"
            case _:
                assert_never(self.kind)

    @property
    def path_kind(self) -> str:
        """The label without line numbers, for fingerprints."""
        if self.state.route is not None:
            return f"except {self.state.route[0]}"
        return self.kind.value


States = frozenset[PathState]


def _order(s: PathState) -> tuple[int, int, str, int]:
    change_line = s.change.line if s.change is not None else -1
    route = s.route[1] if s.route is not None else -1
    return (change_line, route, s.partial.name if s.partial else "", int(s.audited))


def cap(states: Iterable[PathState]) -> States:
    """At most MAX_STATES states: beyond, the earliest-changing ones are kept (deterministic)."""
    out = frozenset(states)
    if len(out) <= MAX_STATES:
        return out
    return frozenset(sorted(out, key=_order)[:MAX_STATES])
