"""Saleor-style payment services: the must-find and must-not-find cases of the corpus."""

import logging

import structlog
from django.db import connection, transaction

from payments import audit
from payments.audit import maybe_record, record_payment_event
from payments.models import Payment, Refund

log = structlog.get_logger(__name__)
logger = logging.getLogger(__name__)


class GatewayError(Exception):
    pass


def capture_payment(payment, actor):
    """expect: none"""
    old = payment.status
    payment.status = "captured"
    payment.save(update_fields=["status"])
    log.info(
        "payment.captured",
        payment_id=payment.pk,
        actor=actor,
        old_status=old,
        new_status=payment.status,
        amount=str(payment.amount),
        currency=payment.currency,
    )


def capture_payment_silently(payment, actor):
    """expect: audit-log.missing"""
    payment.status = "captured"
    payment.save(update_fields=["status"])


def refund_payment_thin_log(payment, actor):
    """expect: audit-log.missing-fields"""
    payment.status = "refunded"
    payment.save()
    log.info("payment.refunded", payment_id=payment.pk, actor=actor)


def refund_with_gateway(payment, actor, gateway):
    """expect: audit-log.error-path"""
    old = payment.status
    try:
        payment.status = "refunded"
        payment.save()
        gateway.refund(payment.psp_reference)
    except GatewayError:
        return False
    log.info(
        "payment.refunded",
        payment_id=payment.pk,
        actor=actor,
        old_status=old,
        new_status=payment.status,
        amount=str(payment.amount),
        currency=payment.currency,
    )
    return True


def refund_with_gateway_logged(payment, actor, gateway):
    """expect: none"""
    old = payment.status
    try:
        payment.status = "refunded"
        payment.save()
        gateway.refund(payment.psp_reference)
    except GatewayError as exc:
        log.error(
            "payment.refund_failed",
            payment_id=payment.pk,
            actor=actor,
            old_status=old,
            new_status=payment.status,
            amount=str(payment.amount),
            currency=payment.currency,
            error=str(exc),
        )
        raise
    log.info(
        "payment.refunded",
        payment_id=payment.pk,
        actor=actor,
        old_status=old,
        new_status=payment.status,
        amount=str(payment.amount),
        currency=payment.currency,
    )


def void_payment(payment, actor, notify):
    """expect: audit-log.error-path"""
    old = payment.status
    payment.status = "voided"
    payment.save()
    if not notify:
        return payment
    log.info(
        "payment.voided",
        payment_id=payment.pk,
        actor=actor,
        old_status=old,
        new_status=payment.status,
        amount=str(payment.amount),
        currency=payment.currency,
    )
    return payment


def chargeback(payment, actor, amount):
    """expect: audit-log.error-path"""
    old = payment.status
    payment.status = "charged_back"
    if amount > payment.amount:
        raise ValueError("chargeback larger than the payment")
    payment.save()
    log.warning(
        "payment.charged_back",
        payment_id=payment.pk,
        actor=actor,
        old_status=old,
        new_status=payment.status,
        amount=str(amount),
        currency=payment.currency,
    )


def settle(payment, actor, ledger):
    """expect: none"""
    old = payment.status
    try:
        payment.status = "settled"
        payment.save()
        ledger.post(payment)
    except GatewayError:
        payment.status = "settlement_failed"
        raise
    finally:
        log.info(
            "payment.settlement",
            payment_id=payment.pk,
            actor=actor,
            old_status=old,
            new_status=payment.status,
            amount=str(payment.amount),
            currency=payment.currency,
        )


def expire_stale(cutoff):
    """expect: audit-log.missing"""
    Payment.objects.filter(created__lt=cutoff, status="pending").update(status="expired")


def fail_by_id(payment_id, actor, amount, currency):
    """expect: none"""
    Payment.objects.filter(pk=payment_id).update(status="failed")
    logger.info(
        "payment failed",
        extra={
            "payment_id": payment_id,
            "actor": actor,
            "old_status": "pending",
            "new_status": "failed",
            "amount": str(amount),
            "currency": currency,
        },
    )


def touch_status_only(payment):
    """expect: audit-log.missing"""
    payment.save(update_fields=["status"])


def force_status(payment, value):
    """expect: audit-log.missing"""
    setattr(payment, "status", value)
    payment.save()


