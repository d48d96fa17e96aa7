"""Public test card numbers: the published lists of Stripe, Braintree, Adyen and PayPal, as data.

These numbers move no money: each processor's sandbox documents them for integration tests. A
number on one of these lists is `pii.pan-test` (low) outside test paths and not reported inside
them (the pii policy's `test_paths`); every other Luhn-valid number in an issuer range is `pii.pan`
(critical) everywhere, test paths included. Collected from the pages named in each list (as
retrieved in 2026); every entry must pass `cards.classify` (tests/test_pii_test_cards.py checks
it), so a number outside our issuer ranges is left out rather than listed.
"""

from __future__ import annotations

from gates.record import record


@record
class TestCardList:
    __test__ = False  # not a pytest class

    processor: str
    source: str  # where the list is published
    numbers: tuple[str, ...]


STRIPE = TestCardList(
    processor="Stripe",
    source="https://docs.stripe.com/testing (cards by brand, by country, declines, 3-D Secure)",
    numbers=(
        # by brand
        "4242424242424242", "4000056655665556", "5555555555554444", "2223003122003222",
        "5200828282828210", "5105105105105100", "378282246310005", "371449635398431",
        "6011111111111117", "6011000990139424", "6011981111111113", "3056930009020004",
        "36227206271667", "6555900000604105", "3566002020360505", "6200000000000005",
        "6200000000000047", "6205500000000000004",
        # earlier editions of the same page
        "4012888888881881", "30569309025904", "38520000023237", "3530111333300000",
        # by country
        "4000000760000002", "4000001240000000", "4000004840008001", "4000002760003184",
        "4000003800000446",
        # declines, checks and balances
        "4000000000000002", "4000000000009995", "4000000000009987", "4000000000009979",
        "4000000000000069", "4000000000000127", "4000000000000119", "4000000000000101",
        "4000000000000341", "4000000000000077", "4000000000000093", "4000000000000010",
        "4000000000000028", "4000000000000036", "4000000000000044", "4100000000000019",
        "4000000000004954",
        # 3-D Secure
        "4000000000003220", "4000002500003155", "4000000000003063", "4000008400001629",
    ),
)  # fmt: skip

BRAINTREE = TestCardList(
    processor="Braintree",
    source="https://developer.paypal.com/braintree/docs/reference/general/testing and the "
    "SDKs' Braintree::Test::CreditCardNumbers (card type indicators, Amex Pay with Points, "
    "disputes)",
    numbers=(
        "4111111111111111", "4005519200000004", "4009348888881881", "4012000033330026",
        "4012000077777777", "4012888888881881", "4217651111111119", "4500600000000061",
        "4000111111111115", "4000111111111511", "2223000048400011", "5555555555554444",
        "5105105105105100", "5431111111111111", "378282246310005", "371449635398431",
        "378734493671000", "36259600000004", "30569309025904", "38520000023237",
        "6011111111111117", "6011000990139424", "3530111333300000", "3566002020360505",
        "6304000000000000",
        # card type indicators
        "4111111111131010", "4111161010101010", "4117101010101010", "4111111510101010",
        "4111111114101010", "4111111111111210", "4111111141010101", "4111111111121102",
        "4111111111310101", "4111111111112101",
        # Amex Pay with Points, disputes
        "371260714673002", "378267515471109", "371544868764018", "4023898493988028",
    ),
)  # fmt: skip

ADYEN = TestCardList(
    processor="Adyen",
    source="https://docs.adyen.com/development-resources/test-cards-and-credentials/"
    "test-card-numbers",
    numbers=(
        "4111111145551142", "4111111111111111", "4400000000000008", "4988438843884305",
        "4166676667666746", "4646464646464644", "4444333322221111", "4977949494949497",
        "2222400070000005", "5555341244441115", "5555555555554444", "5555444433331111",
        "5577000055770004", "5136333333333335", "5585558555855583", "5500000000000004",
        "5424000000000015", "5100290029002909", "5100081112223332", "370000000000002",
        "3569990010095841", "36006666333344", "6011601160116611", "6243030000000001",
    ),
)  # fmt: skip

PAYPAL = TestCardList(
    processor="PayPal",
    source="https://developer.paypal.com/credit-card-number-generator (static test numbers) "
    "and the Payflow test credit card list",
    numbers=(
        "371449635398431", "376680816376961", "36461510000039", "36461510000013",
        "6304000000000000", "2223000048400011", "4005519200000004",
        "4012000033330026", "4012000077777777", "4012888888881881", "4217651111111119",
        "4500600000000061", "4772129056533503", "4915805038587737", "6200680000000004",
        # (its Maestro 5063516945005047 is outside the issuer ranges of cards.py)
        "6200680000000038", "3636500000000260", "3636500000000989",
        # Payflow
        "378282246310005", "378734493671000", "30569309025904", "38520000023237",
        "6011111111111117", "6011000990139424", "3530111333300000", "3566002020360505",
        "5555555555554444", "5105105105105100", "4111111111111111", "4222222222222",
    ),
)  # fmt: skip

LISTS: tuple[TestCardList, ...] = (STRIPE, BRAINTREE, ADYEN, PAYPAL)
