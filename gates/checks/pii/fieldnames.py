"""PII field names: the default list, and the normal form that makes spellings compare equal.

`card_number`, `cardNumber`, `CARD-NUMBER` and `card.number` all normalise to `cardnumber`:
lower case, separators dropped. A name matches a field when the normal forms are equal (never a
substring: `card_number_last4` is not `card_number`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

DEFAULT_FIELD_NAMES: tuple[str, ...] = (
    # card data (PCI DSS: PAN and sensitive authentication data)
    "card_number", "card_no", "card_num", "pan", "primary_account_number", "cc_number", "ccnum",
    "cc_num", "credit_card", "credit_card_number", "debit_card_number", "cvv", "cvv2", "cvc",
    "cvc2", "card_cvv", "card_cvc", "security_code", "card_security_code",
    "card_verification_value", "track_data", "track1", "track2", "magstripe", "pin", "pin_block",
    "card_pin",
    # national identifiers
    "ssn", "social_security_number", "national_id", "national_insurance_number", "nino",
    "passport_number", "passport_no", "drivers_license", "drivers_license_number",
    "driver_license_number", "tax_id", "taxpayer_id",
    "social_insurance_number", "cpf", "cnpj", "aadhaar", "aadhaar_number", "pan_card",
    "dni", "nie", "codice_fiscale", "bsn", "burgerservicenummer", "nir", "steuer_id",
    "steuerid", "steuer_idnr", "tax_file_number", "tfn", "nric", "curp",
    # bank accounts
    "iban", "bank_account_number", "account_number",
    # identity
    "date_of_birth", "dob", "birth_date", "birthdate",
)  # fmt: skip

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(name: str) -> str:
    """`cardNumber`, `card_number`, `CARD-NUMBER`, `card.number` -> `cardnumber`."""
    return _NOT_ALNUM.sub("", name.lower())


def prefilter_pattern(names: Iterable[str]) -> bytes:
    """A regex (re2 syntax, bytes) finding every spelling of `names` as a whole word.

    A superset of what `normalise` equality accepts (separators `_`, `.`, `-`, space anywhere),
    used to decide which files and call sites deserve the exact, slower check. Letters or digits
    on either side mean a longer name (`company` is not `pan`), so those are left out.
    """
    alts = sorted(
        {"[ _.-]?".join(re.escape(ch) for ch in normalise(n)) for n in names if normalise(n)}
    )
    return ("(?:^|[^A-Za-z0-9])(?i:" + "|".join(alts) + ")(?:[^A-Za-z0-9]|$)").encode()
