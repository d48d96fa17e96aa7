"""Audit helper of the SQLAlchemy/Flask-style corpus (stdlib logging with extra=)."""

import logging

audit_logger = logging.getLogger("billing.audit")


def audit_transition(payment, actor, old_status):
    """expect: none"""
    audit_logger.info(
        "payment status changed",
        extra={
            "payment_id": payment.id,
            "actor": actor,
            "old_status": old_status,
            "new_status": payment.status,
            "amount": str(payment.amount),
            "currency": payment.currency,
        },
    )
