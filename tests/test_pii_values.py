"""The pii gate's value detection: a table of positives and decoys, one line of text each."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gates.checks.pii.gate import scan_text
from tests.gatekit import TEST_KEY, shown

CASES: list[tuple[str, str, str, set[str]]] = [
    # id, path, text, expected rules
    # --- card numbers: every issuer range edge, plain and grouped ---
    ("visa-13", "a.py", "n = '4526018159087'", {"pii.pan"}),
    ("visa-16", "a.py", "n = '4301661318609135'", {"pii.pan"}),
    ("visa-19", "a.py", "n = '4909960308246281946'", {"pii.pan"}),
    ("visa-15-bad-length", "a.py", "n = '478384837261677'", set()),
    ("mc-51", "a.py", "n = '5182199351819098'", {"pii.pan"}),
    ("mc-55", "a.py", "n = '5537865797543235'", {"pii.pan"}),
    ("mc-56-outside", "a.py", "n = '5629170342366714'", set()),
    ("mc-2221", "a.py", "n = '2221194875749111'", {"pii.pan"}),
    ("mc-2720", "a.py", "n = '2720862527601890'", {"pii.pan"}),
    ("mc-2220-outside", "a.py", "n = '2220555979711473'", set()),
    ("mc-2721-outside", "a.py", "n = '2721104974650750'", set()),
    ("amex-34", "a.py", "n = '342768426846563'", {"pii.pan"}),
    ("amex-37", "a.py", "n = '373212233079243'", {"pii.pan"}),
    ("amex-35-outside", "a.py", "n = '354026859952894'", set()),
    ("amex-16-bad-length", "a.py", "n = '3707866661760318'", set()),
    ("amex-grouped-4-6-5", "a.py", "n = '3732 122330 79243'", {"pii.pan"}),
    ("discover-6011", "a.py", "n = '6011372159010922'", {"pii.pan"}),
    ("discover-644", "a.py", "n = '6448159013962452'", {"pii.pan"}),
    ("discover-649", "a.py", "n = '6499571177774127'", {"pii.pan"}),
    ("discover-65", "a.py", "n = '6515472803852801'", {"pii.pan"}),
    ("discover-622126", "a.py", "n = '6221268414852536'", {"pii.pan"}),
    ("discover-622925", "a.py", "n = '6229258885393369'", {"pii.pan"}),
    ("jcb-3528", "a.py", "n = '3528338750047434'", {"pii.pan"}),
    ("jcb-3589", "a.py", "n = '3589957551313731'", {"pii.pan"}),
    ("jcb-3590-outside", "a.py", "n = '3590537990751167'", set()),
    ("unionpay-19", "a.py", "n = '6212372651676122208'", {"pii.pan"}),
    ("diners-300", "a.py", "n = '30029729975287'", {"pii.pan"}),
    ("diners-305", "a.py", "n = '30582001826339'", {"pii.pan"}),
    ("diners-36", "a.py", "n = '36043483954861'", {"pii.pan"}),
    ("diners-38", "a.py", "n = '3820579868282885'", {"pii.pan"}),
    ("diners-3095", "a.py", "n = '30950729022277'", {"pii.pan"}),
    ("maestro-5018-13", "a.py", "n = '5018918058881'", {"pii.pan"}),
    ("maestro-6759-19", "a.py", "n = '6759718033401878011'", {"pii.pan"}),
    ("grouped-spaces", "a.py", "card: 4301 6613 1860 9135", {"pii.pan"}),
    ("grouped-dashes", "a.py", "card: 4301-6613-1860-9135", {"pii.pan"}),
    ("grouped-19-4-4-4-4-3", "a.py", "n = '6212 3726 5167 6122 208'", {"pii.pan"}),
    ("grouped-mixed-separators", "a.py", "n = '4301-6613 1860 9135'", set()),
    ("luhn-invalid", "a.py", "n = '4301661318609136'", set()),
    ("luhn-invalid-grouped", "a.py", "n = '4301 6613 1860 9136'", set()),
    ("in-longer-digit-run", "a.py", "n = '43016613186091350000'", set()),
    ("glued-to-letters", "a.py", "ref = 'x4301661318609135y'", set()),
    ("hex-digest", "a.py", "h = 'a4301661318609135f9c2b7e1d0a4f8e2c3b6d5e'", set()),
    ("decimal-fraction", "a.py", "x = 0.4301661318609135", set()),
    ("order-id-with-prefix", "a.py", "order = 'ORD-4301661318609135'", set()),
    ("order-number-plain", "a.py", "order_number = 100234567890123", set()),
    ("epoch-millis", "a.py", "ts = 1700000000000", set()),
    ("epoch-micros", "a.py", "ts = 1700000000000000", set()),
    ("epoch-nanos", "a.py", "ts = 1700000000000000000", set()),
    ("uuid", "a.py", "id = '123e4567-e89b-12d3-a456-426614174000'", set()),
    ("version-string", "a.py", "__version__ = '4.31.0.4301661318609135'", set()),
    ("phone-not-pan", "a.py", "tel = '+1 415 555 2671'", set()),
    ("phone-grouped-not-pan", "a.py", "tel = '0044 20 7946 0958'", set()),
    # --- public test numbers ---
    ("test-visa-4111", "a.py", "n = '4111111111111111'", {"pii.pan-test"}),
    ("test-visa-4242-grouped", "a.py", "n = '4242 4242 4242 4242'", {"pii.pan-test"}),
    ("test-mc-5555", "a.py", "n = '5555-5555-5555-4444'", {"pii.pan-test"}),
    ("test-amex-3782", "a.py", "n = '3782 822463 10005'", {"pii.pan-test"}),
    # --- IBANs ---
    ("iban-de-compact", "a.py", "iban = 'DE89370400440532013000'", {"pii.iban"}),
    ("iban-de-grouped", "a.py", "iban = 'DE89 3704 0044 0532 0130 00'", {"pii.iban"}),
    ("iban-gb", "a.py", "iban = 'GB82WEST12345698765432'", {"pii.iban"}),
    ("iban-fr-letters-in-bban", "a.py", "iban = 'FR1420041010050500013M02606'", {"pii.iban"}),
    ("iban-nl", "a.py", "iban = 'NL91 ABNA 0417 1643 00'", {"pii.iban"}),
    ("iban-no-shortest", "a.py", "iban = 'NO9386011117947'", {"pii.iban"}),
    ("iban-mt-long", "a.py", "iban = 'MT84MALT011000012345MTLCAST001S'", {"pii.iban"}),
    ("iban-be", "a.py", "iban = 'BE68 5390 0754 7034'", {"pii.iban"}),
    ("iban-de-one-digit-off", "a.py", "iban = 'DE89370400440532013001'", set()),
    ("iban-gb-one-digit-off", "a.py", "iban = 'GB82WEST12345698765433'", set()),
    ("iban-de-too-short", "a.py", "iban = 'DE8937040044053201300'", set()),
    ("iban-unknown-country", "a.py", "iban = 'XX89370400440532013000'", set()),
    ("iban-glued", "a.py", "x = 'ADE89370400440532013000'", set()),
    ("iban-lowercase", "a.py", "x = 'de89370400440532013000'", set()),
    # --- US SSNs ---
    ("ssn-dashed", "a.py", "ssn = '536-22-8726'", {"pii.ssn"}),
    ("ssn-spaced", "a.py", "ssn = '536 22 8726'", {"pii.ssn"}),
    ("ssn-dashed-no-context", "a.py", "x = '536-22-8726'", {"pii.ssn"}),
    ("ssn-plain-with-context", "a.py", "customer_ssn = 536228726", {"pii.ssn"}),
    ("ssn-plain-social-security", "a.py", "Social Security No: 536228726", {"pii.ssn"}),
    ("ssn-plain-no-context", "a.py", "amount_cents = 536228726", set()),
    ("ssn-area-000", "a.py", "ssn = '000-22-8726'", set()),
    ("ssn-area-666", "a.py", "ssn = '666-22-8726'", set()),
    ("ssn-area-900-itin", "a.py", "ssn = '900-22-8726'", set()),
    ("ssn-area-999", "a.py", "ssn = '999-22-8726'", set()),
    ("ssn-group-00", "a.py", "ssn = '536-00-8726'", set()),
    ("ssn-serial-0000", "a.py", "ssn = '536-22-0000'", set()),
    ("ssn-voided-woolworth", "a.py", "ssn = '078-05-1120'", set()),
    ("ssn-in-longer-number", "a.py", "x = '2023-536-22-8726'", set()),
    ("ssn-context-but-10-digits", "a.py", "ssn = 5362287261", set()),
    # --- e-mail and phone: only in fixtures, never reserved names ---
    (
        "email-in-fixture",
        "tests/fixtures/users.json",
        '{"email": "jane.roe@gmail.com"}',
        {"pii.email"},
    ),
    ("email-example-domain", "tests/fixtures/users.json", '{"email": "jane@example.com"}', set()),
    ("email-dot-test", "tests/fixtures/users.json", '{"email": "jane@shop.test"}', set()),
    ("email-role-mailbox", "tests/fixtures/users.json", '{"from": "support@acme-pay.com"}', set()),
    ("email-outside-fixtures", "app/contact.py", "SUPPORT = 'jane.roe@gmail.com'", set()),
    ("phone-e164-in-fixture", "db/seeds/users.yaml", "phone: '+44 20 7946 0958'", {"pii.phone"}),
    ("phone-nanp-in-fixture", "db/seeds/users.yaml", "phone: (415) 867-5309", {"pii.phone"}),
    ("phone-fictional-555", "db/seeds/users.yaml", "phone: (415) 555-0142", set()),
    ("phone-outside-fixtures", "app/contact.py", "PHONE = '+44 20 7946 0958'", set()),
    # --- PII-named fields with literal values, in fixtures ---
    ("field-cvv-in-fixture", "tests/fixtures/card.json", '{"cvv": "737"}', {"pii.field-name"}),
    ("field-dob-yaml", "db/seeds/people.yaml", "date_of_birth: 1984-03-07", {"pii.field-name"}),
    ("field-placeholder", "tests/fixtures/card.json", '{"cvv": "***"}', set()),
    ("field-template", "tests/fixtures/card.json", '{"cvv": "{{ cvv }}"}', set()),
    ("field-variable-not-literal", "tests/fixtures/make.py", "card = dict(cvv=cvv)", set()),
    ("field-outside-fixtures", "app/card.py", 'DEFAULTS = {"cvv": "737"}', set()),
    (
        "field-card-number-is-value-checked",
        "tests/fixtures/card.json",
        '{"card_number": "1234"}',
        set(),
    ),
]


@pytest.mark.parametrize(
    ("path", "text", "rules"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_value_table(path: str, text: str, rules: set[str]) -> None:
    assert {f.rule for f in scan_text(path, text + "\n", key=TEST_KEY)} == rules


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)


def _with_check_digit(body: str) -> str:
    from gates.checks.pii.cards import luhn_ok

    return next(body + d for d in "0123456789" if luhn_ok(body + d))


@settings(max_examples=60, deadline=None)
@given(
    body=st.text(alphabet="0123456789", min_size=14, max_size=14),
    sep=st.sampled_from(["", " ", "-"]),
    line=st.integers(min_value=0, max_value=5),
)
def test_any_visa_is_found_masked_and_fingerprinted_by_digits(
    body: str, sep: str, line: int
) -> None:
    pan = _with_check_digit("4" + body)
    written = sep.join(pan[i : i + 4] for i in range(0, 16, 4))
    text = "x = 1\n" * line + f"card = '{written}'\n"
    (f,) = scan_text("app/a.py", text, key=TEST_KEY)
    assert f.rule in ("pii.pan", "pii.pan-test")
    assert f.location.line == line + 1
    assert pan not in repr(shown(f))
    assert written not in repr(shown(f))
    assert pan[6:12] not in repr(shown(f)).replace(" ", "")  # the hidden middle stays hidden
    (plain,) = scan_text("app/a.py", f"card = '{pan}'\n", key=TEST_KEY)
    assert plain.fingerprint == f.fingerprint


@settings(max_examples=60, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=13, max_size=19))
def test_luhn_invalid_runs_are_never_cards(digits: str) -> None:
    from gates.checks.pii.cards import luhn_ok

    assume(not luhn_ok(digits))
    assert scan_text("a.py", f"n = {digits}\n", key=TEST_KEY) == []


def test_every_listed_test_card_is_a_plausible_pan() -> None:
    from gates.checks.pii.cards import TEST_PANS, classify

    assert [p for p in sorted(TEST_PANS) if classify(p) is None] == []
