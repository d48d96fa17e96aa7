# Rule tests for payments.yaml (semgrep --test format).
import base64
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
    # ok: float-money
    refund_rate: float


def fees(amount, order, stats, total_count, paid_count, refund_count):
    # ruleid: float-money
    fee = amount * 0.029
    # ruleid: float-money
    gross = round(order.amount_cents / 100, 2)
    # ruleid: float-money
    shown = round(float(order.total), 2)
    # ruleid: float-money
    body = json.dumps({"id": order.id, "amount": order.amount_cents / 100})
    # ruleid: float-money
    payload = json.dumps({"currency": "EUR", "amount": 19.99})
    # ok: float-money
    exact = json.dumps({"id": order.id, "amount": str(order.amount), "currency": "EUR"})
    # ok: float-money
    minor = json.dumps({"amount": order.amount_cents, "score": 0.5})
    # ok: float-money
    conversion = paid_count / float(total_count)
    # ok: float-money
    refund_share = float(refund_count) / total_count * 100.0
    # ok: float-money
    success_pct = stats.succeeded / stats.total * 100.0
    # ok: float-money
    ratio = round(stats.paid / stats.attempts, 4)
    # ok: float-money
    doubled = Decimal(str(order.total)) * 2
    return fee, gross, shown, body, payload, exact, minor, conversion, refund_share, success_pct, ratio, doubled


def stripe_webhook(request):
    # TODO: stripe.Webhook.construct_event
    # ruleid: webhook-signature-unverified
    event = json.loads(request.body)
    if event["type"] == "payment_intent.succeeded":
        mark_paid(event["data"]["object"]["id"])
    return HttpResponse(status=200)


def stripe_webhook_unverified_event(request):
    payload = request.body
    # ruleid: webhook-signature-unverified
    event = stripe.Event.construct_from(json.loads(payload), stripe.api_key)
    return event


def stripe_webhook_verified(request):
    payload = request.body
    sig_header = request.META["HTTP_STRIPE_SIGNATURE"]
    try:
        event = stripe.Webhook.construct_event(payload, sig_header, ENDPOINT_SECRET)
    except stripe.error.SignatureVerificationError:
        return HttpResponse(status=400)
    # ok: webhook-signature-unverified
    data = json.loads(payload)
    mark_paid(event.data.object.id, data)
    return HttpResponse(status=200)


def generic_webhook(request):
    body = request.get_data()
    expected = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers["X-Signature"]):
        return "bad signature", 400
    # ok: webhook-signature-unverified
    return handle(json.loads(body))


def late_check_webhook(request):
    body = request.get_data()
    # ruleid: webhook-signature-unverified
    data = json.loads(body)
    if not hmac.compare_digest(sign(body), request.headers["X-Signature"]):
        return "bad signature", 400
    return handle(data)


def adyen_webhook(request):
    # ok: webhook-signature-unverified
    data = request.get_json()
    for item in data["notificationItems"]:
        if not is_valid_hmac_notification(item["NotificationRequestItem"], HMAC_KEY):
            return "invalid", 401
        record(item)
    return "[accepted]"


def adyen_webhook_unverified(request):
    # ruleid: webhook-signature-unverified
    data = request.get_json()
    for item in data["notificationItems"]:
        record(item)
    return "[accepted]"


def braintree_webhook(request):
    notification = gateway.webhook_notification.parse(
        # ok: webhook-signature-unverified
        str(request.form["bt_signature"]), base64.b64decode(request.form["bt_payload"])
    )
    return notification.kind


def braintree_webhook_unverified(request):
    # ruleid: webhook-signature-unverified
    payload = base64.b64decode(request.form["bt_payload"])
    return payload


def paypal_webhook(request):
    body = request.get_data(as_text=True)
    if not WebhookEvent.verify(
        request.headers["PAYPAL-TRANSMISSION-ID"], request.headers["PAYPAL-TRANSMISSION-TIME"],
        WEBHOOK_ID, body, request.headers["PAYPAL-CERT-URL"],
        request.headers["PAYPAL-TRANSMISSION-SIG"], request.headers["PAYPAL-AUTH-ALGO"],
    ):
        return "", 400
    # ok: webhook-signature-unverified
    return json.loads(body)


def paypal_webhook_unverified(request):
    # ruleid: webhook-signature-unverified
    event = request.json
    return event["resource"]


