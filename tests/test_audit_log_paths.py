"""The audit-log gate's control-flow walk, case by case: which paths after a change lack an event."""

from __future__ import annotations

import re
import textwrap

import pytest

from gates.checks.audit_log.gate import scan_text

FULL = (
    "payment_id=payment.id, actor=a, old_status=o, new_status=payment.status, "
    "amount=payment.amount, currency=payment.currency"
)
LOG = f'log.info("payment.changed", {FULL})'
ERR = f'log.error("payment.failed", {FULL})'


def _found(src: str, config: dict[str, object] | None = None) -> set[tuple[str, int, str]]:
    text = "import structlog\nlog = structlog.get_logger()\n\n" + textwrap.dedent(src)
    return {
        (
            f.rule.removeprefix("audit-log."),
            f.location.line - 3,
            re.sub(
                r"line (\d+)", lambda m: f"line {int(m.group(1)) - 3}", dict(f.properties)["path"]
            ),
        )
        for f in scan_text("svc/payments.py", text, config)
    }


CASES = [
    (
        "logged",
        f"""
        def f(payment, a, o):
            payment.status = "paid"
            {LOG}
        """,
        set(),
    ),
    (
        "no-event",
        """
        def f(payment, a, o):
            payment.status = "paid"
        """,
        {("missing", 3, "any path")},
    ),
    (
        "async-with-await",
        f"""
        async def f(payment, a, o):
            async with lock:
                payment.status = "paid"
                await payment.asave()
            await log.ainfo("payment.paid", {FULL})
        """,
        set(),
    ),
    (
        "finally-covers-every-path",
        f"""
        def f(payment, a, o, gw):
            try:
                payment.status = "paid"
                gw.capture(payment)
                if a:
                    return 1
            except KeyError:
                raise
            finally:
                {LOG}
        """,
        set(),
    ),
    (
        "raise-through-finally-into-outer-handler",
        f"""
        def f(payment, a, o, gw):
            try:
                try:
                    payment.status = "paid"
                    if a:
                        raise ValueError()
                finally:
                    gw.close()
            except ValueError:
                return None
            {LOG}
        """,
        {("error-path", 10, "except ValueError at line 10")},
    ),
    (
        "handler-raise-passes-its-finally-before-the-outer-handler",
        f"""
        def f(payment, a, o, gw):
            try:
                try:
                    payment.status = "paid"
                    gw.capture(payment)
                except KeyError:
                    raise ValueError(a)
                finally:
                    {LOG}
            except ValueError:
                return None
        """,
        set(),
    ),
    (
        "early-return-and-raise",
        f"""
        def f(payment, a, o):
            payment.status = "paid"
            if a is None:
                return None
            if o is None:
                raise ValueError(o)
            {LOG}
            return payment
        """,
        {
            ("error-path", 5, "early return at line 5"),
            ("error-path", 7, "raise at line 7"),
        },
    ),
    (
        "change-after-try-is-not-in-handler",
        f"""
        def f(payment, a, o, gw):
            try:
                gw.capture(payment)
            except KeyError:
                return False
            payment.status = "paid"
            {LOG}
            return True
        """,
        set(),
    ),
    (
        "handler-logs-incomplete",
        f"""
        def f(payment, a, o, gw):
            try:
                payment.status = "paid"
                gw.capture(payment)
            except (KeyError, ValueError):
                log.error("payment.failed", payment_id=payment.id)
                raise
            {LOG}
        """,
        {("missing-fields", 7, "except (KeyError, ValueError) at line 6")},
    ),
    (
        "try-else",
        f"""
        def f(payment, a, o, gw):
            try:
                gw.capture(payment)
            except KeyError:
                return None
            else:
                payment.status = "paid"
                {LOG}
        """,
        set(),
    ),
    (
        "match-case-without-event",
        f"""
        def f(payment, a, o, kind):
            match kind:
                case "paid":
                    payment.status = "paid"
                    {LOG}
                case "void" | "cancel":
                    payment.status = "void"
        """,
        {("missing", 8, "success path")},
    ),
    (
        "while-true-break",
        f"""
        def f(payment, a, o):
            while True:
                payment.status = "retrying"
                if payment.done:
                    break
                {LOG}
            {LOG}
        """,
        set(),
    ),
    (
        "loop-may-run-zero-times",
        f"""
        def f(payments, a, o):
            for payment in payments:
                payment.status = "expired"
                {LOG}
        """,
        set(),
    ),
    (
        "nested-function-alone",
        f"""
        def outer(payment, a, o):
            def inner(payment):
                payment.status = "paid"
            inner(payment)
            {LOG}
        """,
        {("missing", 4, "any path")},
    ),
    (
        "second-change-after-event",
        f"""
        def f(payment, a, o):
            payment.status = "refund_pending"
            {LOG}
            payment.status = "refunded"
        """,
        {("missing", 5, "success path")},
    ),
    (
        "log-before-change",
        f"""
        def f(payment, a, o):
            {LOG}
            payment.status = "paid"
        """,
        {("missing", 4, "any path")},
    ),
    (
        "stdlib-extra-literal-and-kwargs",
        """
        import logging
        logger = logging.getLogger(__name__)
        def f(payment, a, o):
            payment.status = "paid"
            base = {"payment_id": payment.id, "actor": a}
            logger.info("paid", extra={**base, "old_status": o, "new_status": "paid",
                                       "amount": payment.amount, "currency": payment.currency})
        """,
        set(),
    ),
    (
        "unknown-extra-is-missing-fields",
        """
        import logging
        logger = logging.getLogger(__name__)
        def f(payment, a, o, fields):
            payment.status = "paid"
            logger.info("paid", extra=fields)
        """,
        {("missing-fields", 6, "success path")},
    ),
    (
        "self-helper-method",
        f"""
        class Payment:
            def pay(self, a, o):
                self.status = "paid"
                self._audit(a, o)
            def _audit(self, a, o):
                payment = self
                {LOG}
        """,
        set(),
    ),
    (
        "reading-and-comparing-is-no-change",
        """
        def f(payment):
            if payment.status == "paid":
                return payment.status
            current = payment.status
            return current in ("a", "b")
        """,
        set(),
    ),
    (
        "not-a-payment",
        """
        class Connection:
            def close(self):
                self.state = "closed"
        def g(user, job, payment_service):
            user.status = "active"
            job.state = "done"
            payment_service.status = "up"
        """,
        set(),
    ),
    (
        "debug-level-is-no-audit-event",
        """
        import logging
        def f(payment, a, o):
            payment.status = "paid"
            logging.getLogger().log(logging.DEBUG, "paid", extra={"payment_id": payment.id})
        """,
        {("missing", 4, "any path")},
    ),
    (
        "transition-calls-need-a-payment-or-a-machine",
        """
        class PaymentHandler(RequestHandler):
            def post(self):
                self.set_status(404)
        def f(payment, machine, payment_fsm, ui):
            machine.transition(payment, "authorized")
        def g(payment_fsm, ui):
            ui.transition("fade")
            payment_fsm.transition_to("captured")
        """,
        {("missing", 6, "any path"), ("missing", 9, "any path")},
    ),
    (
        "prefixed-statuses",
        """
        def f(payment, order):
            payment.webhook_status = "sent"
            order.charge_status = "full"
            order.authorize_status = "none"
        """,
        {("missing", 4, "any path")},
    ),
    (
        "initialiser-is-no-change",
        """
        class Payment:
            def __init__(self):
                self.status = "new"
        """,
        set(),
    ),
]


