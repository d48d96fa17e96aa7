"""Checksum and structure rules of national identifiers: pure functions over normalised values.

Each validator takes the compact, upper-case value (separators removed) and returns whether it is
a structurally valid identifier of its kind. Sources of each rule are named in its docstring; the
detectors that find candidates in text live in national_ids.py.
"""

from __future__ import annotations

from gates.checks.pii.cards import luhn_ok


def _digits(value: str, n: int) -> bool:
    return len(value) == n and value.isascii() and value.isdigit()


# --- United Kingdom -------------------------------------------------------------------------

# HMRC NIM39110: first letter never D F I Q U V; second never D F I O Q U V; these prefixes are
# not allocated; the suffix is A, B, C or D.
_NINO_BAD_PAIRS = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def uk_nino(value: str) -> bool:
    """UK National Insurance number: two prefix letters, six digits, suffix A–D."""
    if len(value) != 9 or not value[2:8].isdigit() or value[8] not in "ABCD":
        return False
    first, second = value[0], value[1]
    if not (first.isalpha() and second.isalpha() and value.isascii()):
        return False
    if first in "DFIQUV" or second in "DFIOQUV":
        return False
    return value[:2] not in _NINO_BAD_PAIRS


# --- Canada ---------------------------------------------------------------------------------


def ca_sin(value: str) -> bool:
    """Canadian Social Insurance Number: nine digits, Luhn; 0 and 8 are never issued first."""
    return _digits(value, 9) and value[0] not in "08" and luhn_ok(value)


# --- Brazil ---------------------------------------------------------------------------------


def _mod11_digit(digits: str, weights: tuple[int, ...]) -> int:
    rest = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if rest < 2 else 11 - rest


def br_cpf(value: str) -> bool:
    """Brazilian CPF: eleven digits, two mod-11 check digits (weights 10..2, then 11..2);
    a run of one repeated digit passes the arithmetic but is never issued."""
    if not _digits(value, 11) or len(set(value)) == 1:
        return False
    d1 = _mod11_digit(value[:9], tuple(range(10, 1, -1)))
    d2 = _mod11_digit(value[:10], tuple(range(11, 1, -1)))
    return value[9:] == f"{d1}{d2}"


_CNPJ_W1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def br_cnpj(value: str) -> bool:
    """Brazilian CNPJ: fourteen digits, two mod-11 check digits (weights 5..2 9..2, 6..2 9..2)."""
    if not _digits(value, 14) or len(set(value)) == 1:
        return False
    d1 = _mod11_digit(value[:12], _CNPJ_W1)
    d2 = _mod11_digit(value[:13], _CNPJ_W2)
    return value[12:] == f"{d1}{d2}"


# --- India ----------------------------------------------------------------------------------

