"""The pii gate's rules: ids, severities and the help `gates explain` shows."""

from __future__ import annotations

from gates.model import RuleInfo, Severity

PAN = RuleInfo(
    id="pii.pan",
    name="card-number",
    summary="A payment card number (Luhn-valid, in a card network's issuer range) in clear text.",
    help="A PAN in source, fixtures or data puts the repository in PCI DSS scope and leaks "
    "cardholder data to everyone with read access. Remove it (and purge it from history), use a "
    "network test number in tests, or load real data from a tokenised vault at run time.",
    default_severity=Severity.CRITICAL,
    tags=("CWE-312", "CWE-359"),
)
PAN_TEST = RuleInfo(
    id="pii.pan-test",
    name="test-card-number",
    summary="A publicly documented test card number (e.g. 4242 4242 4242 4242).",
    help="Test numbers move no money, but outside tests they suggest test paths in production "
    "code. Keep them in test paths; the policy's `allow_test_cards_in` globs silence them there.",
    default_severity=Severity.LOW,
    tags=("CWE-489",),
)
IBAN = RuleInfo(
    id="pii.iban",
    name="iban",
    summary="An IBAN (registered country length, mod-97 valid) in clear text.",
    help="A bank account number identifies a person and enables direct-debit fraud. Remove "
    "it; in tests use a documented example IBAN in a path the policy exempts, or a generator.",
    default_severity=Severity.HIGH,
    tags=("CWE-312", "CWE-359"),
)
SSN = RuleInfo(
    id="pii.ssn",
    name="us-ssn",
    summary="A US Social Security number (valid area, group and serial) in clear text.",
    help="SSNs enable identity theft and are regulated PII. Remove it. Plain nine-digit numbers "
    "are only reported next to words such as 'SSN', so a finding is rarely an id by chance.",
    default_severity=Severity.HIGH,
    tags=("CWE-312", "CWE-359"),
)
EMAIL = RuleInfo(
    id="pii.email",
    name="email-in-fixture",
    summary="A personal e-mail address in a fixture or data file.",
    help="Fixtures copied from production carry customers' addresses. Replace them with addresses "
    "under the reserved domains example.com/.org/.net or .test/.example/.invalid (never reported).",
    default_severity=Severity.MEDIUM,
    tags=("CWE-359",),
)
PHONE = RuleInfo(
    id="pii.phone",
    name="phone-in-fixture",
    summary="A phone number in a fixture or data file.",
    help="Fixtures copied from production carry customers' phone numbers. Use fictional numbers "
    "(e.g. US 555-0100 to 555-0199, never reported).",
    default_severity=Severity.MEDIUM,
    tags=("CWE-359",),
)
FIELD_NAME = RuleInfo(
    id="pii.field-name",
    name="pii-field-in-fixture",
    summary="A PII-named field (cvv, date_of_birth, passport_number, …) holding a literal value "
    "in a fixture or data file.",
    help="Values of fields such as CVV or date of birth cannot be recognised by shape, but their "
    "name says what they are. Replace the value with a placeholder (`REDACTED`, `***`, empty).",
    default_severity=Severity.MEDIUM,
    tags=("CWE-359",),
)
LOG_FIELD = RuleInfo(
    id="pii.log-field",
    name="pii-in-log-call",
    summary="A PII field (card_number, cvv, ssn, iban, …) is passed to a log call.",
    help="Logs are shipped to many systems and kept for years; PCI DSS forbids PANs and CVVs "
    "in them. Log a masked or tokenised form (`mask_pan(card.number)`, `card.last4`) or drop it.",
    default_severity=Severity.HIGH,
    tags=("CWE-532",),
)
UNPARSED = RuleInfo(
    id="pii.unparsed",
    name="python-not-parsed",
    summary="A Python file could not be parsed, so its log calls were not checked.",
    help="The file has a syntax error (or targets Python 2). Fix the syntax, or exclude the file "
    "from the pii gate's paths if it is not Python 3 code.",
    default_severity=Severity.LOW,
)
CUSTOM = RuleInfo(
    id="pii.custom",
    name="policy-pattern",
    summary="A match of a pattern the policy defines (`extra_patterns`); rule id pii.custom.<id>.",
    help="Your policy names this pattern as sensitive; see its message. Remove or mask the value.",
    default_severity=Severity.HIGH,
    tags=("CWE-359",),
)

ALL: tuple[RuleInfo, ...] = (
    PAN,
    PAN_TEST,
    IBAN,
    SSN,
    EMAIL,
    PHONE,
    FIELD_NAME,
    LOG_FIELD,
    UNPARSED,
    CUSTOM,
)