async def checkout_com_webhook(request):
    body = await request.body()
    signature = hmac.new(CKO_KEY, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature, request.headers["cko-signature"]):
        raise PermissionError("bad signature")
    # ok: webhook-signature-unverified
    return json.loads(body)


async def checkout_com_webhook_unverified(request):
    # ruleid: webhook-signature-unverified
    event = await request.json()
    return event


def checkout(request):
    # ok: webhook-signature-unverified
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


@app.route("/webhooks/adyen", methods=["POST"])
def adyen_notification():
    # ruleid: webhook-signature-unverified
    event = request.get_json()
    record(event["notificationItems"])
    return "[accepted]"


@verify_signature
def paypal_callback(request):
    # ok: webhook-signature-unverified
    record(json.loads(request.data))
    return "ok"


def pay(order, customer, key, params, client):
    # ruleid: idempotency-key-missing
    intent = stripe.PaymentIntent.create(amount=order.amount_cents, currency="eur", customer=customer)
    # ruleid: idempotency-key-missing
    stripe.Refund.create(payment_intent=intent.id)
    # ruleid: idempotency-key-missing
    stripe.Charge.create(amount=500, currency="usd", source="tok_visa")
    # ruleid: idempotency-key-missing
    client.payment_intents.create(params={"amount": 500, "currency": "usd"})
    # ok: idempotency-key-missing
    stripe.PaymentIntent.create(amount=500, currency="eur", idempotency_key=f"pi-{order.id}")
    # ok: idempotency-key-missing
    stripe.Refund.create(payment_intent=intent.id, idempotency_key=key)
    # ok: idempotency-key-missing
    client.payment_intents.create(params={"amount": 500}, options={"idempotency_key": key})
    # ok: idempotency-key-missing
    stripe.Customer.create(email=customer.email)
    # ok: idempotency-key-missing
    stripe.PaymentIntent.create(**params)


class Card(models.Model):
    # ruleid: pan-column-unprotected
    card_number = models.CharField(max_length=19)
    # ok: pan-column-unprotected
    card_token = models.CharField(max_length=64)
    # ok: pan-column-unprotected
    pan = EncryptedCharField(max_length=19)
    # ok: pan-column-unprotected
    last4 = models.CharField(max_length=4)


class StoredCard(Base):
    __tablename__ = "cards"
    # ruleid: pan-column-unprotected
    pan = Column(String(19), nullable=False)
    # ruleid: pan-column-unprotected
    cc_number: Mapped[str] = mapped_column(String(19))
    # ok: pan-column-unprotected
    card_number = Column(StringEncryptedType(String, KEY, AesEngine))
    # ok: pan-column-unprotected
    pan_token = Column(String(64))


def create_payment(request):
    payload = request.get_json()
    # ruleid: request-body-logged
    logger.info("create payment %s", payload)
    # ruleid: request-body-logged
    logger.debug(f"raw body: {request.data}")
    # ok: request-body-logged
    logger.info("create payment for order %s", payload["order_id"])
    # ok: request-body-logged
    logger.info("event type %s", payload.get("type"))
    return payload


def health_check(request):
    # ok: request-body-logged
    logger.info("health %s", request.data)
    return "ok"


@router.post("/v1/refunds")
async def create(request):
    data = await request.json()
    # ruleid: request-body-logged
    logger.info("refund request %s", data)
    return data


@router.post("/v1/profile")
async def update_profile(request):
    data = await request.json()
    # ok: request-body-logged
    logger.info("profile update %s", data)
    return data


@app.route("/hooks/paypal", methods=["POST"])
def receive():
    # ruleid: webhook-signature-unverified
    return handle(json.loads(request.data))


def own_helper_webhook(request):
    verify_stripe_signature(request)  # raises on a bad signature
    # ok: webhook-signature-unverified
    return handle(json.loads(request.body))


def own_helper_if_webhook(request):
    if not security.check_webhook_hmac(request.headers, request.get_data()):
        return "", 401
    # ok: webhook-signature-unverified
    return handle(json.loads(request.get_data()))


def helper_after_webhook(request):
    # ruleid: webhook-signature-unverified
    event = json.loads(request.body)
    log_webhook(request)
    verify_stripe_signature(request)
    return handle(event)


@signature_required(provider="checkout")
def cko_webhook(request):
    # ok: webhook-signature-unverified
    return handle(json.loads(request.body))


def handle_event(event):
    # ok: webhook-signature-unverified
    return json.loads(event.data)
