from decimal import Decimal

from services.checkout.charge import Card, authorise

VISA = Card(number="4242424242424242", expiry="12/30", holder="Test")
MASTERCARD = Card(number="5555 5555 5555 4444", expiry="12/30", holder="Test")


def test_authorise_returns_an_auth_id() -> None:
    assert authorise(VISA, Decimal("10.00"), "EUR").startswith("auth_4242")
    assert authorise(MASTERCARD, Decimal("5.00"), "GBP").startswith("auth_4444")
