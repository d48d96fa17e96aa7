"""The masking boundary: what it hides, how a masked value looks, and what it leaves alone."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gates import redact
from gates.model import Finding, Location, Severity

STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"  # split so this file is not itself a finding
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
AWS_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
JWT = (
    "eyJhbGciOiJIUzI1NiJ9."
    + "eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)
SLACK = "xoxb-" + "123456789012-abcdefABCDEF"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("card 4539148803436467 ok", "card 4539 14•• •••• 6467 ok"),
        ("4539 1488 0343 6467", "4539 14•• •••• 6467"),
        ("4539-1488-0343-6467", "4539 14•• •••• 6467"),
        ("amex 3714 496353 98431", "amex 3714 49•• •••8 431"),
        ("id=5555555555554444;", "id=5555 55•• •••• 4444;"),
        ("p-1,4539148803436467,EUR", "p-1,4539 14•• •••• 6467,EUR"),  # a CSV field
        ("out/a.json,4539148803436467.json", "out/a.json,4539 14•• •••• 6467.json"),
        ("DE89370400440532013000", "DE89 •••• •••• •••• ••30 00"),
        ("iban: GB82 WEST 1234 5698 7654 32", "iban: GB82 •••• •••• •••• ••54 32"),
        (f"key={STRIPE}", "key=[stripe-key ••••p7dc]"),
        (f"token {GITHUB}", "token [github-token ••••q7R8]"),
        (f"id {AWS_ID}", "id [aws-access-key ••••MPLE]"),
        (f"aws {AWS_SECRET}", "aws [high-entropy ••••EKEY]"),
        (f"jwt {JWT}", "jwt [jwt ••••sR8U]"),
        (f"slack {SLACK}", "slack [slack-token ••••CDEF]"),
        ('password = "hunter22x"', 'password = "[secret ••••]"'),
        ("DB_PASSWORD: 'correct-horse-battery'", "DB_PASSWORD: '[secret ••••tery]'"),
        ("Authorization: Bearer abcDEF1234567890xyzQ", "Authorization: Bearer [secret ••••xyzQ]"),
        ("postgres://app:s3cretpw@db:5432/x", "postgres://app:[secret ••••]@db:5432/x"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
            "[private-key ••••]",
        ),
    ],
    ids=lambda v: v[:24],
)
def test_generic_shapes_are_masked(text: str, masked: str) -> None:
    assert redact.generic(text) == masked
    assert redact.DEFAULT.text(text) == masked


# Values that look a little like a card number or a secret but are neither: left exactly alone.
NEAR_MISSES = [
    "date 2026-12-14",
    "timestamp 2026-12-14T10:30:00Z",
    "2026-12-14 10:30:00.123456+00:00",
    "time 23:59:59",
    "uuid 550e8400-e29b-41d4-a716-446655440000",
    "UUID 123e4567-e89b-12d3-a456-426614174000",
    "amount 1,234,567.89 EUR",
    "amount 1234567890123.45",
    "amount 12345678901234.00",
    "€1.000.000,00",
    "line 1234567 column 80",
    "src/app.py:120:7",
    "version 1.2.3-rc.4+build.2026",
    "python 3.11.9",
    "semgrep 1.96.0",
    "git 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
    "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==",
    "md5 d41d8cd98f00b204e9800998ecf8427e",
    "commit a1bd590",
    "epoch 1733400000",
    "epoch ms 1733400000000",
    "epoch ns 1733400000000000000",
    "order 20261205143000123",
    "phone +1 415 555 2671",
    "phone +44 20 7946 0958",
    "4111 1111 1111 1112 fails Luhn",
    "4539148803436468 fails Luhn",
    "1234567812345670 Luhn-valid, no issuer",
    "9999999999999995 Luhn-valid, no issuer",
    "ip 192.168.100.200",
    "port 127.0.0.1:54321",
    "zip 94105-1234",
    "ssn-looking 123-45-6789 unknown",
    "ReconcileEngineDuckDB2Adapter",
    "gates/checks/reconcile/engine_duckdb.py",
    "tests/data/reconcile/Events2024Q3Part1.jsonl",
    "HTTP_X_FORWARDED_FOR_HEADER_NAME",
    "payment_intent_status_changed_to_succeeded",
    "fingerprint 3f2a9c4e5b6d7081a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819",
    "secret_type=Stripe Access Key",
    "password: str = field(default='')",
    "token = os.environ['API_TOKEN']",
    "password_hash=argon2",
    "CVE-2024-3094 and CWE-798",
    "ticket PAY-1234567",
    "IBAN-like DE00370400440532013000 fails mod-97",
    "at 13:45:01.000123 on 12/14/2026",
    "50 findings in 1234 files (0.75 s)",
]


@pytest.mark.parametrize("text", NEAR_MISSES, ids=lambda t: t[:30])
def test_near_misses_are_left_alone(text: str) -> None:
    assert redact.DEFAULT.text(text) == text


def test_the_near_miss_table_is_large_enough() -> None:
    assert len(NEAR_MISSES) >= 40


def _finding(value: str, kind: str) -> Finding:
    return Finding(
        gate="pii",
        rule="pii.x",
        severity=Severity.HIGH,
        message="m",
        location=Location(path="a.py", line=1),
        fingerprint="0" * 64,
        properties=((redact.VALUE_KEY, value), (redact.KIND_KEY, kind)),
    )


def test_known_values_from_findings_are_masked_in_any_string() -> None:
    masker = redact.Masker.from_findings(
        [
            _finding("536-22-1471", "ssn"),
            _finding("hunter2hunter2", "secret:password"),
            _finding("jane.doe@corp.example", "pii"),
        ]
    )
    text = "ssn 536-22-1471 / 536221471, pw=hunter2hunter2, mail jane.doe@corp.example"
    out = masker.text(text)
    assert out == ("ssn •••-••-1471 / •••-••-1471, pw=[password ••••], mail •••••••••••••••••••le")


def test_known_secret_is_masked_in_encoded_forms() -> None:
    import base64
    import urllib.parse

    value = "Zq8+x/y0pV==k9Lm"
    masker = redact.Masker.of([(value, "secret:custom")])
    encoded = base64.b64encode(value.encode()).decode().rstrip("=")
    for form in (value, urllib.parse.quote(value, safe=""), encoded):
        assert form not in masker.text(f"x {form} y")


def test_masker_value_walks_dataclasses_and_drops_sensitive_properties() -> None:
    f = _finding("4539148803436467", "pan")
    f = Finding(
        gate=f.gate,
        rule=f.rule,
        severity=f.severity,
        message="card 4539148803436467",
        location=f.location,
        fingerprint=f.fingerprint,
        snippet="CARD = '4539148803436467'",
        properties=(("kind", "Visa"), *f.properties),
    )
    masked = redact.Masker.from_findings([f]).value(f)
    assert masked.message == "card 4539 14•• •••• 6467"
    assert masked.snippet == "CARD = '4539 14•• •••• 6467'"
    assert masked.properties == (("kind", "Visa"),)
    assert masked.severity is Severity.HIGH


def _noted(line: int, tags: object) -> Finding:
    """A finding with no sensitive property: a note and its tags."""
    return dataclasses.replace(
        _finding("", "pii"),
        severity=Severity.LOW,
        location=Location(path="a.py", line=line),
        properties=(("kind", "note"), ("tags", tags)),
    )


def test_masker_value_masks_deep_and_drops_a_lone_sensitive_pair_in_an_untouched_tuple() -> None:
    """An untouched finding comes out equal; what a mask changes shows masked, however deep."""
    clean = _noted(1, ("a", "b"))
    deep = _noted(2, ("a", ("b", "card 4539148803436467")))
    carrier = _finding("536-22-1471", "ssn")  # its only other property is its sensitive pair
    view = redact.Masker.from_findings([carrier]).value((clean, deep, carrier, "ssn 536-22-1471"))
    assert view[0] == clean
    assert view[1].properties == (
        ("kind", "note"),
        ("tags", ("a", ("b", "card 4539 14•• •••• 6467"))),
    )
    assert view[2].properties == ()
    assert view[2].message == "m"
    assert view[3] == "ssn •••-••-1471"


@pytest.mark.parametrize(
    ("value", "kind", "masked"),
    [
        ("4539148803436467", "pan", "4539 14•• •••• 6467"),
        ("DE89370400440532013000", "iban", "DE89 •••• •••• •••• ••30 00"),
        ("536-22-1471", "ssn", "•••-••-1471"),
        (STRIPE, "secret:Stripe Access Key", "[stripe-access-key ••••p7dc]"),
        ("short-pw", "secret:password", "[password ••••]"),
    ],
    ids=["pan", "iban", "ssn", "secret", "short-secret"],
)
def test_masked_forms(value: str, kind: str, masked: str) -> None:
    assert redact.mask_known(value, kind) == masked


@pytest.mark.parametrize(
    ("rule", "shown"),
    [
        ("pii.pan", "4539 14•• •••• 6467"),
        ("pii.ssn", "•••-••-1471"),
        ("pii.iban", "DE89 •••• •••• •••• ••30 00"),
        ("secrets.stripe-key", "[stripe-key ••••p7dc]"),
    ],
)
def test_explain_shows_what_a_masked_value_looks_like(
    rule: str, shown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from gates.cli import main

    assert main(["explain", rule]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == (
        "masked: the value is never shown in clear; reports, logs, errors and caches show it as "
        + shown
    )


def test_explain_adds_nothing_for_rules_without_a_value(capsys: pytest.CaptureFixture[str]) -> None:
    from gates.cli import main

    assert main(["explain", "sast.float-money"]) == 0
    assert "masked:" not in capsys.readouterr().out


_SHAPE_SAMPLES = [
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
    "key sk_" + "live_4eC39HqLyjWDarjtT1zdp7dc and rk_" + "test_abcdefgh12345678",
    "whsec_" + "abcdefghijklmnop1234",
    "AQE" + "a" * 40 + "=-" + "b" * 20,
    "access_token$production$" + "abcdefghij123456$" + "0123456789abcdef" * 2,
    "A21AA" + "x" * 50,
    "EAAA" + "y" * 60 + " sq0atp-" + "z" * 22 + " sq0csp-" + "w" * 43,
    "sk_sbox_" + "abcdefghijklmnopqrstuvwxyz" + "# sk_test_123e4567-e89b-12d3-a456-426614174000",
    "token live_" + "L" * 40,
    "access-production-123e4567-e89b-12d3-a456-426614174000",
    "SK" + "0123456789abcdef" * 2 + " AC" + "0123456789abcdef" * 2 + ":" + "fedcba9876543210" * 2,
    "AKIA" + "ZXCVBNMASDFGHJKL" + " ghp_" + "Q" * 24 + " github_pat_" + "R" * 24,
    "glpat-"
    + "S" * 20
    + " xoxb-"
    + "1234567890-abc"
    + " https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX",
    "AIza" + "T" * 35 + " SG." + "U" * 16 + "." + "V" * 16 + " npm_" + "W" * 36,
    "eyJ" + "hbGciOiJI" + ".eyJ" + "zdWIiOiIx" + ".SflKxwRJ",
    "a message with nothing secret in it: app/payments/service.py line 42",
]


@pytest.mark.parametrize("text", _SHAPE_SAMPLES)
def test_shape_hints_never_change_what_is_masked(text: str) -> None:
    """The literal hints only skip shapes a string cannot match: the result equals running the
    whole alternation (every shape has a sample above)."""
    import re

    full = re.compile("|".join(f"(?P<s{i}>{p})" for i, (_, p) in enumerate(redact._SECRET_SHAPES)))
    assert redact._mask_shapes(text) == full.sub(redact._mask_shape, text)


def test_every_shape_has_a_sample_that_it_masks() -> None:
    import re

    for kind, pattern in redact._SECRET_SHAPES:
        assert any(re.search(pattern, t) for t in _SHAPE_SAMPLES), kind


def _by_alternation(known: tuple[tuple[str, str], ...], text: str) -> str:
    """The known-value replacement as one regex alternation (what redact did before str.find)."""
    import re

    if not known:
        return text
    table = dict(known)

    def one(value: str) -> str:
        escaped = re.escape(value)
        return rf"(?<![0-9A-Za-z]){escaped}(?![0-9A-Za-z])" if value.isalnum() else escaped

    pattern = re.compile("|".join(one(v) for v, _ in known))
    return pattern.sub(lambda m: table[m.group(0)], text)


@settings(max_examples=400, deadline=None)
@given(
    values=st.lists(st.text(alphabet="ab1-_ é", min_size=6, max_size=9), max_size=5, unique=True),
    text=st.text(alphabet="ab1-_ é\n", max_size=80),
    data=st.data(),
)
def test_known_values_are_replaced_as_the_alternation_would(
    values: list[str], text: str, data: st.DataObject
) -> None:
    """Leftmost first, the longest value at a position, whole runs of letters and digits only
    for a value made of them: the str.find replacement equals the regex alternation, also when
    values overlap, nest, or sit glued to letters. Texts are built from the values' own pieces."""
    from gates.redact import Masker, _replace_known

    pieces = [text, *values, *(v[: len(v) // 2] for v in values), "a", "1", " "]
    built = "".join(data.draw(st.lists(st.sampled_from(pieces), max_size=8)))
    known = Masker.of((v, "secret") for v in values).known
    assert _replace_known(known, built) == _by_alternation(known, built)