# Verhoeff's dihedral-group tables (multiplication d, permutation p).
_VD = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VP = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_ok(digits: str) -> bool:
    """The Verhoeff check over a string of ASCII digits (check digit last)."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _VD[c][_VP[i % 8][ord(ch) - 48]]
    return c == 0


def in_aadhaar(value: str) -> bool:
    """Indian Aadhaar number: twelve digits, never starting with 0 or 1, Verhoeff check digit."""
    return _digits(value, 12) and value[0] not in "01" and verhoeff_ok(value)


# The fourth character names the holder: Person, Company, HUF, Firm, AOP, Trust, BOI, Local
# authority, artificial Juridical person, Government.
_PAN_HOLDERS = "PCHFATBLJG"


def in_pan(value: str) -> bool:
    """Indian Permanent Account Number: AAAPA9999A (five letters, four digits, a letter) whose
    fourth letter is a holder type; there is no public check-digit algorithm."""
    return (
        len(value) == 10
        and value.isascii()
        and value[:5].isalpha()
        and value[5:9].isdigit()
        and value[9].isalpha()
        and value[3] in _PAN_HOLDERS
    )


# --- Spain ----------------------------------------------------------------------------------

_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def es_dni(value: str) -> bool:
    """Spanish DNI: eight digits and the letter of the number mod 23."""
    return (
        _digits(value[:8], 8) and len(value) == 9 and _DNI_LETTERS[int(value[:8]) % 23] == value[8]
    )


def es_nie(value: str) -> bool:
    """Spanish NIE: X, Y or Z (read as 0, 1, 2), seven digits and the DNI letter of the number."""
    if len(value) != 9 or value[0] not in "XYZ" or not _digits(value[1:8], 7):
        return False
    number = int(str("XYZ".index(value[0])) + value[1:8])
    return _DNI_LETTERS[number % 23] == value[8]


# --- Italy ----------------------------------------------------------------------------------

# Values of a character in an odd (1st, 3rd, …) position of the codice fiscale, digits and
# letters alike (D.M. 23/12/1976, annex); even positions count 0–9 / A=0 … Z=25.
_CF_ODD = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25,
           24, 23)  # fmt: skip
_CF_MONTHS = "ABCDEHLMPRST"
_CF_OMOCODE = "LMNPQRSTUV"  # digits replaced by letters when two people share a code


def _cf_index(ch: str) -> int:
    return ord(ch) - 48 if ch.isdigit() else ord(ch) - 65


def it_codice_fiscale(value: str) -> bool:
    """Italian codice fiscale: 16 characters (surname, name, birth date and place, omocodia
    letters allowed in digit positions) whose last letter is the check character."""
    if len(value) != 16 or not value.isascii() or not value.isalnum():
        return False
    if not value[:6].isalpha() or value[8] not in _CF_MONTHS or not value[11].isalpha():
        return False
    for i in (6, 7, 9, 10, 12, 13, 14):
        if not (value[i].isdigit() or value[i] in _CF_OMOCODE):
            return False
    total = 0
    for i, ch in enumerate(value[:15]):
        idx = _cf_index(ch)
        total += _CF_ODD[idx] if i % 2 == 0 else idx
    return chr(65 + total % 26) == value[15]


# --- Netherlands ----------------------------------------------------------------------------


def nl_bsn(value: str) -> bool:
    """Dutch burgerservicenummer: nine digits passing the 11-proef (weights 9..2 and -1)."""
    if not _digits(value, 9) or value == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(value, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0


# --- France ---------------------------------------------------------------------------------


def fr_nir(value: str) -> bool:
    """French NIR (numéro de sécurité sociale): sex (1, 2, or 3, 4, 7, 8 for provisional
    numbers), year, month (01–12, 20–42 or 50–99 when unknown), department (2A/2B for Corsica),
    commune, order, and the key 97 − (number mod 97)."""
    if len(value) != 15 or not value.isascii() or value[0] not in "123478":
        return False
    body = value[:13]
    if body[5:7] in ("2A", "2B"):  # Corsica: 2A counts as 19, 2B as 18
        body = body[:5] + ("19" if body[6] == "A" else "18") + body[7:]
    if not body.isdigit() or not value[13:].isdigit():
        return False
    month = int(body[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99):
        return False
    return 97 - int(body) % 97 == int(value[13:])


# --- Germany --------------------------------------------------------------------------------


def iso7064_mod11_10_ok(digits: str) -> bool:
    """ISO/IEC 7064 MOD 11,10 over digits whose last one is the check digit."""
    product = 10
    for ch in digits[:-1]:
        total = (int(ch) + product) % 10 or 10
        product = total * 2 % 11
    return (11 - product) % 10 == int(digits[-1])


def de_tax_id(value: str) -> bool:
    """German Steuerliche Identifikationsnummer: eleven digits, no leading 0; in the first ten
    exactly one digit occurs twice or three times (three not all adjacent); ISO 7064 MOD 11,10."""
    if not _digits(value, 11) or value[0] == "0":
        return False
    head = value[:10]
    counts = sorted((head.count(d) for d in set(head)), reverse=True)
    if counts[0] not in (2, 3) or (len(counts) > 1 and counts[1] > 1):
        return False
    if counts[0] == 3 and any(head[i] == head[i + 1] == head[i + 2] for i in range(8)):
        return False
    return iso7064_mod11_10_ok(value)


# --- Australia ------------------------------------------------------------------------------


def au_tfn(value: str) -> bool:
    """Australian Tax File Number: nine digits (weights 1 4 3 7 5 8 6 9 10) or eight (weights
    10 7 8 4 6 3 5 1), weighted sum divisible by 11."""
    if _digits(value, 9):
        weights: tuple[int, ...] = (1, 4, 3, 7, 5, 8, 6, 9, 10)
    elif _digits(value, 8):
        weights = (10, 7, 8, 4, 6, 3, 5, 1)
    else:
        return False
    if len(set(value)) == 1:
        return False
    return sum(int(d) * w for d, w in zip(value, weights, strict=True)) % 11 == 0


# --- Singapore ------------------------------------------------------------------------------

_NRIC_CHECK = {
    "S": "JZIHGFEDCBA",
    "T": "JZIHGFEDCBA",
    "F": "XWUTRQPNMLK",
    "G": "XWUTRQPNMLK",
    "M": "KLJNPQRTUWX",
}
_NRIC_OFFSET = {"S": 0, "T": 4, "F": 0, "G": 4, "M": 3}


def sg_nric(value: str) -> bool:
    """Singapore NRIC/FIN: S, T, F, G or M, seven digits (weights 2 7 6 5 4 3 2, offset 4 for T
    and G, 3 for M) and the check letter of the sum mod 11."""
    if len(value) != 9 or value[0] not in _NRIC_CHECK or not _digits(value[1:8], 7):
        return False
    total = _NRIC_OFFSET[value[0]] + sum(
        int(d) * w for d, w in zip(value[1:8], (2, 7, 6, 5, 4, 3, 2), strict=True)
    )
    rest = total % 11
    if value[0] == "M":
        return _NRIC_CHECK["M"][10 - rest] == value[8]
    return _NRIC_CHECK[value[0]][rest] == value[8]


# --- Mexico ---------------------------------------------------------------------------------

_CURP_CHARS = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
_CURP_STATES = frozenset(
    [
        "AS",
        "BC",
        "BS",
        "CC",
        "CL",
        "CM",
        "CS",
        "CH",
        "DF",
        "DG",
        "GT",
        "GR",
        "HG",
        "JC",
        "MC",
        "MN",
        "MS",
        "NT",
        "NL",
        "OC",
        "PL",
        "QT",
        "QR",
        "SP",
        "SL",
        "SR",
        "TC",
        "TS",
        "TL",
        "VZ",
        "YN",
        "ZS",
        "NE",
    ]
)


def mx_curp(value: str) -> bool:
    """Mexican CURP: four letters, birth date YYMMDD, sex (H, M or X), state, three consonants,
    a differentiator and the check digit (sum of value × (18 − position), 10 − sum mod 10)."""
    if len(value) != 18 or not value[:4].isalpha() or not value[4:10].isdigit():
        return False
    if value[10] not in "HMX" or value[11:13] not in _CURP_STATES:
        return False
    if not value[13:16].isalpha() or not value[16].isalnum() or not value[17].isdigit():
        return False
    month, day = int(value[6:8]), int(value[8:10])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = 0
    for i, ch in enumerate(value[:17]):
        idx = _CURP_CHARS.find(ch)
        if idx < 0:
            return False
        total += idx * (18 - i)
    return (10 - total % 10) % 10 == int(value[17])
