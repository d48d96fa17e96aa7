"""Django-style models with django-fsm transitions."""

import structlog
from django.db import models
from django_fsm import FSMField, transition

log = structlog.get_logger(__name__)


class Payment(models.Model):
    status = FSMField(default="pending")

    @transition(field=status, source="pending", target="captured")
    def capture(self, actor):
        """expect: none"""
        log.info(
            "payment.captured",
            payment_id=self.pk,
            actor=actor,
            old_status="pending",
            new_status="captured",
            amount=str(self.amount),
            currency=self.currency,
        )

    @transition(field=status, source="captured", target="refunded")
    def refund(self, actor):
        """expect: audit-log.missing"""
        self.refunded_by = actor

    def mark_failed(self, actor, reason):
        """expect: audit-log.missing"""
        self.status = "failed"
        self.failure_reason = reason
        self.save(update_fields=["status", "failure_reason"])

    def is_final(self):
        """expect: none"""
        return self.status in ("refunded", "failed")


class Refund(models.Model):
    state = models.CharField(max_length=20)

    def approve(self, actor):
        """expect: none"""
        old = self.state
        self.state = "approved"
        self.save(update_fields=["state"])
        self._audit("refund.approved", actor, old)

    def reject(self, actor):
        """expect: audit-log.missing"""
        self.state = "rejected"
        self.save()

    def _audit(self, event, actor, old):
        """expect: none"""
        log.info(
            event,
            payment_id=self.payment_id,
            actor=actor,
            old_status=old,
            new_status=self.state,
            amount=str(self.amount),
            currency=self.currency,
        )


class WebhookEndpoint(models.Model):
    def disable(self):
        """expect: none"""
        self.status = "disabled"
        self.save(update_fields=["status"])


class Connection:
    def close(self):
        """expect: none"""
        self.state = "closed"
