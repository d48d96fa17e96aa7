"""The one filtering path: baseline and signed waivers applied to findings, then blocking decided.

Pure: findings, the baseline, verified waivers and approval notes in; reported findings, stale
baseline entries and approval notes out. Occurrences of one fingerprint are consumed in sort order:
first the baseline's count, then each waiver's max_occurrences; what is left is new. Expired
approvals add a blocking `approvals.expired` finding (the findings they covered block again,
because an expired waiver is never offered here); waivers that matched nothing are reported unused.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from gates.baseline import Baseline, covers_magnitude
from gates.fingerprint import fingerprint
from gates.model import (
    ApprovalNote,
    Finding,
    Location,
    ReportedFinding,
    Severity,
    Status,
    Waiver,
)
from gates.record import record

APPROVALS_GATE = "approvals"
EXPIRED_RULE = "approvals.expired"


@dataclass(slots=True, kw_only=True)
class _Slot:
    """A waiver entry's remaining budget (mutable, local to one `apply` call)."""

    waiver: Waiver
    left: int
    severity: Severity


@record
class Filtered:
    findings: tuple[ReportedFinding, ...]
    stale_baseline: tuple[str, ...]
    approvals: tuple[ApprovalNote, ...]


def expired_findings(notes: Iterable[ApprovalNote]) -> tuple[Finding, ...]:
    """One blocking finding per expired approval, located at its statement."""
    out = []
    for note in notes:
        if note.state != "expired":
            continue
        path = f".release-gates/approvals/{note.id}/statement.json"
        out.append(
            Finding(
                gate=APPROVALS_GATE,
                rule=EXPIRED_RULE,
                severity=Severity.HIGH,
                message=f"approval {note.id} has expired ({note.reason}); the findings it waived block again",
                location=Location(path=path),
                fingerprint=fingerprint(APPROVALS_GATE, EXPIRED_RULE, path, note.id),
            )
        )
    return tuple(out)


def _trust_status(f: Finding, cleared_by: str | None) -> ReportedFinding:
    if cleared_by is None:
        return ReportedFinding(finding=f, status=Status.NEW, blocking=True)
    return ReportedFinding(
        finding=f,
        status=Status.WAIVED,
        blocking=False,
        waiver_id=cleared_by,
        justification=f"sign-off {cleared_by} binds the new contents",
    )


def apply(
    findings: Sequence[Finding],
    baseline: Baseline,
    waivers: Sequence[Waiver],
    notes: Sequence[ApprovalNote],
    *,
    fail_on: Severity,
    scanned_paths: frozenset[str] | None = None,
    trust_findings: Sequence[Finding] = (),
    trust_cleared_by: str | None = None,
) -> Filtered:
    """Decide each finding's status and whether it blocks.

    `scanned_paths`: when only some files were scanned (pre-commit, --diff), baseline entries
    for other files are not reported stale. `trust_findings` (edits to the files that decide the
    verdict) are never baselined or waived: they block whatever `fail_on` says, unless
    `trust_cleared_by` names a valid sign-off of the new contents.
    """
    trusted = [
        _trust_status(f, trust_cleared_by) for f in sorted(trust_findings, key=Finding.sort_key)
    ]
    all_findings = sorted([*findings, *expired_findings(notes)], key=Finding.sort_key)
    budget = baseline.budget()
    limits = baseline.magnitude_limits()
    used_baseline: Counter[str] = Counter()
    grown: set[str] = set()  # baselined fingerprints whose finding grew past the recorded size
    # Per (gate, rule, fingerprint): each covering waiver with the occurrences it has left and
    # the severity its signers approved; a more severe finding is not covered by it.
    slots: dict[tuple[str, str, str], list[_Slot]] = defaultdict(list)
    for waiver in sorted(waivers, key=lambda w: w.id):
        for entry in waiver.covers:
            slots[(entry.gate, entry.rule, entry.fingerprint)].append(
                _Slot(waiver=waiver, left=entry.max_occurrences, severity=entry.severity)
            )
    used_waivers: Counter[str] = Counter()

    reported = trusted
    for f in all_findings:
        if used_baseline[f.fingerprint] < budget[f.fingerprint]:
            limit = limits.get(f.fingerprint)
            if covers_magnitude(limit, f):
                used_baseline[f.fingerprint] += 1
                reported.append(ReportedFinding(finding=f, status=Status.BASELINED, blocking=False))
                continue
            grown.add(f.fingerprint)
            accepted = (
                f"the baseline accepts {limit}"
                if limit is not None
                else "the baseline entry records no size: recreate it"
            )
            f = replace(f, message=f"{f.message} (grew: {accepted})")
        slot = next(
            (
                s
                for s in slots.get((f.gate, f.rule, f.fingerprint), ())
                if s.left > 0 and s.severity.at_least(f.severity)
            ),
            None,
        )
        if slot is not None:
            slot.left -= 1
            waiver = slot.waiver
            used_waivers[waiver.id] += 1
            reported.append(
                ReportedFinding(
                    finding=f,
                    status=Status.WAIVED,
                    blocking=False,
                    waiver_id=waiver.id,
                    justification=f"{waiver.reason} (ticket {waiver.ticket})",
                    signers=waiver.signers,
                )
            )
            continue
        reported.append(
            ReportedFinding(finding=f, status=Status.NEW, blocking=f.severity.at_least(fail_on))
        )

    stale = sorted(
        e.fingerprint
        for e in baseline.entries
        if used_baseline[e.fingerprint] == 0
        and e.fingerprint not in grown
        and (scanned_paths is None or e.path in scanned_paths)
    )
    unused = [
        ApprovalNote(id=w.id, state="unused", reason="matched no finding in this run")
        for w in waivers
        if used_waivers[w.id] == 0
    ]
    expiring = [
        ApprovalNote(id=w.id, state="expiring", reason=f"expires at {w.expires_at}")
        for w in waivers
        if w.expiring_soon
    ]
    all_notes = sorted([*notes, *unused, *expiring], key=lambda n: (n.id, n.state, n.reason))
    return Filtered(
        findings=tuple(sorted(reported, key=lambda rf: rf.finding.sort_key())),
        stale_baseline=tuple(dict.fromkeys(stale)),
        approvals=tuple(all_notes),
    )
