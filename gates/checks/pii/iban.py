"""IBANs (ISO 13616): the registered country lengths and the mod-97 check.

An IBAN candidate is valid when its country is in the SWIFT IBAN registry, its length is that
country's length, its check digits are 02–98 and the mod-97 remainder of the rearranged number is 1.
"""

from __future__ import annotations

# Country code -> total IBAN length (SWIFT IBAN registry).
LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip

MIN_LENGTH = min(LENGTHS.values())
MAX_LENGTH = max(LENGTHS.values())


def mod97(iban: str) -> int:
    """The ISO 7064 MOD 97-10 remainder of a compact, upper-case IBAN (letters A=10 … Z=35)."""
    rearranged = iban[4:] + iban[:4]
    remainder = 0
    for ch in rearranged:
        value = ord(ch) - 48 if ch.isdigit() else ord(ch) - 55
        remainder = (remainder * (100 if value > 9 else 10) + value) % 97
    return remainder


def is_valid(iban: str) -> bool:
    """True when a compact, upper-case string is a structurally valid IBAN."""
    if LENGTHS.get(iban[:2]) != len(iban) or not iban[2:4].isdigit():
        return False
    if not 2 <= int(iban[2:4]) <= 98 or not iban[4:].isalnum() or not iban.isascii():
        return False
    return mod97(iban) == 1