def refund_through_helper(payment, actor):
    """expect: none"""
    old = payment.status
    payment.status = "refunded"
    payment.save()
    record_payment_event("payment.refunded", payment, actor, old)


def refund_through_module_helper(payment, actor):
    """expect: none"""
    old = payment.status
    payment.status = "refunded"
    payment.save()
    audit.emit(
        "payment.refunded",
        payment_id=payment.pk,
        actor=actor,
        old_status=old,
        new_status="refunded",
        amount=str(payment.amount),
        currency=payment.currency,
    )


def refund_through_module_helper_thin(payment, actor):
    """expect: audit-log.missing-fields"""
    payment.status = "refunded"
    payment.save()
    audit.emit("payment.refunded", payment_id=payment.pk)


def refund_through_conditional_helper(payment, actor):
    """expect: audit-log.missing"""
    old = payment.status
    payment.status = "refunded"
    payment.save()
    maybe_record("payment.refunded", payment, actor, old)


def authorize_via_machine(payment, machine, actor):
    """expect: audit-log.missing"""
    machine.transition(payment, "authorized")


def log_before_change(payment, actor):
    """expect: audit-log.missing"""
    log.info(
        "payment.capturing",
        payment_id=payment.pk,
        actor=actor,
        old_status=payment.status,
        new_status="captured",
        amount=str(payment.amount),
        currency=payment.currency,
    )
    payment.status = "captured"
    payment.save()


def debug_only(payment, actor):
    """expect: audit-log.missing"""
    payment.status = "captured"
    payment.save()
    log.debug(
        "payment.captured",
        payment_id=payment.pk,
        actor=actor,
        old_status="authorized",
        new_status="captured",
        amount=str(payment.amount),
        currency=payment.currency,
    )


def is_refundable(payment):
    """expect: none"""
    if payment.status != "captured":
        return False
    return payment.amount > 0


def activate_user(user):
    """expect: none"""
    user.status = "active"
    user.save(update_fields=["status"])


def merge_payment_data(payment_data, status):
    """expect: none"""
    payment_data.update(status=status)
    return payment_data


def expire_each(payments, actor):
    """expect: none"""
    for payment in payments:
        old = payment.status
        payment.status = "expired"
        payment.save()
        log.info(
            "payment.expired",
            payment_id=payment.pk,
            actor=actor,
            old_status=old,
            new_status="expired",
            amount=str(payment.amount),
            currency=payment.currency,
        )


def expire_each_skipping(payments, actor):
    """expect: audit-log.missing"""
    for payment in payments:
        payment.status = "expired"
        if payment.is_test:
            continue
        log.info(
            "payment.expired",
            payment_id=payment.pk,
            actor=actor,
            old_status="pending",
            new_status="expired",
            amount=str(payment.amount),
            currency=payment.currency,
        )


def apply_psp_event(payment, event, actor):
    """expect: audit-log.missing"""
    match event.kind:
        case "refund":
            payment.status = "refunded"
            log.info(
                "payment.refunded",
                payment_id=payment.pk,
                actor=actor,
                old_status="captured",
                new_status="refunded",
                amount=str(payment.amount),
                currency=payment.currency,
            )
        case "void":
            payment.status = "voided"
        case _:
            return


def capture_atomically(payment_id, actor):
    """expect: none"""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        old = payment.status
        payment.status = "captured"
        payment.save()
        log.info(
            "payment.captured",
            payment_id=payment.pk,
            actor=actor,
            old_status=old,
            new_status=payment.status,
            amount=str(payment.amount),
            currency=payment.currency,
        )


async def capture_async(payment, actor):
    """expect: none"""
    old = payment.status
    payment.status = "captured"
    await payment.asave()
    await log.ainfo(
        "payment.captured",
        payment_id=payment.pk,
        actor=actor,
        old_status=old,
        new_status=payment.status,
        amount=str(payment.amount),
        currency=payment.currency,
    )


async def capture_async_silently(payment):
    """expect: audit-log.missing"""
    payment.status = "captured"
    await payment.asave()


def schedule_refunds(payments, actor):
    """expect: none"""

    def refund_one(refund):
        """expect: audit-log.missing"""
        refund.status = "scheduled"
        refund.save()

    for payment in payments:
        refund_one(payment.refund)


