"""Flask + SQLAlchemy payment code: the second style of the corpus."""

from flask import Blueprint, current_app
from sqlalchemy import select, text, update
from sqlalchemy.exc import SQLAlchemyError

from .audit import audit_transition
from .models import Invoice, Payment, db

bp = Blueprint("billing", __name__)


@bp.post("/payments/<int:payment_id>/refund")
def refund_view(payment_id, actor="api"):
    """expect: none"""
    payment = db.get_or_404(Payment, payment_id)
    old = payment.status
    payment.status = "refunded"
    db.session.commit()
    current_app.logger.info(
        "refunded",
        extra={
            "payment_id": payment.id,
            "actor": actor,
            "old_status": old,
            "new_status": payment.status,
            "amount": str(payment.amount),
            "currency": payment.currency,
        },
    )
    return {"status": payment.status}


@bp.post("/payments/<int:payment_id>/void")
def void_view(payment_id):
    """expect: audit-log.missing"""
    payment = db.get_or_404(Payment, payment_id)
    payment.status = "voided"
    db.session.commit()
    return {"status": payment.status}


def fail_payment(session, payment_id):
    """expect: audit-log.missing"""
    session.execute(update(Payment).where(Payment.id == payment_id).values(status="failed"))
    session.commit()


def fail_payment_logged(session, payment_id, actor, amount, currency):
    """expect: none"""
    session.execute(update(Payment).where(Payment.id == payment_id).values(status="failed"))
    session.commit()
    current_app.logger.warning(
        "payment failed",
        extra=dict(
            payment_id=payment_id,
            actor=actor,
            old_status="pending",
            new_status="failed",
            amount=str(amount),
            currency=currency,
        ),
    )


def expire_with_query(session, cutoff):
    """expect: audit-log.missing"""
    session.query(Payment).filter(Payment.created_at < cutoff).update({"status": "expired"})
    session.commit()


def expire_with_column_key(session, cutoff):
    """expect: audit-log.missing"""
    session.query(Payment).filter(Payment.created_at < cutoff).update(
        {Payment.status: "expired"}, synchronize_session=False
    )


def fail_with_text(session, payment_id):
    """expect: audit-log.missing"""
    session.execute(
        text("UPDATE payments SET status = 'failed' WHERE id = :id"), {"id": payment_id}
    )


def list_failed(session):
    """expect: none"""
    return session.execute(select(Payment).where(Payment.status == "failed")).scalars().all()


def capture(session, payment, actor):
    """expect: audit-log.error-path"""
    old = payment.status
    try:
        payment.status = "captured"
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        raise
    audit_transition(payment, actor, old)


def capture_logged_failure(session, payment, actor):
    """expect: none"""
    old = payment.status
    try:
        payment.status = "captured"
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        audit_transition(payment, actor, old)
        raise
    audit_transition(payment, actor, old)


def capture_try_else(session, payment, actor):
    """expect: none"""
    old = payment.status
    try:
        session.refresh(payment)
    except SQLAlchemyError:
        return None
    else:
        payment.status = "captured"
        session.commit()
        audit_transition(payment, actor, old)
    return payment


def ship_order(session, order, actor):
    """expect: audit-log.missing"""
    order.state = "shipped"
    session.commit()


def void_invoice(session, invoice: Invoice, actor):
    """expect: none"""
    old = invoice.status
    invoice.status = "void"
    session.commit()
    current_app.logger.info(
        "invoice voided",
        extra={
            "payment_id": invoice.payment_id,
            "actor": actor,
            "old_status": old,
            "new_status": "void",
            "amount": str(invoice.total),
            "currency": invoice.currency,
        },
    )


def finish_job(session, job):
    """expect: none"""
    job.status = "done"
    session.commit()


def set_http_status(response):
    """expect: none"""
    response.status = 204
    return response


def create_payment(session, amount, currency):
    """expect: none"""
    payment = Payment(amount=amount, currency=currency, status="pending")
    session.add(payment)
    session.commit()
    return payment


class PaymentRepository:
    def __init__(self, session):
        """expect: none"""
        self.session = session
        self.state = "open"

    def mark_paid(self, payment, actor):
        """expect: audit-log.missing-fields"""
        payment.status = "paid"
        self.session.commit()
        current_app.logger.info("payment paid", extra={"payment_id": payment.id})

    def mark_disputed(self, payment, actor):
        """expect: none"""
        old = payment.status
        payment.status = "disputed"
        self.session.commit()
        audit_transition(payment, actor, old)


class Worker:
    def stop(self):
        """expect: none"""
        self.state = "stopped"


def retry_transfers(session, transfers, actor):
    """expect: audit-log.error-path"""
    for transfer in transfers:
        transfer.status = "retrying"
        if transfer.attempts > 3:
            raise RuntimeError("too many attempts")
        audit_transition(transfer, actor, "failed")
    session.commit()


def refund_while_pending(session, refund, actor):
    """expect: none"""
    while refund.pending_amount > 0:
        refund.status = "partially_refunded"
        refund.pending_amount -= 1
        audit_transition(refund, actor, "captured")
    session.commit()


async def fail_async(session, payment_id):
    """expect: audit-log.missing"""
    await session.execute(update(Payment).where(Payment.id == payment_id).values(status="failed"))
    await session.commit()


async def capture_async(session, payment, actor):
    """expect: none"""
    old = payment.status
    async with session.begin():
        payment.status = "captured"
    audit_transition(payment, actor, old)


async def refund_async_rollback(session, payment, actor):
    """expect: audit-log.error-path"""
    old = payment.status
    try:
        payment.status = "refunded"
        await session.commit()
    except SQLAlchemyError:
        await session.rollback()
        return None
    audit_transition(payment, actor, old)
    return payment


def settle_without_currency(session, payment, actor):
    """expect: audit-log.missing-fields"""
    old = payment.status
    payment.status = "settled"
    session.commit()
    current_app.logger.info(
        "settled",
        extra={
            "payment_id": payment.id,
            "actor": actor,
            "old_status": old,
            "new_status": payment.status,
            "amount": str(payment.amount),
        },
    )
