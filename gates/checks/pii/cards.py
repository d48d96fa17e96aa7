"""Payment card numbers (PANs): Luhn check, issuer ranges and the publicly known test numbers.

A digit string is a PAN candidate when it passes Luhn *and* its prefix and length fall in a
network's published issuer range. Ranges are kept as data: (network, low prefix, high prefix,
lengths). Numbers starting with 1 (epoch timestamps, UATP) and 0 are never PANs here.
"""

from __future__ import annotations

from enum import StrEnum


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

# Test numbers published by card networks and processors (Stripe, Braintree, Adyen, PayPal,
# Worldpay documentation and SDKs). They move no money, but still deserve a (low) finding outside
# tests. Every entry must pass `classify` (a test checks it).
TEST_PANS: frozenset[str] = frozenset(
    {
        "4111111111111111",
        "4242424242424242",
        "4000056655665556",
        "4012888888881881",
        "4222222222222",
        "4005519200000004",
        "4009348888881881",
        "4012000033330026",
        "4012000077777777",
        "4217651111111119",
        "4500600000000061",
        "4000000000000002",
        "4000000000000077",
        "4000000000003220",
        "4000002500003155",
        "4000000000009995",
        "4111111145551142",
        "4400000000000008",
        "5555555555554444",
        "5200828282828210",
        "5105105105105100",
        "5454545454545454",
        "5555444433331111",
        "5431111111111111",
        "2223003122003222",
        "2223000048400011",
        "2222400070000005",
        "378282246310005",
        "371449635398431",
        "378734493671000",
        "370000000000002",
        "6011111111111117",
        "6011000990139424",
        "6011981111111113",
        "6011601160116611",
        "3056930009020004",
        "36227206271667",
        "30569309025904",
        "38520000023237",
        "36259600000004",
        "36006666333344",
        "3566002020360505",
        "3530111333300000",
        "3569990010095841",
        "6200000000000005",
        "6243030000000001",
        "6555900000604105",
        "6304000000000000",
        "6205500000000000004",
        # Stripe decline / 3-D Secure / country scenarios
        "4000000000009987",
        "4000000000009979",
        "4000000000000069",
        "4000000000000127",
        "4000000000000119",
        "4000000000000101",
        "4000000000000341",
        "4100000000000019",
        "4000000000004954",
        "4000002760003184",
        "4000003800000446",
        "4000000000003063",
        "4000008400001629",
        "4000000760000002",
        "4000001240000000",
        "4000004840008001",
        # Braintree sandbox: card type indicators, verification failures, Amex points, disputes
        "4111111111131010",
        "4111161010101010",
        "4117101010101010",
        "4111111510101010",
        "4111111114101010",
        "4111111111111210",
        "4111111141010101",
        "4111111111121102",
        "4111111111310101",
        "4111111111112101",
        "4000111111111115",
        "371260714673002",
        "378267515471109",
        "371544868764018",
        "4023898493988028",
    }
)


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
