"""pii.log-field: PII fields flowing into stdlib logging and structlog calls."""

from __future__ import annotations

import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gates.checks.pii.gate import scan_text
from tests.gatekit import TEST_KEY

HEADER = (
    "import logging\nimport structlog\n"
    "log = structlog.get_logger()\nlogger = logging.getLogger(__name__)\n"
)

CASES: list[tuple[str, str, set[tuple[int, str]]]] = [
    # id, body (starts on line 5), expected {(line, field)}
    ("structlog-keyword", "log.info('charged', card_number=card.number)", {(5, "card_number")}),
    ("stdlib-fstring", "logger.info(f'charging {card.number}')", {(5, "card.number")}),
    ("stdlib-percent-args", "logger.info('card %s', card_number)", {(5, "card_number")}),
    ("percent-label", "logger.warning('ssn=%s', customer.tax_ref)", {(5, "ssn")}),
    ("percent-operator", "logger.debug('cvv is %s' % payload.cvv)", {(5, "cvv")}),
    ("format-method", "logger.error('iban {}'.format(account.iban))", {(5, "iban")}),
    ("format-named", "logger.error('{iban}'.format(iban=x))", {(5, "iban")}),
    ("extra-dict", "logger.info('paid', extra={'cardNumber': data['pan']})", {(5, "cardNumber")}),
    ("subscript-key", "log.info('paid', data=request.json['CARD-NUMBER'])", {(5, "CARD-NUMBER")}),
    ("logging-module", "logging.info('born on %s', user.date_of_birth)", {(5, "date_of_birth")}),
    ("bound-logger", "audit = log.bind(svc='pay')\naudit.info('x', cvv=c)", {(6, "cvv")}),
    ("inline-get-logger", "structlog.get_logger().info('x', ssn=s)", {(5, "ssn")}),
    ("self-logger", "self.logger.warning('x %s', self.card_number)", {(5, "card_number")}),
    ("multi-line-call", "logger.info(\n    'charged',\n    extra={'pan': pan},\n)", {(7, "pan")}),
    ("two-fields-one-call", "log.info('x', cvv=a, iban=b)", {(5, "cvv"), (5, "iban")}),
    ("masked-call", "log.info('x', card_number=mask_pan(card.number))", set()),
    ("sliced-last4", "log.info('x', last4=card.number[-4:])", set()),
    ("compared", "log.info('x', has_card=card_number is not None)", set()),
    ("constant-value", "log.info('x', card_number='redacted')", set()),
    ("length-only", "log.info('x', n=len(card_number))", set()),
    ("hashed", "log.info('x', pan=sha256_hex(pan))", set()),
    ("last4-helper", "log.info('x', card_number=get_last4(card.number))", set()),
    ("detokenize-is-not-masking", "log.info('x', pan=detokenize(token))", {(5, "pan")}),
    ("unmask-is-not-masking", "log.info('x', cvv=unmask(v))", {(5, "cvv")}),
    ("not-a-logger", "catalog.info('x', ssn=ssn)", set()),
    ("print-is-not-logging", "print(card_number)", set()),
    ("event-name-only", "log.info('card_number_missing')", set()),
    ("non-pii-field", "log.info('x', order_id=order.id, amount=amount)", set()),
    ("substring-is-not-field", "log.info('x', card_number_last4=c)", set()),
    ("string-with-paren", "log.info('a ) b', cvv=c)", {(5, "cvv")}),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_log_fields(body: str, expected: set[tuple[int, str]]) -> None:
    src = HEADER + textwrap.dedent(body) + "\n"
    found = scan_text("app/pay.py", src, key=TEST_KEY)
    assert {(f.location.line, dict(f.properties)["field"]) for f in found} == expected
    assert {f.rule for f in found} <= {"pii.log-field"}


def test_message_location_and_fingerprint() -> None:
    src = HEADER + "def charge(card):\n    log.info('charged', card_number=card.number)\n"
    (f,) = scan_text("app/pay.py", src, key=TEST_KEY)
    assert f.message == (
        "PII field 'card_number' is passed to log call log.info(): log a masked or tokenised form"
    )
    assert (f.location.line, f.location.column) == (6, 37)
    moved = (
        HEADER
        + "\n\n# moved\ndef charge(card):\n    log.info(  'charged',card_number=card.number )\n"
    )
    (g,) = scan_text("app/pay.py", moved, key=TEST_KEY)
    assert g.location.line == 9
    assert g.fingerprint == f.fingerprint  # no line numbers, formatting-insensitive


def test_whole_module_fallback_when_a_site_does_not_parse() -> None:
    # the call site's text is fine, but an unbalanced string trick defeats the extractor
    src = HEADER + 'x = """ log.info( """\nlog.info("x", cvv=c)\n'
    assert {f.location.line for f in scan_text("a.py", src, key=TEST_KEY)} == {6}


def test_unparsable_python_is_reported_not_skipped() -> None:
    src = (
        "import logging\nlog = logging.getLogger()\nprint 'py2'\nlog.info('x', cvv=c, print 'a')\n"
    )
    (f,) = scan_text("legacy.py", src, key=TEST_KEY)
    assert (f.rule, f.location.line, f.severity) == ("pii.unparsed", 3, "low")
    assert f.message == "not parsed as Python 3 (SyntaxError): log calls not checked"


def test_extra_field_names_and_sanitizers() -> None:
    src = HEADER + "log.info('x', customerTaxRef=a, vat=scrub_it(b), cvv=scrub_it(c))\n"
    cfg = {"extra_field_names": ["customer_tax_ref", "VAT"], "log_sanitizers": ["scrub_it"]}
    found = scan_text("a.py", src, key=TEST_KEY, config=cfg)
    assert [dict(f.properties)["field"] for f in found] == ["customerTaxRef"]


@pytest.mark.parametrize(
    ("source", "receiver"),
    [
        ("x = log.info(", "log"),
        (
            "structlog.get_logger(__name__).bind(a=f(x)).info(",
            "structlog.get_logger(__name__).bind(a=f(x))",
        ),
        ("self.loggers['pay'] .info(", "self.loggers['pay'] "),
        ("await  self . log.ainfo(", "self . log"),
        ("(1).info(", None),
        ("].info(", None),
    ],
    ids=["name", "nested-calls", "subscript", "spaces", "literal", "unbalanced"],
)
def test_receiver_start(source: str, receiver: str | None) -> None:
    from gates.checks.pii.callsites import receiver_start

    dot = source.rindex(".")
    start = receiver_start(source, dot)
    assert (None if start is None else source[start:dot]) == receiver


def test_nested_receiver_log_call_is_checked() -> None:
    src = HEADER + "structlog.get_logger(__name__).bind(svc=name(1)).info('x', cvv=c)\n"
    assert [f.location.line for f in scan_text("a.py", src, key=TEST_KEY)] == [5]


# The word `log` is noted by the value search itself (Scanner.scan_noting_log); a value match can
# swallow it, as in `DE89LOG...` or a digit run glued to `Log`, so the pieces mix both.
_PIECES = st.sampled_from(
    [
        "log", "LoG", "lo", "g", "L", "og", " ", "\n", "x", "DE89", "LOG", "ssn ", "4111",
        "4111111111111111", "123-45-6789", "37828224631000", "a@b.co", "+1 415 555 0100",
    ]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join), st.booleans())
def test_the_log_word_noted_during_the_value_search_is_the_log_word_searched_alone(
    text: str, fixtures: bool
) -> None:
    from gates.checks.pii.scanner import LOG_WORD, Scanner

    scanner = Scanner(())
    data = text.encode()
    hits, noted = scanner.scan_noting_log(data, fixtures=fixtures)
    assert noted is (re.search(LOG_WORD, data) is not None)
    assert hits == scanner.scan(data, fixtures=fixtures)
