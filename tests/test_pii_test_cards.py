"""Public test card numbers and test paths: only published test numbers are downgraded, and only
they are dropped in test paths; a real-range number is critical everywhere."""

from __future__ import annotations

import pytest

from gates.checks.pii import cards, testcards
from gates.checks.pii.gate import scan_text
from gates.checks.pii.schema import DEFAULT_TEST_PATHS
from tests.gatekit import TEST_KEY

REAL = "4301661318609135"  # Luhn-valid, Visa range, on no published list
PUBLIC = "4242424242424242"


def test_every_list_names_its_source_and_holds_only_plausible_pans() -> None:
    assert {c.processor for c in testcards.LISTS} == {"Stripe", "Braintree", "Adyen", "PayPal"}
    for card_list in testcards.LISTS:
        assert card_list.source.startswith("https://"), card_list.processor
        assert len(set(card_list.numbers)) == len(card_list.numbers), card_list.processor
        bad = [n for n in card_list.numbers if cards.classify(n) is None]
        assert bad == [], card_list.processor
    assert {n for c in testcards.LISTS for n in c.numbers} == cards.TEST_PANS
    assert REAL not in cards.TEST_PANS


TEST_PATHS = [
    "tests/test_pay.py",
    "test/pay.py",
    "spec/models/pay_spec.rb",
    "web/__tests__/pay.js",
    "pkg/testdata/cards.txt",
    "app/fixtures/cards.json",
    "services/api/src/test/java/PayIT.java",
    "app/pay_test.py",
    "app/test_pay.py",
    "svc/pay_test.go",
    "lib/pay_spec.rb",
    "web/src/pay.test.ts",
    "web/src/pay.spec.tsx",
    "web/src/pay.test.js",
    "src/main/java/PayTest.java",
    "src/Pay.Tests/PayTests.cs",
]


@pytest.mark.parametrize("path", TEST_PATHS)
def test_in_test_paths_public_numbers_are_dropped_real_ones_stay_critical(path: str) -> None:
    found = scan_text(path, f"a = '{PUBLIC}'\nb = '{REAL}'\n", key=TEST_KEY)
    assert [(f.rule, f.severity.value, f.location.line) for f in found] == [
        ("pii.pan", "critical", 2)
    ]


@pytest.mark.parametrize(
    "path", ["app/pay.py", "src/contest/pay.py", "latest/pay.py", "web/src/pay.ts", "attest.py"]
)
def test_outside_test_paths_public_numbers_are_low(path: str) -> None:
    found = scan_text(path, f"a = '{PUBLIC}'\nb = '{REAL}'\n", key=TEST_KEY)
    assert [(f.rule, f.severity.value) for f in found] == [
        ("pii.pan-test", "low"),
        ("pii.pan", "critical"),
    ]


def test_test_paths_are_configurable() -> None:
    text = f"a = '{PUBLIC}'\n"
    assert scan_text("qa/pay.py", text, key=TEST_KEY) != []
    assert scan_text("qa/pay.py", text, key=TEST_KEY, config={"test_paths": ["qa/**"]}) == []
    off = {"test_paths": []}
    assert [f.rule for f in scan_text("tests/a.py", text, key=TEST_KEY, config=off)] == [
        "pii.pan-test"
    ]
    legacy = {"test_paths": [], "allow_test_cards_in": ["tests/**"]}
    assert scan_text("tests/a.py", text, key=TEST_KEY, config=legacy) == []


def test_national_ids_are_not_downgraded_in_test_paths() -> None:
    found = scan_text("tests/test_kyc.py", "cpf = '529.982.247-25'\n", key=TEST_KEY)
    assert [(f.rule, f.severity.value) for f in found] == [("pii.br-cpf", "high")]


def test_default_test_paths_cover_the_documented_conventions() -> None:
    for pattern in ("**/spec/**", "**/__tests__/**", "**/testdata/**", "*_spec.rb", "*.test.ts"):
        assert pattern in DEFAULT_TEST_PATHS
