"""National identifiers: each kind's checksum or structure rule, its keyword gate and its decoys."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gates.checks.pii import idchecks, national_ids
from gates.checks.pii.gate import scan_text
from gates.redact import _NATIONAL_ID_EXAMPLES, Masker, example
from tests.gatekit import TEST_KEY

# (kind, valid, invalid): the invalid value differs only in its check character or a structure rule
VALIDATORS: list[tuple[str, str, str]] = [
    ("uk-nino", "AB123456C", "QQ123456C"),  # QQ: HMRC's own specimen, never allocated
    ("uk-nino", "AB123456D", "GB123456A"),  # GB: a prefix never issued
    ("uk-nino", "JG103759A", "JG103759E"),  # suffix only A-D
    ("ca-sin", "130692544", "130692545"),
    ("ca-sin", "130692544", "046454286"),  # CRA's sample starts with 0: never issued
    ("br-cpf", "52998224725", "52998224726"),
    ("br-cpf", "52998224725", "11111111111"),  # repeated digit: passes mod 11, never issued
    ("br-cnpj", "11222333000181", "11222333000182"),
    ("in-aadhaar", "234567890124", "234567890123"),
    ("in-aadhaar", "234567890124", "123456789012"),  # never starts with 0 or 1
    ("in-pan", "ABCPE1234F", "ABCDE1234F"),  # 4th letter must be a holder type
    ("es-dni", "12345678Z", "12345678A"),
    ("es-nie", "X1234567L", "X1234567M"),
    ("it-codice-fiscale", "RSSMRA85T10A562S", "RSSMRA85T10A562T"),
    ("it-codice-fiscale", "RSSMRA85T10A562S", "RSSMRA85Z10A562S"),  # Z is no month
    ("nl-bsn", "111222333", "111222334"),
    ("fr-nir", "269054958815780", "269054958815781"),
    ("de-tax-id", "86095742719", "86095742718"),
    ("de-tax-id", "65929970489", "12345678903"),  # no repeated digit in the first ten
    ("au-tfn", "123456782", "123456783"),
    ("sg-nric", "S1234567D", "S1234567A"),
    ("sg-nric", "T1234567J", "F1234567J"),
    ("sg-nric", "G1234567X", "G1234567N"),
    ("sg-nric", "M1234567K", "M1234567X"),
    ("mx-curp", "HEGG560427MVZRRL04", "HEGG560427MVZRRL05"),
    ("mx-curp", "HEGG560427MVZRRL04", "HEGG561327MVZRRL04"),  # month 13
]


@pytest.mark.parametrize(
    ("kind", "valid", "invalid"), VALIDATORS, ids=[f"{k}-{b}" for k, _, b in VALIDATORS]
)
def test_validators(kind: str, valid: str, invalid: str) -> None:
    check = national_ids.BY_ID[kind].validate
    assert check(valid)
    assert not check(invalid)


def test_published_check_algorithms() -> None:
    assert idchecks.verhoeff_ok("2363")  # Verhoeff's own worked example: check digit of 236
    assert not idchecks.verhoeff_ok("2364")
    assert idchecks.iso7064_mod11_10_ok("86095742719")
    assert idchecks.fr_nir("2690549588157" + "80")
    corsica = 1850519123456  # 2A counts as 19 in the key
    assert idchecks.fr_nir(f"185052A123456{97 - corsica % 97:02d}")


CASES: list[tuple[str, str, set[str]]] = [
    ("nino-spaced", "ni = 'AB 12 34 56 C'", {"pii.uk-nino"}),
    ("nino-specimen", "ni = 'QQ 12 34 56 C'", set()),
    ("bsn-keyword", "bsn: 111222333", {"pii.nl-bsn"}),
    ("bsn-snake-keyword", "customer_bsn = '111222333'", {"pii.nl-bsn"}),
    ("bsn-no-keyword", "order_id = 111222333", set()),
    ("bsn-keyword-bad-check", "bsn: 111222334", set()),
    ("bsn-keyword-other-line", "bsn:\nx = 111222333", set()),
    ("cpf-formatted", "cpf = '529.982.247-25'", {"pii.br-cpf"}),
    ("cpf-plain-keyword", "CPF 52998224725", {"pii.br-cpf"}),
    ("cpf-plain-no-keyword", "n = 52998224725", set()),
    ("cnpj-formatted", "'11.222.333/0001-81'", {"pii.br-cnpj"}),
    ("aadhaar-keyword", "aadhaar: 2345 6789 0124", {"pii.in-aadhaar"}),
    ("aadhaar-no-keyword", "ref: 2345 6789 0124", set()),
    ("in-pan", "pan_no = 'ABCPE1234F'", {"pii.in-pan"}),
    ("dni", "dni = '12345678Z'", {"pii.es-dni"}),
    ("dni-dash", "dni = '12345678-Z'", {"pii.es-dni"}),
    ("nie", "nie = 'X-1234567-L'", {"pii.es-nie"}),
    ("codice-fiscale", "cf = 'RSSMRA85T10A562S'", {"pii.it-codice-fiscale"}),
    ("nir-spaced", "nir = '2 69 05 49 588 157 80'", {"pii.fr-nir"}),
    ("nir-compact-keyword", "NIR: 269054958815780", {"pii.fr-nir"}),
    ("nir-compact-no-keyword", "n = 269054958815780", set()),
    ("steuer-id", "Steuer-ID: 86095742719", {"pii.de-tax-id"}),
    ("steuer-camel", "steuerId=86095742719", {"pii.de-tax-id"}),
    ("tfn", "tfn 123 456 782", {"pii.au-tfn"}),
    ("sin", "SIN: 130 692 544", {"pii.ca-sin"}),
    ("sin-not-single", "single 130692544", set()),
    ("nric", "nric = 'S1234567D'", {"pii.sg-nric"}),
    ("curp", "curp = 'HEGG560427MVZRRL04'", {"pii.mx-curp"}),
    ("iso-timestamp-not-dni", "ts = '20240101T120000'", set()),
    ("glued-dni", "ref = 'A12345678Z'", set()),
    ("pan-after-keyword", "sin = 4301661318609135", {"pii.pan"}),
]


@pytest.mark.parametrize(("src", "rules"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_scan(src: str, rules: set[str]) -> None:
    assert {f.rule for f in scan_text("a.py", src, key=TEST_KEY)} == rules


def test_keywords_are_configurable() -> None:
    text = "burger: 111222333\nbsn: 111222333\n"
    cfg = {"national_id_keywords": {"nl-bsn": ["burger"]}}
    assert [f.location.line for f in scan_text("a.py", text, key=TEST_KEY, config=cfg)] == [1]
    off = {"national_id_keywords": {"nl-bsn": []}}
    assert scan_text("a.py", text, key=TEST_KEY, config=off) == []


def test_findings_show_only_the_last_four() -> None:
    (f,) = scan_text("a.py", "cpf = '529.982.247-25'  # customer", key=TEST_KEY)
    assert f.message == "Brazilian CPF •••••••4725 in clear text (valid two mod-11 check digits)"
    assert f.snippet == "cpf = '•••••••4725'  # customer"
    assert f.severity == "high"
    masker = Masker.from_findings([f])
    assert masker.text("cpf 529.982.247-25 or 52998224725") == "cpf •••••••4725 or •••••••4725"


def test_every_kind_has_an_example_and_a_masked_form() -> None:
    assert set(_NATIONAL_ID_EXAMPLES) == national_ids.RULE_IDS
    for rule, value in _NATIONAL_ID_EXAMPLES.items():
        kind = national_ids.BY_ID[rule.removeprefix("pii.")]
        compact = national_ids.normalise(value)
        assert kind.validate(compact), rule
        shown = example(rule)
        assert shown is not None
        assert shown.endswith(compact[-4:])
        assert shown.count("•") == len(compact) - 4


def test_readme_lists_exactly_what_is_detected() -> None:
    from pathlib import Path

    from gates.checks.pii import GATE
    from gates.checks.pii.schema import DEFAULT_TEST_PATHS

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### What the pii gate detects", 1)[1].split("\n### ", 1)[0]
    listed = set(re.findall(r"^\| `(pii\.[a-z-]+)`", section, re.MULTILINE))
    listed |= set(re.findall(r"`(pii\.[a-z-]+)` \(", section))
    assert listed | {"pii.custom", "pii.unparsed"} == {r.id for r in GATE.rules}
    words = " ".join(section.split())
    for kind, keywords in national_ids.DEFAULT_KEYWORDS.items():
        for word in keywords:
            assert f"`{word}`" in words, (kind, word)
    for glob in DEFAULT_TEST_PATHS:
        assert f"`{glob}`" in words, glob


# (kind, a valid value, index of its check character(s), alphabet of the check position): the
# check character is determined by the rest, so no other value at that position is accepted.
CHECKED: list[tuple[str, str, slice, str]] = [
    ("ca-sin", "130692544", slice(8, 9), "0123456789"),
    ("br-cpf", "52998224725", slice(9, 11), "0123456789"),
    ("br-cnpj", "11222333000181", slice(12, 14), "0123456789"),
    ("in-aadhaar", "234567890124", slice(11, 12), "0123456789"),
    ("es-dni", "12345678Z", slice(8, 9), "ABCDEFGHJKLMNPQRSTVWXYZ"),
    ("es-nie", "X1234567L", slice(8, 9), "ABCDEFGHJKLMNPQRSTVWXYZ"),
    ("it-codice-fiscale", "RSSMRA85T10A562S", slice(15, 16), "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    ("nl-bsn", "111222333", slice(8, 9), "0123456789"),
    ("de-tax-id", "86095742719", slice(10, 11), "0123456789"),
    ("sg-nric", "S1234567D", slice(8, 9), "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    ("mx-curp", "HEGG560427MVZRRL04", slice(17, 18), "0123456789"),
]


@pytest.mark.parametrize(
    ("kind", "valid", "where", "alphabet"), CHECKED, ids=[c[0] for c in CHECKED]
)
def test_only_the_computed_check_character_is_accepted(
    kind: str, valid: str, where: slice, alphabet: str
) -> None:
    import itertools

    check = national_ids.BY_ID[kind].validate
    width = where.stop - where.start
    accepted = [
        "".join(tail)
        for tail in itertools.product(alphabet, repeat=width)
        if check(valid[: where.start] + "".join(tail) + valid[where.stop :])
    ]
    assert accepted == [valid[where]]


@given(st.sampled_from("12345679"), st.text(alphabet="0123456789", min_size=7, max_size=7))
@settings(max_examples=200)
def test_sin_rejects_any_single_digit_change(first: str, body: str) -> None:
    (sin,) = [first + body + d for d in "0123456789" if idchecks.ca_sin(first + body + d)]
    for i in range(1, 9):
        for d in "0123456789":
            if d != sin[i]:
                assert not idchecks.ca_sin(sin[:i] + d + sin[i + 1 :])


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
@settings(max_examples=200)
def test_aadhaar_rejects_any_single_digit_change_and_adjacent_swap(body: str) -> None:
    assume(body[0] not in "01")
    (uid,) = [body + d for d in "0123456789" if idchecks.in_aadhaar(body + d)]
    for i in range(1, 12):
        for d in "0123456789":
            if d != uid[i]:
                assert not idchecks.in_aadhaar(uid[:i] + d + uid[i + 1 :])
        if i < 11 and uid[i] != uid[i + 1]:
            swapped = uid[:i] + uid[i + 1] + uid[i] + uid[i + 2 :]
            assert not idchecks.in_aadhaar(swapped)  # Verhoeff catches every transposition


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"national_id_keywords": {"xx-foo": ["a1"]}},
            "policy: $.gates.pii.national_id_keywords.xx-foo: not a national id kind with a "
            "digit-only form. Fix: use one of: au-tfn, br-cnpj, br-cpf, ca-sin, de-tax-id, "
            "fr-nir, in-aadhaar, nl-bsn",
        ),
        (
            {"national_id_keywords": {"nl-bsn": "bsn"}},
            "policy: $.gates.pii.national_id_keywords.nl-bsn: expected a list of words. "
            "Fix: write nl-bsn: ['...']",
        ),
        (
            {"national_id_keywords": ["bsn"]},
            "policy: $.gates.pii.national_id_keywords: expected a mapping. "
            "Fix: write national_id_keywords: {nl-bsn: [bsn]}",
        ),
    ],
    ids=["unknown-kind", "not-a-list", "not-a-mapping"],
)
def test_keyword_config_errors(raw: dict[str, object], message: str) -> None:
    from gates.checks.pii import config
    from gates.errors import InvalidInput

    with pytest.raises(InvalidInput) as err:
        config.parse(raw)
    assert str(err.value) == message


def test_national_id_field_names_in_fixtures_and_log_calls() -> None:
    csv = "name,bsn\nJan,595745489\n"
    found = scan_text("fixtures/people.csv", csv, key=TEST_KEY)
    assert [(f.rule, f.location.line) for f in found] == [("pii.field-name", 2)]
    assert "595745489" not in found[0].message
    code = "import logging\nlog = logging.getLogger()\n\ndef f(c):\n    log.info('x %s', c.cpf)\n"
    assert [f.rule for f in scan_text("app/kyc.py", code, key=TEST_KEY)] == ["pii.log-field"]
