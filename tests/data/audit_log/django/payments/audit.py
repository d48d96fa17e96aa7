"""Audit helpers of the Django-style corpus (resolved across modules by the gate)."""

import logging

import structlog

audit_log = structlog.get_logger("audit")
logger = logging.getLogger(__name__)


def record_payment_event(event, payment, actor, old_status):
    """expect: none"""
    audit_log.info(
        event,
        payment_id=payment.pk,
        actor=actor,
        old_status=old_status,
        new_status=payment.status,
        amount=str(payment.amount),
        currency=payment.currency,
    )


def emit(event, **fields):
    """expect: none"""
    audit_log.info(event, **fields)


def maybe_record(event, payment, actor, old_status, enabled=False):
    """expect: none"""
    if enabled:
        audit_log.info(event, payment_id=payment.pk, actor=actor)
