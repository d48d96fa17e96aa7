"""The RE2 proofs skip a Python mask only where it cannot match: each proof is a superset."""

from __future__ import annotations

import re
import string
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gates import redact, redact_proof
from tests.test_redact import _SHAPE_SAMPLES

# Each Python pattern of redact.generic and the proof that must find every text it matches.
PAIRS = [
    (redact._PAN, redact_proof.PAN),
    (redact._IBAN, redact_proof.IBAN),
    (redact._ASSIGNED, redact_proof.ASSIGNED),
    (re.compile("|".join(p for _, p in redact._SECRET_SHAPES)), redact._SHAPES_PROOF),
]


def _re2_finds(pattern: str, text: str) -> bool:
    data = redact_proof.encoded(text)
    assert data is not None
    return redact_proof.may_match(pattern, data)


def test_whitespace_digits_and_case_folds_are_pythons() -> None:
    """The proofs spell out Python's Unicode `\\s`, `\\d` and (?i): RE2's classes hold every
    character Python's do, and the folds onto ASCII letters are exactly the ones listed."""
    space, digit, folded = [], [], []
    letter = re.compile("(?i)[a-z]")
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        if re.match(r"\s", ch):
            space.append(ch)
        if re.match(r"\d", ch):
            digit.append(ch)
        if code >= 0x80 and letter.fullmatch(ch):
            folded.append(ch)
    assert space == list(redact_proof.SPACES)  # exactly: it is also used inside negated classes
    assert all(_re2_finds(redact_proof._WS, ch) for ch in space)
    assert not _re2_finds(redact_proof._WS, "\u200b")  # a zero-width space is not white space
    assert all(_re2_finds(redact_proof._DIGIT, ch) for ch in digit)
    assert sorted(folded) == sorted(redact_proof._FOLDED)
    for ch in folded:
        letters = [c for c in string.ascii_lowercase if re.fullmatch(f"(?i){c}", ch)]
        assert [c for c, extra in redact_proof._FOLDS.items() if ch in extra] == letters, ch


@pytest.mark.parametrize("text", _SHAPE_SAMPLES)
def test_every_shape_sample_is_found_by_the_shapes_proof(text: str) -> None:
    has_shape = any(re.search(p, text) for _, p in redact._SECRET_SHAPES)
    assert _re2_finds(redact._SHAPES_PROOF, text) or not has_shape


# Pieces that build near and true matches of every pattern: credential names in any case and
# with the characters Python folds onto letters, separators, quotes, Unicode white space and
# digits, card-, IBAN- and token-shaped runs, and the shape samples.
_PIECES = [
    "password", "PassWord", "paſſword", "ſecret", "SECRET", "api_key", "apiKey", "ApI-KEY",
    "access-key", "accessKEY", "token", "TOKEN", "pwd", "passwd", "passphrase", "_key", "-key",
    "bearer", "Bearer", "BEARER", "İ", "ı", "K", "ſ", "tоken",  # a Cyrillic о: no match
    "=", ":", "=>", " ", "  ", "\t", "\n", "\u00a0", "\u2003", "\u3000", "\x1c", "\x85",
    '"', "'", "{", "$", "%", "<", ">", "é", "abcd", "hunter22", "s3cr3t!x",
    "://", "user", ":", "@", "/", "host.example",
    "4539148803436467", "4539 1488 0343 6467", "4539-1488-0343-6467", "3714 496353 98431",
    "٤٥٣٩١٤٨٨٠٣٤٣٦٤٦٧", "1234", "56", "0", "9", ".", ",", "-",
    "DE89370400440532013000", "DE89 3704 0044 0532 0130 00", "GB", "29", "NWBK",
    "AbCdEfGhIjKlMnOpQrStUv", "x" * 20, *_SHAPE_SAMPLES,
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14))
def test_no_proof_rules_out_a_text_its_python_pattern_matches(parts: list[str]) -> None:
    text = "".join(parts)
    for python, proof in PAIRS:
        if python.search(text):
            assert _re2_finds(proof, text), (python.pattern[:40], text)


_SPACES = " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u2007\u200a\u2028\u2029\u202f\u205f\u3000"
_VALUE = string.ascii_letters + string.digits + "!#&()*+,-./;=?@[]^_`|~é€ İıKſ" + _SPACES


@settings(max_examples=1500, deadline=None)
@given(
    prefix=st.sampled_from(["", "x", "my_", "é", "ſ", "db."]),
    key=st.sampled_from(
        ["password", "PASSWORD", "paſſword", "ſecret", "SeCrEt", "api_key", "ApI-KEY", "apikey",
         "access_key", "ACCESSKEY", "token", "pwd", "passwd", "PassPhrase", "token_key", "api-Key"]
    ),
    quote_key=st.sampled_from(["", '"', "'"]),
    before=st.text(alphabet=_SPACES, max_size=3),
    sep=st.sampled_from(["=", ":", "=>"]),
    after=st.text(alphabet=_SPACES, max_size=3),
    quote=st.sampled_from(['"', "'"]),
    value=st.text(alphabet=_VALUE, min_size=1, max_size=12),
    close=st.sampled_from(['"', "'", ""]),
)  # fmt: skip
def test_the_assignment_proof_finds_every_assignment_python_masks(
    prefix: str, key: str, quote_key: str, before: str, sep: str, after: str, quote: str,
    value: str, close: str,
) -> None:  # fmt: skip
    text = f"{prefix}{key}{quote_key}{before}{sep}{after}{quote}{value}{close} tail"
    if redact._ASSIGNED.search(text):
        assert _re2_finds(redact_proof.ASSIGNED, text), text


