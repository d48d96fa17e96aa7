"""Typed errors: the two ways a run can stop short of a verdict.

Findings are values; errors are exceptions. Library code raises one of these and never catches and
continues. `cli.main` maps them to exit codes once (InvalidInput -> 2, GateCannotRun -> 3).
"""

from __future__ import annotations


class ReleaseGatesError(Exception):
    """Base class: every message is one line, ending with what the user should do."""

    def one_line(self) -> str:
        return str(self)


class InvalidInput(ReleaseGatesError):
    """A policy, baseline, approval or data file (or a CLI argument) is wrong. Exit code 2."""

    def __init__(self, file: str, field: str, problem: str, fix: str) -> None:
        self.file = file
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(f"{file}: {field}: {problem}. Fix: {fix}")

    def __reduce__(self) -> tuple[type[InvalidInput], tuple[str, str, str, str]]:
        # pickled whole (a forked worker's error reaches its parent as itself)
        return InvalidInput, (self.file, self.field, self.problem, self.fix)


class GateCannotRun(ReleaseGatesError):
    """A gate could not produce a trustworthy answer (missing tool, crash, timeout, bad output).

    Exit code 3. It blocks the release: a gate that could not run is never "0 findings".
    """

    def __init__(self, gate: str, reason: str, fix: str) -> None:
        self.gate = gate
        self.reason = reason
        self.fix = fix
        super().__init__(f"gate {gate}: {reason}. Fix: {fix}")

    def __reduce__(self) -> tuple[type[GateCannotRun], tuple[str, str, str]]:
        return GateCannotRun, (self.gate, self.reason, self.fix)
