"""The controls table of one run: each control, the rules of the run that cover it, its outcome.

Pure: a RunResult and the catalogue in, rows out. A control is covered by a rule only when the
rule's gate ran in this run (run-level rules, `trust.*` and `approvals.*`, count when the run
reports them). The outcome, most serious first:

- `error`: a covering gate could not run, so the control is not evidenced;
- `failed`: a covering rule has a blocking finding;
- `waived`: covering findings were waived by signed approvals (their ids are listed), none blocks;
- `passed`: no blocking or waived finding (findings below `fail_on` and baselined ones are counted);
- `not covered`: no rule of this run gives evidence for the control.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import assert_never

from gates.controls.catalog import Catalog, Control
from gates.model import RuleInfo, RunResult, Status
from gates.record import record

RUN_LEVEL_PREFIXES = ("trust.", "approvals.")
EXPIRED = "approvals.expired"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WAIVED = "waived"
    ERROR = "error"
    NOT_COVERED = "not covered"


@record
class Row:
    control: Control
    outcome: Outcome
    gates: tuple[str, ...]  # gates (and `trust`/`approvals`) whose rules cover the control
    rules: tuple[str, ...]
    blocking: int = 0
    below_threshold: int = 0  # new findings under fail_on: shown, not blocking
    baselined: int = 0
    waived: int = 0
    approvals: tuple[str, ...] = ()  # ids of the approvals that waived covering findings
    gate_errors: tuple[str, ...] = ()  # covering gates that could not run


def covering_rules(result: RunResult) -> tuple[RuleInfo, ...]:
    """The rules this run checked: those of the gates that ran, plus the run-level ones the run
    reports (`trust.changed` when the trust files were compared). `approvals.expired` counts only
    when the run had approvals to judge: "no waiver expired" in a run without waivers is no
    evidence of change control."""
    ran = set(result.gates)
    had_approvals = bool(result.approvals) or any(
        rf.status is Status.WAIVED or rf.finding.rule == EXPIRED for rf in result.findings
    )
    return tuple(
        r
        for r in result.rules
        if r.id.split(".", 1)[0] in ran
        or (r.id.startswith(RUN_LEVEL_PREFIXES) and (r.id != EXPIRED or had_approvals))
    )


def rows(result: RunResult, cat: Catalog) -> tuple[Row, ...]:
    by_control: dict[str, list[str]] = {c.id: [] for c in cat.controls}
    for rule in covering_rules(result):
        found = cat.resolve(rule)
        for control_id in found.controls if found is not None else ():
            by_control[control_id].append(rule.id)
    errored = {e.gate for e in result.errors}
    return tuple(_row(result, control, by_control[control.id], errored) for control in cat.controls)


def _row(result: RunResult, control: Control, rule_ids: list[str], errored: set[str]) -> Row:
    if not rule_ids:
        return Row(control=control, outcome=Outcome.NOT_COVERED, gates=(), rules=())
    wanted = set(rule_ids)
    findings = [rf for rf in result.findings if rf.finding.rule in wanted]
    gates = tuple(sorted({r.split(".", 1)[0] for r in rule_ids}))
    blocking = sum(1 for rf in findings if rf.blocking)
    waived = [rf for rf in findings if rf.status is Status.WAIVED]
    gate_errors = tuple(g for g in gates if g in errored)
    if gate_errors:
        outcome = Outcome.ERROR
    elif blocking:
        outcome = Outcome.FAILED
    elif waived:
        outcome = Outcome.WAIVED
    else:
        outcome = Outcome.PASSED
    return Row(
        control=control,
        outcome=outcome,
        gates=gates,
        rules=tuple(sorted(wanted)),
        blocking=blocking,
        below_threshold=sum(1 for rf in findings if rf.status is Status.NEW and not rf.blocking),
        baselined=sum(1 for rf in findings if rf.status is Status.BASELINED),
        waived=len(waived),
        approvals=tuple(sorted({rf.waiver_id for rf in waived if rf.waiver_id})),
        gate_errors=gate_errors,
    )


def outcome_text(row: Row) -> str:
    match row.outcome:
        case Outcome.PASSED:
            extra = []
            if row.below_threshold:
                extra.append(f"{row.below_threshold} below fail_on")
            if row.baselined:
                extra.append(f"{row.baselined} baselined")
            return "passed" + (f" ({', '.join(extra)})" if extra else "")
        case Outcome.FAILED:
            return f"failed ({row.blocking} blocking)"
        case Outcome.WAIVED:
            return f"waived ({row.waived}: {', '.join(row.approvals)})"
        case Outcome.ERROR:
            return f"error ({', '.join(row.gate_errors)} could not run)"
        case Outcome.NOT_COVERED:
            return "not covered"
        case _:
            assert_never(row.outcome)


def coverage_text(row: Row) -> str:
    if not row.rules:
        return "-"
    parts = []
    for gate in row.gates:
        ids = [r for r in row.rules if r.split(".", 1)[0] == gate]
        parts.append(f"{gate}: {ids[0]}" if len(ids) == 1 else f"{gate}: {len(ids)} rules")
    return ", ".join(parts)


def render_text(table: Iterable[Row]) -> str:
    lines = [f"{'control':<20} {'outcome':<34} covered by"]
    for row in table:
        lines.append(f"{row.control.id:<20} {outcome_text(row):<34} {coverage_text(row)}")
    return "\n".join(lines) + "\n"


def to_json(table: Iterable[Row]) -> list[dict[str, object]]:
    """The table as evidence data: one object per control, every covering rule listed."""
    return [
        {
            "control": row.control.id,
            "framework": row.control.framework,
            "title": row.control.title,
            "outcome": row.outcome.value,
            "gates": list(row.gates),
            "rules": list(row.rules),
            "findings": {
                "blocking": row.blocking,
                "belowThreshold": row.below_threshold,
                "baselined": row.baselined,
                "waived": row.waived,
            },
            "approvals": list(row.approvals),
            "gateErrors": list(row.gate_errors),
        }
        for row in table
    ]
