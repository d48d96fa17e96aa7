"""Reconcile rule metadata: one RuleInfo per discrepancy class (`reconcile.<class>`)."""

from __future__ import annotations

from gates.checks.reconcile.model import DiscrepancyClass as C
from gates.model import RuleInfo, Severity

_S = Severity
_INFO: dict[C, tuple[str, str, Severity]] = {
    C.STATUS_MISMATCH: (
        "The report shows a status other than the one the events imply",
        "Customers see the wrong state (e.g. pending for a completed payment). Fix the reporting "
        "pipeline's status mapping or replay the missed events into it.",
        _S.HIGH,
    ),
    C.MISSING_IN_REPORT: (
        "A payment with events is absent from the report",
        "Customers cannot see a payment that happened. Find why the reporting job skipped it.",
        _S.HIGH,
    ),
    C.MISSING_EVENTS: (
        "The report shows a payment that has no events",
        "A payment the ledger never saw is visible to customers: a phantom or a lost event stream.",
        _S.HIGH,
    ),
    C.AMOUNT_MISMATCH: (
        "Reported amount differs from the events beyond the tolerance",
        "Customers see a wrong amount. Check rounding, minor-unit conversion and partial captures.",
        _S.CRITICAL,
    ),
    C.CURRENCY_MISMATCH: (
        "Reported currency differs from the events",
        "Amounts in the wrong currency are wrong amounts. Fix the currency propagation.",
        _S.CRITICAL,
    ),
    C.ILLEGAL_TRANSITION: (
        "An event is not allowed in the state the payment was in",
        "E.g. a refund before capture or events after a terminal state: the producer or the state "
        "machine in the policy is wrong.",
        _S.HIGH,
    ),
    C.OUT_OF_ORDER: (
        "Event sequence numbers have gaps, conflicts or run backwards in time",
        "Lost or reordered events make every derived state suspect. Check the producer and its "
        "delivery guarantees.",
        _S.MEDIUM,
    ),
    C.DUPLICATE_EVENT: (
        "The same event was delivered more than once",
        "Consumers must be idempotent; a duplicate that is applied twice double-counts money.",
        _S.MEDIUM,
    ),
    C.STUCK: (
        "A payment stays in a non-terminal state past the grace period",
        "Money is held or customers wait. Find the missing callback or the failed job.",
        _S.MEDIUM,
    ),
    C.GEO_CURRENCY: (
        "A payment uses a currency the policy does not allow in its country",
        "Regional rules (licences, schemes) restrict currencies. Fix routing or the policy.",
        _S.HIGH,
    ),
    C.GEO_RESIDENCY: (
        "Payment data is stored in a region not allowed for its country",
        "Data-residency law (e.g. GDPR transfers) may be breached. Move the data or fix routing.",
        _S.HIGH,
    ),
    C.UNREADABLE: (
        "Rows that could not be read (bad amount, unknown event type, missing id)",
        "Unreadable rows are not reconciled, so they could hide any other discrepancy. Fix the "
        "producer or the column mapping; the thresholds decide whether they block.",
        _S.HIGH,
    ),
}

RULES: tuple[RuleInfo, ...] = tuple(
    RuleInfo(
        id=f"reconcile.{c.value}",
        name=c.value,
        summary=_INFO[c][0],
        help=_INFO[c][1],
        default_severity=_INFO[c][2],
    )
    for c in C
)


def rule_for(cls: C) -> RuleInfo:
    return next(r for r in RULES if r.name == cls.value)
