# Rule tests for payments.yaml (semgrep --test format).
import decimal
import hashlib
import hmac
import json
import logging
from decimal import Decimal

import stripe
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)


def totals(order, row, amount):
    # ruleid: float-money
    total = float(order.total)
    # ruleid: float-money
    fee = float(row["fee_amount"])
    # ruleid: float-money
    dollars = amount / 100.0
    # ruleid: float-money
    price = Decimal(19.99)
    # ruleid: float-money
    refund = decimal.Decimal(float(amount))
    # ok: float-money
    exact = Decimal("19.99")
    # ok: float-money
    ratio = float(row["score"])
    # ok: float-money
    cents = amount // 100
    return total, fee, dollars, price, refund, exact, ratio, cents


class Invoice:
    # ruleid: float-money
    amount: float
    # ok: float-money
    weight: float


# ruleid: webhook-signature-unverified
def stripe_webhook(request):
    # TODO: stripe.Webhook.construct_event
    event = json.loads(request.body)
    if event["type"] == "payment_intent.succeeded":
        mark_paid(event["data"]["object"]["id"])
    return HttpResponse(status=200)


# ok: webhook-signature-unverified
def stripe_webhook_verified(request):
    payload = request.body
    sig_header = request.META["HTTP_STRIPE_SIGNATURE"]
    try:
        event = stripe.Webhook.construct_event(payload, sig_header, ENDPOINT_SECRET)
    except stripe.error.SignatureVerificationError:
        return HttpResponse(status=400)
    mark_paid(event.data.object.id)
    return HttpResponse(status=200)


# ok: webhook-signature-unverified
def generic_webhook(request):
    body = request.get_data()
    expected = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers["X-Signature"]):
        return "bad signature", 400
    return handle(json.loads(body))


# ok: webhook-signature-unverified
def checkout(request):
    return render_cart(json.loads(request.body))


def check(sig_header, payload, secret, expected_signature, provided):
    computed = hmac.new(secret, payload, hashlib.sha256).hexdigest()
    # ruleid: signature-timing-compare
    if computed == sig_header:
        return True
    # ruleid: signature-timing-compare
    if expected_signature != provided:
        return False
    # ruleid: signature-timing-compare
    ok = hmac.new(secret, payload, hashlib.sha256).hexdigest() == provided
    # ok: signature-timing-compare
    if sig_header is None or sig_header == "":
        return False
    # ok: signature-timing-compare
    return hmac.compare_digest(computed, sig_header) and ok


def charge(card, card_number, cvv, amount, card_last4):
    # ruleid: card-data-logged
    logger.info("charging card %s", card_number)
    # ruleid: card-data-logged
    logging.debug(f"card {card.number} cvv {cvv}")
    # ruleid: card-data-logged
    logger.error("declined", extra={"pan": card_number})
    # ok: card-data-logged
    logger.info("charging card ending %s for %s", card_last4, amount)
    # ok: card-data-logged
    print(card_number)


def reports(cursor, session, text, since):
    # ruleid: raw-sql-payment-table
    cursor.execute("SELECT id, amount FROM payments WHERE created > %s", (since,))
    # ruleid: raw-sql-payment-table
    cursor.execute("UPDATE ledger_entries SET posted = true WHERE id = %s", (1,))
    # ruleid: raw-sql-payment-table
    session.execute(text("DELETE FROM refunds WHERE status = 'void'"))
    # ok: raw-sql-payment-table
    cursor.execute("SELECT id FROM users WHERE created > %s", (since,))


# ruleid: debug-enabled
DEBUG = True

# ok: debug-enabled
TEMPLATE_DEBUG = False


def run(app):
    # ruleid: debug-enabled
    app.run(host="0.0.0.0", debug=True)


# ruleid: csrf-exempt-payment-view
@csrf_exempt
def create_payment(request):
    return HttpResponse(status=201)


# ok: csrf-exempt-payment-view
@csrf_exempt
def payment_webhook(request):
    stripe.Webhook.construct_event(request.body, request.META["HTTP_STRIPE_SIGNATURE"], SECRET)
    return HttpResponse(status=200)


# ok: csrf-exempt-payment-view
@csrf_exempt
def health(request):
    return HttpResponse("ok")


# ruleid: webhook-signature-unverified
@app.route("/webhooks/adyen", methods=["POST"])
def adyen_webhook():
    event = request.get_json()
    record(event["notificationItems"])
    return "[accepted]"


# ok: webhook-signature-unverified
@verify_signature
def paypal_callback(request):
    record(json.loads(request.data))
    return "ok"
