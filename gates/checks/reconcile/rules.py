"""Reconcile rule metadata: one RuleInfo per discrepancy class (`reconcile.<class>`)."""

from __future__ import annotations

from gates.checks.reconcile.model import DiscrepancyClass as C
from gates.model import RuleInfo, Severity

_S = Severity
_INFO: dict[C, tuple[str, str, Severity]] = {
    C.STATUS_MISMATCH: (
        "The report shows a status other than the one the events imply",
        "Customers see the wrong state (e.g. pending for a completed payment). Fix the reporting "
        "pipeline's status mapping (or the `statuses` of the policy's state machine if they are "
        "wrong), then replay the payment's events into the reporting system so the status is "
        "recomputed.",
        _S.HIGH,
    ),
    C.MISSING_IN_REPORT: (
        "A payment with events is absent from the report",
        "Customers cannot see a payment that happened. Find why the reporting job skipped it "
        "(a filter, a failed batch, a consumer that lost its offset), fix it and backfill the "
        "payment from its events.",
        _S.HIGH,
    ),
    C.MISSING_EVENTS: (
        "The report shows a payment that has no events",
        "A payment the ledger never saw is visible to customers: a phantom or a lost event "
        "stream. Check that the event producer emits every payment (outbox, retries) and that "
        "the events source covers the same period, then replay the missing events or remove the "
        "phantom row.",
        _S.HIGH,
    ),
    C.AMOUNT_MISMATCH: (
        "Reported amount differs from the events beyond the tolerance",
        "Customers see a wrong amount. Check rounding (use integer minor units or Decimal, never "
        "floats), minor-unit conversion per currency and partial captures and refunds, fix the "
        "producer or the report job, then correct the reported amounts.",
        _S.CRITICAL,
    ),
    C.CURRENCY_MISMATCH: (
        "Reported currency differs from the events",
        "Amounts in the wrong currency are wrong amounts. Fix where the currency is dropped or "
        "defaulted (the event producer or the report job), carry it with every amount, and "
        "correct the affected rows.",
        _S.CRITICAL,
    ),
    C.TAX_MISMATCH: (
        "Reported tax differs from the policy's tax rule beyond its tolerance",
        "Customers and tax authorities see a wrong tax amount. Check the rate, whether prices "
        "include tax, the rounding mode and the currency's minor unit in the checkout or "
        "invoicing code (integer minor units or Decimal, never floats), then correct the "
        "reported tax; if the rate changed, update `tax` in the policy (a reviewed change).",
        _S.HIGH,
    ),
    C.ILLEGAL_TRANSITION: (
        "An event is not allowed in the state the payment was in",
        "E.g. a refund before capture or events after a terminal state. Fix the event producer "
        "so it checks the payment's state before emitting, or, if the transition is legitimate, "
        "add it to the state machine in the policy (a reviewed change).",
        _S.HIGH,
    ),
    C.OUT_OF_ORDER: (
        "Event sequence numbers have gaps, conflicts or run backwards in time",
        "Lost or reordered events make every derived state suspect. Fix the event producer's "
        "sequence numbering (one counter per payment, assigned in the same transaction), and make "
        "consumers order by sequence, not arrival time; replay the gap from the producer's outbox.",
        _S.MEDIUM,
    ),
    C.DUPLICATE_EVENT: (
        "The same event was delivered more than once",
        "A duplicate that is applied twice double-counts money. Make consumers idempotent (dedupe "
        "on the event id), fix the producer's retry so it reuses the event id, and check whether "
        "the duplicate was applied downstream.",
        _S.MEDIUM,
    ),
    C.STUCK: (
        "A payment stays in a non-terminal state past the grace period",
        "Money is held or customers wait. Find the missing callback (webhook, settlement file) or "
        "the failed job, re-run it or query the processor for the final state, and alert on "
        "payments older than the grace period.",
        _S.MEDIUM,
    ),
    C.GEO_CURRENCY: (
        "A payment uses a currency the policy does not allow in its country",
        "Regional rules (licences, schemes) restrict currencies. Fix the routing or checkout that "
        "offered the currency, or, if the rule is outdated, update `geo.currencies` in the "
        "policy (a reviewed change).",
        _S.HIGH,
    ),
    C.GEO_RESIDENCY: (
        "Payment data is stored in a region not allowed for its country",
        "Data-residency law (e.g. GDPR transfers) may be breached. Fix the routing that stored it, "
        "move the data to an allowed region and delete the copy, and ask your DPO whether the "
        "transfer must be reported.",
        _S.HIGH,
    ),
    C.GEO_IP_MISMATCH: (
        "The payment's IP address is in another country than its card or billing country",
        "A payment made from abroad can be travel, or card testing and account takeover. Check "
        "the payment with your fraud team (3-D Secure result, device, velocity); if such "
        "payments are expected, raise this class's threshold in the policy (a reviewed change) "
        "rather than ignoring it.",
        _S.MEDIUM,
    ),
    C.GEO_UNKNOWN_IP: (
        "The payment's IP address is not in the GeoIP database",
        "Its country cannot be checked: the address is private, reserved, new or the database is "
        "out of date. Update the database the policy points at (`geo.ip_database`), and find "
        "why a private or proxy address reached the payment records instead of the client's.",
        _S.LOW,
    ),
    C.UNREADABLE: (
        "Rows that could not be read (bad amount, unknown event type, missing id)",
        "Unreadable rows are not reconciled, so they could hide any other discrepancy. Fix the "
        "event producer (schema, types, ids) or the column mapping in the policy, then re-run; "
        "the thresholds decide whether they block.",
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