@pytest.mark.parametrize(("src", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_paths(src: str, expected: set[tuple[str, int, str]]) -> None:
    assert _found(src) == expected


def test_config_changes_what_counts() -> None:
    src = """
    def f(acct, a, o):
        acct.phase = "closed"
    def g(payment):
        payment.status = "paid"
        audit_trail(payment)
    def mark_settled(x):
        pass
    """
    config = {
        "payment_words": ["acct", "payment"],
        "status_attributes": ["phase", "status"],
        "audit_helpers": ["audit_trail"],
        "change_functions": ["mark_*"],
        "required_fields": ["payment_id"],
    }
    assert _found(src, config) == {
        ("missing", 3, "any path"),
        ("missing", 7, "any path"),
    }


def test_declared_helpers_match_by_suffix_and_wildcard() -> None:
    src = """
    def f(order, events):
        order.status = "canceled"
        events.order_canceled_event(order=order)
    def g(order, events):
        order.status = "paid"
        events.order_note_added(order=order)
    """
    assert _found(src, {"audit_helpers": ["events.order_*_event"]}) == {("missing", 6, "any path")}
    assert _found(src, {"audit_helpers": ["order_canceled_event"]}) == {("missing", 6, "any path")}


def test_skip_paths_default_and_off() -> None:
    src = "def f(payment):\n    payment.status = 'paid'\n"
    assert scan_text("tests/test_pay.py", src) == []
    assert scan_text("app/migrations/0002_backfill.py", src) == []
    assert [f.rule for f in scan_text("tests/test_pay.py", src, {"skip_paths": []})] == [
        "audit-log.missing"
    ]


def test_message_names_function_path_fields_and_fix() -> None:
    src = textwrap.dedent(
        """
        import structlog
        log = structlog.get_logger()
        class RefundService:
            def refund(self, payment, actor):
                payment.status = "refunded"
                log.info("payment.refunded", payment_id=payment.id, actor=actor)
        """
    )
    (finding,) = scan_text("svc/refunds.py", src)
    assert finding.rule == "audit-log.missing-fields"
    assert finding.severity == "high"
    assert finding.message == (
        "RefundService.refund(): audit event 'payment.refunded' after payment.status = … at line 6 "
        "lacks amount, currency, new_status, old_status (success path). "
        'Fix: add log.info("payment.<event>", amount=…, currency=…, new_status=…, old_status=…)'
    )
    assert dict(finding.properties)["missing_fields"] == "amount,currency,new_status,old_status"


def test_fingerprints_ignore_lines_but_not_path_kinds() -> None:
    body = "def f(payment, a):\n    payment.status = 'x'\n    if a:\n        return 1\n"
    moved = "\n\n\n# moved down\n" + body
    first = scan_text("svc/p.py", body)
    again = scan_text("svc/p.py", moved)
    assert [f.fingerprint for f in first] == [f.fingerprint for f in again]
    assert first[0].location.line != again[0].location.line
    two_paths = scan_text(
        "svc/p.py",
        "import structlog\nlog = structlog.get_logger()\n"
        "def f(payment, a):\n    payment.status = 'x'\n    if a:\n        return 1\n"
        "    if a > 1:\n        raise ValueError(a)\n"
        "    log.info('e', payment_id=1, actor=1, old_status=1, new_status=1, amount=1, currency=1)\n",
    )
    assert len({f.fingerprint for f in two_paths}) == 2


def test_source_encoding_is_honoured() -> None:
    src = "# -*- coding: latin-1 -*-\ndef f(payment):\n    payment.status = 'r\xe9gl\xe9'\n"
    assert [f.location.line for f in scan_text("svc/p.py", src.encode("latin-1"))] == [3]
    bom = "\ufeffdef f(payment):\n    payment.status = 'x'\n"
    assert [f.location.line for f in scan_text("svc/p.py", bom.encode("utf-8"))] == [2]


def test_unparsable_file_is_a_blocking_finding() -> None:
    (finding,) = scan_text("svc/legacy.py", "print 'py2'\n")
    assert finding.rule == "audit-log.unparsed"
    assert finding.severity == "high"
    assert finding.location.line == 1


def test_code_nested_beyond_the_stack_is_reported_not_a_crash() -> None:
    deep = "def f(payment):\n    payment.status = " + " + ".join(["x"] * 20000) + "\n"
    (finding,) = scan_text("svc/generated.py", deep)
    assert finding.rule == "audit-log.unparsed"
