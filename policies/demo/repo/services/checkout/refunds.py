"""Refunds: send a captured payment's money back through the acquirer."""

from __future__ import annotations

import structlog

log = structlog.get_logger(__name__)


class AcquirerError(Exception):
    """The acquirer declined or timed out."""


def refund(payment, actor: str, acquirer) -> bool:
    old_status = payment.status
    try:
        payment.status = "refund_pending"
        payment.save(update_fields=["status"])
        acquirer.refund(payment.auth_id, payment.amount, payment.currency)
    except AcquirerError:
        payment.status = "refund_failed"
        payment.save(update_fields=["status"])
        return False  # planted: the failed refund leaves no audit record
    payment.status = "refunded"
    payment.save(update_fields=["status"])
    # planted: the audit record lacks the amount and the currency
    log.info(
        "payment.refunded",
        payment_id=payment.id,
        actor=actor,
        old_status=old_status,
        new_status=payment.status,
    )
    return True
