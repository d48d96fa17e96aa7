"""Loading waivers: every signed approval in the repository, verified against the trust root.

`load_waivers` is what the runner calls. Each `.release-gates/approvals/<ID>/` becomes either a
`Waiver` (verified and in force; `expiring_soon` within `warn_days`) or an `ApprovalNote` saying
why not: `rejected` (malformed, wrong repository, revoked, bad or missing signatures, lifetime over
the policy's cap, reason too short, quorum not met, not yet valid, covering a signoff or approvals
finding, which have their own override) or `expired`. The runner's
filtering reports `expiring` (from `Waiver.expiring_soon`) and `unused` itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from gates.approvals import bundle, config, quorum, signatures, statements
from gates.approvals.authors import change_authors
from gates.approvals.statements import Kind, StatementRejected, WaiverStatement, format_time
from gates.approvals.trust import TrustRoot, load_trust_root
from gates.clock import SKEW
from gates.model import ApprovalNote, Severity, Waiver, WaiverEntry
from gates.policy import Policy
from gates.record import record


@record
class ApprovalSet:
    waivers: tuple[Waiver, ...]
    notes: tuple[ApprovalNote, ...]


# Findings that a waiver must never clear, and why: they have their own, stricter override.
UNWAIVABLE_GATES = {
    "signoff": "only a sign-off by the required roles clears it (gates signoff new)",
    "approvals": "renew the approval instead (gates approve new)",
}


class _Rejected(Exception):
    """Internal: why one statement does not count (becomes a `rejected` note)."""


def load_waivers(
    root: Path, policy: Policy, now: datetime, *, trust_ref: str | None
) -> ApprovalSet:
    """Verify every waiver under `root` against the policy's trust root at `now`."""
    found = bundle.scan(root, Kind.WAIVER)
    if not found:
        return ApprovalSet(waivers=(), notes=())
    if "approvals" not in policy.document or "roles" not in policy.document:
        # No one is trusted: every waiver is rejected (its findings keep blocking), and the run
        # still reports everything else. A wrongly written approvals section is invalid input.
        reason = "the policy names no approvers (add approvals: and roles: on the base branch)"
        return ApprovalSet(
            waivers=(),
            notes=tuple(ApprovalNote(id=i.id, state="rejected", reason=reason) for i in found),
        )
    cfg = config.parse(policy.document, policy.sources[-1] if policy.sources else "policy")
    trust = load_trust_root(root, cfg, trust_ref)
    authors = frozenset() if cfg.commit_author_counts else change_authors(root, trust_ref)
    waivers: list[Waiver] = []
    notes: list[ApprovalNote] = []
    for item in found:
        if isinstance(item, bundle.Unreadable):
            notes.append(ApprovalNote(id=item.id, state="rejected", reason=item.reason))
            continue
        try:
            outcome = evaluate(item, trust, now, authors)
        except (_Rejected, StatementRejected) as exc:
            notes.append(ApprovalNote(id=item.id, state="rejected", reason=str(exc)))
            continue
        if isinstance(outcome, Waiver):
            waivers.append(outcome)
        else:
            notes.append(outcome)
    return ApprovalSet(waivers=tuple(waivers), notes=tuple(notes))


def evaluate(
    item: bundle.Bundle, trust: TrustRoot, now: datetime, commit_authors: frozenset[str]
) -> Waiver | ApprovalNote:
    """One bundle -> the waiver in force, or an `expired` note; raises for a rejection."""
    cfg = trust.config
    st = statements.parse_waiver(item.statement, item.id)
    _check_terms(st, cfg, now)
    checked = signatures.check(item.statement, item.signatures, Kind.WAIVER, trust, now)
    if checked.problems:
        raise _Rejected("; ".join(checked.problems))
    excluded = dict.fromkeys(sorted(commit_authors), "a commit author")
    excluded[st.requested_by] = "the requester"
    result = quorum.evaluate(checked.signed, cfg.roles, cfg.required, excluded)
    if not result.met:
        raise _Rejected(result.reason)
    if now >= st.expires_at:
        return ApprovalNote(
            id=st.id, state="expired", reason=f"expired at {format_time(st.expires_at)}"
        )
    expiring = now + timedelta(days=cfg.warn_days) >= st.expires_at
    waiver = Waiver(
        id=st.id,
        covers=tuple(
            WaiverEntry(
                gate=e.gate,
                rule=e.rule,
                fingerprint=e.fingerprint,
                max_occurrences=e.max_occurrences,
                severity=e.severity,
            )
            for e in st.findings
        ),
        reason=st.reason,
        ticket=st.ticket,
        signers=tuple(p for p, _ in result.counted),
        expires_at=format_time(st.expires_at),
        expiring_soon=expiring,
    )
    return waiver


def _check_terms(st: WaiverStatement, cfg: config.ApprovalsConfig, now: datetime) -> None:
    if st.repo != cfg.repository:
        raise _Rejected(f"statement is for repository {st.repo!r}, not {cfg.repository!r}")
    if st.id in cfg.revoked_ids:
        raise _Rejected(f"approval id {st.id} is revoked by the policy")
    for entry in st.findings:
        if entry.gate in UNWAIVABLE_GATES:
            raise _Rejected(f"{entry.rule} cannot be waived: {UNWAIVABLE_GATES[entry.gate]}")
    if len(st.reason.strip()) < cfg.min_reason_length:
        raise _Rejected(
            f"reason is {len(st.reason.strip())} characters; the policy needs at least "
            f"{cfg.min_reason_length}"
        )
    if st.issued_at > now + SKEW:  # an honest signer's clock may run a little ahead of ours
        raise _Rejected(f"not valid yet: issued_at {format_time(st.issued_at)} is in the future")
    worst = max((e.severity for e in st.findings), key=lambda s: s.rank, default=Severity.LOW)
    cap = cfg.max_lifetime_days[worst]
    if st.expires_at - st.issued_at > timedelta(days=cap):
        days = (st.expires_at - st.issued_at).total_seconds() / 86400
        raise _Rejected(
            f"lifetime of {days:g} days exceeds the policy's maximum of {cap} days for "
            f"{worst} findings"
        )
