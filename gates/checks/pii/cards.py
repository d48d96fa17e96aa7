"""Payment card numbers (PANs): Luhn check, issuer ranges and the publicly known test numbers.

A digit string is a PAN candidate when it passes Luhn *and* its prefix and length fall in a
network's published issuer range. Ranges are kept as data: (network, low prefix, high prefix,
lengths). Numbers starting with 1 (epoch timestamps, UATP) and 0 are never PANs here. The public
test numbers are data in testcards.py.
"""

from __future__ import annotations

from enum import StrEnum

from gates.checks.pii.testcards import LISTS


class Network(StrEnum):
    VISA = "Visa"
    MASTERCARD = "Mastercard"
    AMEX = "American Express"
    DISCOVER = "Discover"
    JCB = "JCB"
    UNIONPAY = "UnionPay"
    DINERS = "Diners Club"
    MAESTRO = "Maestro"
    MIR = "Mir"


_ANY = tuple(range(16, 20))
_DINERS_LENGTHS = tuple(range(14, 20))

# (network, first prefix, last prefix, allowed lengths); prefixes compared at equal width, most
# specific first so co-branded ranges (Discover inside UnionPay's 62) classify correctly.
_RANGES: tuple[tuple[Network, str, str, tuple[int, ...]], ...] = (
    (Network.DISCOVER, "622126", "622925", _ANY),
    (Network.DISCOVER, "6011", "6011", _ANY),
    (Network.DISCOVER, "644", "649", _ANY),
    (Network.DISCOVER, "65", "65", _ANY),
    (Network.UNIONPAY, "62", "62", _ANY),
    (Network.AMEX, "34", "34", (15,)),
    (Network.AMEX, "37", "37", (15,)),
    (Network.JCB, "3528", "3589", _ANY),
    (Network.DINERS, "3095", "3095", _DINERS_LENGTHS),
    (Network.DINERS, "300", "305", _DINERS_LENGTHS),
    (Network.DINERS, "36", "36", _DINERS_LENGTHS),
    (Network.DINERS, "38", "39", _DINERS_LENGTHS),
    (Network.MIR, "2200", "2204", _ANY),
    (Network.MASTERCARD, "2221", "2720", (16,)),
    (Network.MASTERCARD, "51", "55", (16,)),
    (Network.MAESTRO, "5018", "5018", tuple(range(13, 20))),
    (Network.MAESTRO, "5020", "5020", tuple(range(13, 20))),
    (Network.MAESTRO, "5038", "5038", tuple(range(13, 20))),
    (Network.MAESTRO, "5893", "5893", tuple(range(13, 20))),
    (Network.MAESTRO, "6304", "6304", tuple(range(13, 20))),
    (Network.MAESTRO, "6759", "6759", tuple(range(13, 20))),
    (Network.MAESTRO, "6761", "6763", tuple(range(13, 20))),
    (Network.VISA, "4", "4", (13, 16, 19)),
)

# Test numbers published by Stripe, Braintree, Adyen and PayPal (testcards.py names the source of
# each list). They move no money, but still deserve a (low) finding outside test paths.
TEST_PANS: frozenset[str] = frozenset(n for cards in LISTS for n in cards.numbers)


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of ASCII digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i & 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def network(digits: str) -> Network | None:
    """The network whose issuer range and length admit `digits`, or None."""
    for net, low, high, lengths in _RANGES:
        if low <= digits[: len(low)] <= high and len(digits) in lengths:
            return net
    return None


def classify(digits: str) -> Network | None:
    """The network of a plausible PAN (13–19 digits, issuer range, Luhn), else None."""
    if not 13 <= len(digits) <= 19 or not luhn_ok(digits):
        return None
    return network(digits)


def is_test_pan(digits: str) -> bool:
    return digits in TEST_PANS
