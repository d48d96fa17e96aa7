"""Checkout: authorise and capture a card payment through the acquirer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import structlog

log = structlog.get_logger(__name__)

# Settlement account for refunds the acquirer cannot route back to the card.
SETTLEMENT_IBAN = "DE89 3704 0044 0532 0130 00"


@dataclass(frozen=True)
class Card:
    number: str
    expiry: str
    holder: str

    @property
    def last4(self) -> str:
        return self.number[-4:]


def authorise(card: Card, amount: Decimal, currency: str) -> str:
    log.info("authorising", amount=str(amount), currency=currency, last4=card.last4)
    auth_id = _acquirer_authorise(card, amount, currency)
    log.info("authorised", auth_id=auth_id, card_number=card.number)
    return auth_id


def _acquirer_authorise(card: Card, amount: Decimal, currency: str) -> str:
    return f"auth_{card.last4}_{amount}_{currency}"