def capture_with_bound_logger(payment, actor):
    """expect: none"""
    bound = log.bind(payment_id=payment.pk, actor=actor)
    old = payment.status
    payment.status = "captured"
    payment.save()
    bound.info(
        "payment.captured",
        old_status=old,
        new_status=payment.status,
        amount=str(payment.amount),
        currency=payment.currency,
    )


def capture_with_extra_dict(payment, actor):
    """expect: none"""
    old = payment.status
    payment.status = "captured"
    payment.save()
    fields = {"payment_id": payment.pk, "actor": actor, "old_status": old}
    fields["new_status"] = payment.status
    fields.update(amount=str(payment.amount), currency=payment.currency)
    logger.info("payment captured", extra=fields)


def capture_with_kwargs_dict(payment, actor):
    """expect: none"""
    old = payment.status
    payment.status = "captured"
    payment.save()
    log.info(
        "payment.captured",
        **{
            "payment_id": payment.pk,
            "actor": actor,
            "old_status": old,
            "new_status": payment.status,
            "amount": str(payment.amount),
            "currency": payment.currency,
        },
    )


def fail_with_raw_sql(payment_id):
    """expect: audit-log.missing"""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE payments_payment SET status = %s WHERE id = %s", ["failed", payment_id]
        )


def count_with_raw_sql():
    """expect: none"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM payments_payment WHERE status = 'failed'")
        return cursor.fetchone()[0]


def expire_in_bulk(payments):
    """expect: audit-log.missing"""
    for payment in payments:
        payment.status = "expired"
    Payment.objects.bulk_update(payments, ["status"])


def refund_annotated(p: Payment, actor):
    """expect: audit-log.missing"""
    p.status = "refunded"
    p.save()


def refund_by_lookup(pk, actor):
    """expect: audit-log.missing"""
    p = Payment.objects.get(pk=pk)
    p.status = "refunded"
    p.save()


def refund_status_flag(payment):
    """expect: none"""
    is_refunded = payment.status == "refunded"
    return is_refunded


def cancel_with_thin_error_log(payment, actor, gateway):
    """expect: audit-log.missing-fields"""
    old = payment.status
    try:
        payment.status = "cancelled"
        payment.save()
        gateway.cancel(payment.psp_reference)
    except GatewayError:
        log.error("payment.cancel_failed", payment_id=payment.pk)
        raise
    log.info(
        "payment.cancelled",
        payment_id=payment.pk,
        actor=actor,
        old_status=old,
        new_status=payment.status,
        amount=str(payment.amount),
        currency=payment.currency,
    )


def gateway_first(payment, actor, gateway):
    """expect: none"""
    try:
        gateway.capture(payment.psp_reference)
    except GatewayError:
        log.warning("payment.capture_failed", payment_id=payment.pk)
        return False
    old = payment.status
    payment.status = "captured"
    payment.save()
    log.info(
        "payment.captured",
        payment_id=payment.pk,
        actor=actor,
        old_status=old,
        new_status=payment.status,
        amount=str(payment.amount),
        currency=payment.currency,
    )
    return True


def cancel_bare_except(order, actor):
    """expect: audit-log.error-path"""
    old = order.status
    try:
        order.status = "cancelled"
        order.save()
    except:  # noqa: E722
        return None
    log.info(
        "order.cancelled",
        payment_id=order.payment_id,
        actor=actor,
        old_status=old,
        new_status=order.status,
        amount=str(order.total),
        currency=order.currency,
    )
    return order


def approve_refund(refund_id, actor):
    """expect: none"""
    refund = Refund.objects.get(pk=refund_id)
    refund.approve(actor)


def mark_fully_charged(payment, actor):
    """expect: audit-log.missing"""
    payment.charge_status = "fully-charged"
    payment.save(update_fields=["charge_status", "modified_at"])


def build_refund(payment, amount):
    """expect: none"""
    refund = Refund(payment=payment, amount=amount)
    refund.status = "pending"
    return refund


def sync_charge_status(payment_pk, actor):
    """expect: audit-log.missing"""
    Payment.objects.filter(pk=payment_pk).update(charge_status="refunded")


def capture_with_thin_bound_logger(payment, actor):
    """expect: audit-log.missing-fields"""
    bound = log.bind(payment_id=payment.pk)
    payment.status = "captured"
    payment.save()
    bound.info("payment.captured", actor=actor, new_status=payment.status)
