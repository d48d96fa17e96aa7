"""The pii gate's rules: ids, severities and the help `gates explain` shows."""

from __future__ import annotations

from gates.checks.pii import national_ids
from gates.model import RuleInfo, Severity

PAN = RuleInfo(
    id="pii.pan",
    name="card-number",
    summary="A payment card number (Luhn-valid, in a card network's issuer range) in clear text.",
    help="A PAN in source, fixtures or data puts the repository in PCI DSS scope and leaks "
    "cardholder data to everyone with read access. Remove it and purge it from history (git "
    "filter-repo), then treat it as exposed: tell the card owner's issuer through your "
    "processor. In code, keep the processor's token (or your vault's) instead of the number; "
    "in tests use a published test number (Stripe, Braintree, Adyen, PayPal) in a test path; "
    "in logs and errors print the masked form (first 6, last 4 at most).",
    default_severity=Severity.CRITICAL,
    tags=("CWE-312", "CWE-359", "PCI-DSS-3.4"),
)
PAN_TEST = RuleInfo(
    id="pii.pan-test",
    name="test-card-number",
    summary="A publicly documented test card number (e.g. 4242 4242 4242 4242).",
    help="Test numbers move no money, but outside tests they point at a test branch or a "
    "hard-coded fallback in production code. Move the test into a test path (the pii policy's "
    "`test_paths`, e.g. tests/, spec/, __tests__/, *_test.py, where these numbers are not "
    "reported), or delete the fallback and take the card from the processor's token at run time.",
    default_severity=Severity.LOW,
    tags=("CWE-489",),
)
IBAN = RuleInfo(
    id="pii.iban",
    name="iban",
    summary="An IBAN (registered country length, mod-97 valid) in clear text.",
    help="A bank account number identifies a person and enables direct-debit fraud. Remove it "
    "and purge it from history; in code keep the processor's bank-account or mandate token "
    "instead; in tests generate IBANs at run time or use one with wrong check digits (it fails "
    "mod-97 and is not reported); in logs print the masked form (country, check digits, last 4).",
    default_severity=Severity.HIGH,
    tags=("CWE-312", "CWE-359"),
)
SSN = RuleInfo(
    id="pii.ssn",
    name="us-ssn",
    summary="A US Social Security number (valid area, group and serial) in clear text.",
    help="SSNs enable identity theft and are regulated PII. Remove it and purge it from "
    "history; store a token or an internal person id and look the SSN up in the system of record "
    "when needed; in tests use numbers the SSA never issues (area 000, 666 or 900-999), which "
    "are not reported; in logs print the last 4 only. Plain nine-digit numbers are only "
    "reported next to words such as 'SSN'.",
    default_severity=Severity.HIGH,
    tags=("CWE-312", "CWE-359"),
)
EMAIL = RuleInfo(
    id="pii.email",
    name="email-in-fixture",
    summary="A personal e-mail address in a fixture or data file.",
    help="Fixtures copied from production carry customers' addresses. Replace them with addresses "
    "under the reserved domains example.com/.org/.net or .test/.example/.invalid (never "
    "reported), or generate them (Faker) when the test runs; never copy production rows into "
    "fixtures without anonymising them.",
    default_severity=Severity.MEDIUM,
    tags=("CWE-359",),
)
PHONE = RuleInfo(
    id="pii.phone",
    name="phone-in-fixture",
    summary="A phone number in a fixture or data file.",
    help="Fixtures copied from production carry customers' phone numbers. Replace them with "
    "fictional numbers (e.g. US 555-0100 to 555-0199, never reported) or generate them when the "
    "test runs; anonymise production extracts before they become fixtures.",
    default_severity=Severity.MEDIUM,
    tags=("CWE-359",),
)
FIELD_NAME = RuleInfo(
    id="pii.field-name",
    name="pii-field-in-fixture",
    summary="A PII-named field (cvv, date_of_birth, passport_number, …) holding a literal value "
    "in a fixture or data file.",
    help="Values of fields such as CVV or date of birth cannot be recognised by shape, but their "
    "name says what they are. Replace the value with a placeholder (`REDACTED`, `***`, empty) "
    "or a generated value; a CVV must never be stored at all (PCI DSS 3.3.1), not even in "
    "fixtures.",
    default_severity=Severity.MEDIUM,
    tags=("CWE-359",),
)
LOG_FIELD = RuleInfo(
    id="pii.log-field",
    name="pii-in-log-call",
    summary="A PII field (card_number, cvv, ssn, iban, …) is passed to a log call.",
    help="Logs are shipped to many systems and kept for years; PCI DSS forbids PANs and CVVs "
    "in them. Log a masked or tokenised form (`mask_pan(card.number)`, `card.last4`, the "
    "processor's token) or drop the field; name your own masking function in the policy's "
    "`log_sanitizers` so it is recognised. If such logs were already shipped, purge them.",
    default_severity=Severity.HIGH,
    tags=("CWE-532", "PCI-DSS-3.4"),
)
UNPARSED = RuleInfo(
    id="pii.unparsed",
    name="python-not-parsed",
    summary="A Python file could not be parsed, so its log calls were not checked.",
    help="The file has a syntax error (or targets Python 2), so its log calls were not checked "
    "for PII. Fix the syntax, or exclude the file from the pii gate's paths if it is not Python "
    "3 code (a template, a deliberately broken test input).",
    default_severity=Severity.LOW,
)
CUSTOM = RuleInfo(
    id="pii.custom",
    name="policy-pattern",
    summary="A match of a pattern the policy defines (`extra_patterns`); rule id pii.custom.<id>.",
    help="Your policy names this pattern as sensitive; its message says what it is. Remove the "
    "value and purge it from history, keep a token or reference instead, and mask it in logs; if "
    "the match is not sensitive, narrow the pattern in the policy's `extra_patterns`.",
    default_severity=Severity.HIGH,
    tags=("CWE-359",),
)

NATIONAL_IDS: tuple[RuleInfo, ...] = tuple(
    RuleInfo(
        id=kind.rule,
        name=kind.id,
        summary=f"A {kind.label} ({kind.check} valid) in clear text"
        + (" (digit-only form: only next to a keyword such as "
           f"'{kind.keywords[0]}')." if kind.keywords else "."),
        help=f"A {kind.label} identifies a person and is regulated personal data (GDPR art. 87 "
        "and national law). Do not keep it in code, fixtures or logs: store a token or an "
        "internal customer reference instead and look the real value up in the system of "
        "record at run time; in tests use a value that fails the check "
        f"({kind.check}) or a generator; in log calls mask it to the last 4 characters. "
        "Remove it from the file and purge it from history.",
        default_severity=Severity.HIGH,
        tags=("CWE-312", "CWE-359"),
    )
    for kind in national_ids.KINDS
)  # fmt: skip

ALL: tuple[RuleInfo, ...] = (
    PAN,
    PAN_TEST,
    IBAN,
    SSN,
    *NATIONAL_IDS,
    EMAIL,
    PHONE,
    FIELD_NAME,
    LOG_FIELD,
    UNPARSED,
    CUSTOM,
)