@settings(max_examples=800, deadline=None)
@given(
    word=st.sampled_from(["bearer", "Bearer", "BEARER", "bEaReR"]),
    gap=st.text(alphabet=_SPACES, min_size=1, max_size=3),
    token=st.text(alphabet=string.ascii_letters + string.digits + "._~+/-İıKſé=", max_size=24),
    user=st.text(alphabet=string.ascii_letters + "é:@/ " + _SPACES, max_size=8),
    password=st.text(alphabet=string.ascii_letters + "é:@/ " + _SPACES, max_size=8),
)
def test_the_bearer_and_url_proofs_find_what_python_masks(
    word: str, gap: str, token: str, user: str, password: str
) -> None:
    for text in (f"auth: {word}{gap}{token}", f"https://{user}:{password}@host/x"):
        if redact._ASSIGNED.search(text):
            assert _re2_finds(redact_proof.ASSIGNED, text), text


@settings(max_examples=800, deadline=None)
@given(
    digits=st.text(alphabet=string.digits + "٠١٢٣٤٥٦٧٨٩" + "０１２３４", min_size=12, max_size=20),
    cuts=st.lists(st.integers(1, 19), max_size=4),
    sep=st.sampled_from([" ", "-", "", "."]),
    country=st.sampled_from(["DE", "GB", "de", "FR"]),
    before=st.sampled_from(["", " ", "x", ".", ",", "5", "٣", "é", "-", "\n"]),
    after=st.sampled_from(["", " ", "x", ".", ",", ".5", ",5", "5", "٣", "é", "-", "\n"]),
)
def test_the_card_and_iban_proofs_find_what_python_masks(
    digits: str, cuts: list[int], sep: str, country: str, before: str, after: str
) -> None:
    grouped = digits
    for cut in sorted(set(cuts), reverse=True):
        grouped = grouped[:cut] + sep + grouped[cut:]
    iban = f"{country}{grouped[:2]}NWBK{grouped[2:]}"
    for text in (
        f"{before}{grouped}{after}",
        f"card {before}{grouped}{after} end",
        f"{before}{iban}{after}",
    ):
        if redact._PAN.search(text):
            assert _re2_finds(redact_proof.PAN, text), text
        if redact._IBAN.search(text):
            assert _re2_finds(redact_proof.IBAN, text), text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14), st.integers(0, 600))
def test_generic_masks_a_long_text_as_without_proofs(parts: list[str], padding: int) -> None:
    """What generic returns does not depend on whether the proofs ran (a text long enough for
    them, the same text with them switched off)."""
    text = "report line\n" * (padding // 12) + "".join(parts) + "\n" + "x" * padding
    with_proofs = redact.generic(text)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(redact, "_PROOF_MIN_CHARS", sys.maxsize)
        assert redact.generic(text) == with_proofs


@pytest.mark.parametrize("tail", ["", "\udcff"], ids=["utf-8", "lone-surrogate"])
def test_values_deep_in_a_long_report_are_masked(tail: str) -> None:
    """A rendered report is mostly fingerprints, paths and help text; the few values in it are
    masked wherever they sit (also when a lone surrogate leaves the text without a proof)."""
    filler = '{"fingerprint": "' + "ab12" * 16 + '", "path": "app/x.py"},\n'
    planted = [
        "4539148803436467",
        "DE89370400440532013000",
        "hunter22secret",
        "sk_" + "live_4eC39HqLyjWDarjtT1zdp7dc",
    ]
    body = f'"card": "{planted[0]}", "iban": "{planted[1]}", "password": "{planted[2]}", '
    body += f'"note": "key {planted[3]}"'
    text = filler * 400 + body + tail + filler * 400
    masked = redact.generic(text)
    assert len(text) > redact._PROOF_MIN_CHARS
    for value in planted:
        assert value not in masked
    assert masked.count("ab12" * 16) == 800  # fingerprints are left alone


@settings(max_examples=400, deadline=None)
@given(
    values=st.lists(
        st.text(alphabet="ab1-_ é€.\\*$(", min_size=6, max_size=9),
        min_size=4,
        max_size=8,
        unique=True,
    ),
    text=st.text(alphabet="ab1-_ é€.\\*$(\n", max_size=80),
    data=st.data(),
)
def test_the_known_values_proof_changes_nothing_a_masker_returns(
    values: list[str], text: str, data: st.DataObject
) -> None:
    """A masker with many known values skips looking for each when RE2 finds none of them in a
    string; what it returns is what the value-by-value replacement returns, also for values made
    of RE2's own syntax characters."""
    pieces = [text, *values, *(v[: len(v) // 2] for v in values), "a", "1", " "]
    built = "".join(data.draw(st.lists(st.sampled_from(pieces), max_size=8)))
    masker = redact.Masker.of((v, "secret") for v in values)
    assert len(masker.known) >= redact._KNOWN_PROOF_MIN_VALUES
    expected = redact.generic(redact._replace_known(masker.known, built))
    assert masker.text(built) == expected
