"""PII-named fields holding literal values in fixture and data files (rule pii.field-name).

Some PII has no recognisable shape (a CVV is any 3–4 digits, a date of birth any date), but the
field's name says what it is. In files the policy calls fixtures or data, a key/value pair
(`"cvv": "123"`, `dob: 1990-01-01`, `passport_number="X1234567"`) or a CSV column whose header is
a PII field name is reported when its value is a literal that is not a placeholder (`REDACTED`,
`***`, `<cvv>`, `{{ cvv }}`, empty, …). Fields whose values are validated by shape (card numbers,
IBANs, SSNs) are left to those rules: a Luhn-invalid "card_number" is not PII.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from gates.checks.pii.fieldnames import normalise
from gates.record import record

VALUE_CHECKED = frozenset(
    map(
        normalise,
        (
            "card_number", "card_no", "card_num", "pan", "primary_account_number", "cc_number",
            "ccnum", "cc_num", "credit_card", "credit_card_number", "debit_card_number", "iban",
            "ssn", "social_security_number",
        ),
    )
)  # fmt: skip

_PAIR = re.compile(
    r"""(?:^|(?<=[\s{,(\[]))["']?(?P<key>[A-Za-z][A-Za-z0-9_.-]{1,63})["']?[ \t]*[:=][ \t]*"""
    r"""(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s,;}\]\)#"']+))""",
    re.MULTILINE,
)
_PLACEHOLDER = re.compile(
    r"(?i)(?:|null|none|nil|true|false|redacted|masked|hidden|removed|omitted|n/?a|tbd|todo|"
    r"changeme|test|dummy|fake|example|sample|placeholder|unknown|[x*•#?_.\s-]+|<[^>]*>|"
    r"\{\{.*\}\}|\$\{.*\}|%\(.*\)s|\{[^}]*\}|.*(?:\*\*\*|•|xxxx).*)"
)
_DIGIT = re.compile(r"\d")


@record
class FieldValue:
    field: str
    value: str
    line: int
    column: int


def _literal(value: str, *, quoted: bool) -> bool:
    value = value.strip()
    if _PLACEHOLDER.fullmatch(value):
        return False
    return quoted or _DIGIT.search(value) is not None  # bare words are variables, not data


def find(path: str, text: str, fields: frozenset[str]) -> Iterator[FieldValue]:
    wanted = fields - VALUE_CHECKED
    if path.lower().endswith((".csv", ".tsv")):
        yield from _csv(text, wanted, "\t" if path.lower().endswith(".tsv") else ",")
        return
    for m in _PAIR.finditer(text):
        key = m.group("key")
        if normalise(key) not in wanted:
            continue
        bare = m.group("bare")
        value = (
            bare
            if bare is not None
            else (m.group("dq") if m.group("dq") is not None else m.group("sq"))
        )
        if _literal(value, quoted=bare is None):
            line = text.count("\n", 0, m.start("key")) + 1
            column = m.start("key") - (text.rfind("\n", 0, m.start("key")) + 1) + 1
            yield FieldValue(field=key, value=value.strip(), line=line, column=column)


def _csv(text: str, wanted: frozenset[str], delimiter: str) -> Iterator[FieldValue]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            return
        columns = [(i, name.strip()) for i, name in enumerate(header) if normalise(name) in wanted]
        if not columns:
            return
        for row in reader:
            for index, name in columns:
                if index < len(row) and _literal(row[index], quoted=True):
                    yield FieldValue(
                        field=name, value=row[index].strip(), line=reader.line_num, column=1
                    )
    except csv.Error:
        # Not well-formed CSV: its cells can't be told apart. Value rules (PAN, IBAN, SSN, …)
        # still scanned every byte of it; only this name-based rule gives up on the rest.
        return
