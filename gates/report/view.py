"""The report view: what every format derives from a RunResult, computed once and the same way.

Every writer renders from these helpers, so the formats agree on order (findings sorted by
`Finding.sort_key()`), on per-gate verdicts and counts, on which finding properties are public,
and on how a waiver's justification reads.

Sensitive properties: a gate marks a property as never-to-be-rendered by prefixing its key with
`sensitive.`. `sensitive.value` / `sensitive.kind` carry the raw value a finding is about, in
memory only: the masking boundary (`gates.redact`) learns them and masks that value in every
string of every report, then drops every `sensitive.` property before any writer sees the run. Keys naming a raw secret or PII value (`secret`,
`password`, `pan`, `cvv`, `ssn`, `iban`, `token`, `raw`, ...) are withheld as well, as a second
line of defence: gates should never put such values into properties in the first place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import assert_never

from gates.model import (
    GateError,
    ReportedFinding,
    RuleInfo,
    RunResult,
    Severity,
    Status,
    Verdict,
)
from gates.record import record
from gates.report.inert import inert

TOOL_NAME = "release-gates"
SENSITIVE_PREFIX = "sensitive."
# Key words that name a raw value rather than a description of it. Matched against the key's
# words (split on `.`, `_`, `-`), so `pan` hides `pan` and `card.pan` but not `company`.
_SENSITIVE_WORDS = frozenset(
    {
        "secret",
        "password",
        "passwd",
        "passphrase",
        "pan",
        "cvv",
        "cvc",
        "ssn",
        "iban",
        "token",
        "raw",
        "plaintext",
        "cleartext",
        "unmasked",
    }
)
_WORD_SPLIT = re.compile(r"[._\-\s]+")

# Most severe first: the order counts and tables are shown in.
SEVERITIES_DESC: tuple[Severity, ...] = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
)
STATUSES: tuple[Status, ...] = (Status.NEW, Status.BASELINED, Status.WAIVED)


def is_sensitive_key(key: str) -> bool:
    lowered = key.lower()
    if lowered.startswith(SENSITIVE_PREFIX):
        return True
    return any(word in _SENSITIVE_WORDS for word in _WORD_SPLIT.split(lowered))


def public_properties(rf: ReportedFinding) -> tuple[tuple[str, str], ...]:
    """The finding's properties that may appear in a report, in the gate's order."""
    return tuple((k, v) for k, v in rf.finding.properties if not is_sensitive_key(k))


def sorted_findings(result: RunResult) -> tuple[ReportedFinding, ...]:
    return tuple(sorted(result.findings, key=lambda rf: rf.finding.sort_key()))


def by_importance(findings: Iterable[ReportedFinding]) -> tuple[ReportedFinding, ...]:
    """Most severe first, then by path and line: the order a reviewer reads (text report, job
    summary). Machine formats keep `sorted_findings`' path order."""
    return tuple(
        sorted(findings, key=lambda rf: (-rf.finding.severity.rank, *rf.finding.sort_key()))
    )


def gate_ids(result: RunResult) -> tuple[str, ...]:
    """The gates asked to run, in order, then any other gate that reported (sorted)."""
    seen = list(dict.fromkeys(result.gates))
    others = {rf.finding.gate for rf in result.findings} | {e.gate for e in result.errors}
    return (*seen, *sorted(others - set(seen)))


def rules_by_id(result: RunResult) -> dict[str, RuleInfo]:
    return {rule.id: rule for rule in result.rules}


def rule_info(rules: Mapping[str, RuleInfo], rf: ReportedFinding) -> RuleInfo:
    """The rule's metadata, or a minimal stand-in when the runner had none for it."""
    found = rules.get(rf.finding.rule)
    if found is not None:
        return found
    rule = rf.finding.rule
    return RuleInfo(
        id=rule,
        name=rule.split(".", 1)[-1],
        summary=rule,
        help=f"No description is registered for rule {rule}.",
        default_severity=rf.finding.severity,
    )


def status_label(rf: ReportedFinding) -> str:
    """`new, blocking` / `new` / `baselined` / `waived`: how a finding was decided."""
    match rf.status:
        case Status.NEW:
            return "new, blocking" if rf.blocking else "new"
        case Status.BASELINED:
            return "baselined"
        case Status.WAIVED:
            return "waived"
        case _:
            assert_never(rf.status)


def waiver_justification(rf: ReportedFinding) -> str:
    """One line: the waiver's stated reason (and ticket), its id and who signed it."""
    parts = [rf.justification.strip() or "no reason given"]
    if rf.waiver_id:
        parts.append(f"waiver {rf.waiver_id}")
    parts.append("signed by " + (", ".join(rf.signers) if rf.signers else "nobody"))
    return inert("; ".join(parts))


@record
class GateSummary:
    """One gate's share of the run: its verdict, findings (sorted), errors and counts."""

    gate: str
    verdict: Verdict
    findings: tuple[ReportedFinding, ...]
    errors: tuple[GateError, ...]
    by_severity: tuple[tuple[Severity, int], ...]  # most severe first, every severity
    by_status: tuple[tuple[Status, int], ...]  # new, baselined, waived
    blocking: int


def _verdict(errors: Iterable[GateError], blocking: int) -> Verdict:
    if any(True for _ in errors):
        return Verdict.ERROR
    return Verdict.BLOCKED if blocking else Verdict.PASS


def summarise(
    gate: str, findings: tuple[ReportedFinding, ...], errors: tuple[GateError, ...]
) -> GateSummary:
    blocking = sum(1 for rf in findings if rf.blocking)
    return GateSummary(
        gate=gate,
        verdict=_verdict(errors, blocking),
        findings=findings,
        errors=errors,
        by_severity=tuple(
            (sev, sum(1 for rf in findings if rf.finding.severity is sev))
            for sev in SEVERITIES_DESC
        ),
        by_status=tuple((st, sum(1 for rf in findings if rf.status is st)) for st in STATUSES),
        blocking=blocking,
    )


def sorted_errors(result: RunResult) -> tuple[GateError, ...]:
    return tuple(sorted(result.errors, key=lambda e: (e.gate, e.reason, e.fix)))


def gate_summaries(result: RunResult) -> tuple[GateSummary, ...]:
    ordered = sorted_findings(result)
    errors = sorted_errors(result)
    return tuple(
        summarise(
            gate,
            tuple(rf for rf in ordered if rf.finding.gate == gate),
            tuple(e for e in errors if e.gate == gate),
        )
        for gate in gate_ids(result)
    )


def total(result: RunResult) -> GateSummary:
    """The whole run as one summary (gate `*`); its verdict is recomputed, not the runner's."""
    return summarise("*", sorted_findings(result), sorted_errors(result))


def count_phrase(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"
