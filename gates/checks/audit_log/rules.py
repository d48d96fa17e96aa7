"""The audit-log gate's rules: ids, severities and the help `gates explain` shows."""

from __future__ import annotations

from gates.model import RuleInfo, Severity

MISSING = RuleInfo(
    id="audit-log.missing",
    name="state-change-without-audit-event",
    summary="A payment-state change is followed by no audit event (on the success path, or on "
    "no path at all).",
    help="Auditors (PCI DSS 10.2, SOC 2 CC7.2) need a record of who moved which payment from which "
    "status to which, when and for how much. After the change, emit a structured audit log, e.g. "
    'log.info("payment.refunded", payment_id=payment.id, actor=actor, old_status=old, '
    "new_status=payment.status, amount=str(payment.amount), currency=payment.currency), or call "
    "an audit helper the policy declares (`audit_helpers`).",
    default_severity=Severity.HIGH,
    tags=("CWE-778", "PCI-DSS-10.2"),
)
MISSING_FIELDS = RuleInfo(
    id="audit-log.missing-fields",
    name="audit-event-missing-fields",
    summary="The audit event after a payment-state change lacks required fields (named in the "
    "message).",
    help="An audit record without the payment id, the actor, the old and new status, the amount "
    "or the currency cannot answer an auditor's question. Add the missing fields as keywords "
    "(structlog) or keys of `extra=` (stdlib logging); the policy's `required_fields` lists them.",
    default_severity=Severity.HIGH,
    tags=("CWE-778", "PCI-DSS-10.3"),
)
ERROR_PATH = RuleInfo(
    id="audit-log.error-path",
    name="error-path-without-audit-event",
    summary="An error path after a payment-state change (an `except` branch, an early return or "
    "a raise) leaves the function without an audit event.",
    help="Failed and aborted state changes are exactly what incident reviews and disputes need: "
    "log the failure with the same fields before re-raising or returning (e.g. "
    'log.error("payment.refund_failed", payment_id=..., ..., error=str(exc))), or log once in a '
    "`finally:` block, which covers every path.",
    default_severity=Severity.HIGH,
    tags=("CWE-778", "PCI-DSS-10.2"),
)
UNPARSED = RuleInfo(
    id="audit-log.unparsed",
    name="python-not-parsed",
    summary="A Python file could not be parsed, so its payment-state changes were not checked.",
    help="The gate fails closed: a file it cannot read might change payment state without an "
    "audit log. Fix the syntax error, or exclude the file from the gate's paths if it is not "
    "Python 3 code.",
    default_severity=Severity.HIGH,
)

ALL: tuple[RuleInfo, ...] = (MISSING, MISSING_FIELDS, ERROR_PATH, UNPARSED)
