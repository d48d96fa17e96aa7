"""Masked forms of sensitive values: what reports may show instead of the value itself.

PAN: first 6 and last 4 digits at most, grouped in fours (`4111 11•• •••• 1111`); fewer are
shown for short numbers so at least half the digits stay hidden. IBAN: country, check digits and
the last 4 (`DE89 •••• •••• •••• ••30 00`). SSN and national ids: last 4. E-mail, phone and custom matches keep
only a few outer characters.
"""

from __future__ import annotations

from gates.redact import generic
from gates.redact import mask_iban as mask_iban  # one masked form: the boundary's
from gates.redact import mask_national_id as mask_national_id
from gates.redact import mask_pan as mask_pan

BULLET = "•"


def mask_ssn(digits: str) -> str:
    return f"{BULLET * 3}-{BULLET * 2}-{digits[-4:]}"


def mask_email(address: str) -> str:
    local, _, domain = address.rpartition("@")
    host, _, tld = domain.rpartition(".")
    return f"{local[:1]}{BULLET * 3}@{host[:1]}{BULLET * 3}.{tld}"


def mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    prefix = "+" if phone.startswith("+") else ""
    return prefix + BULLET * (len(digits) - 2) + digits[-2:]


def mask_generic(value: str) -> str:
    """Custom-pattern matches: length kept, at most the last 2 characters shown."""
    keep = 2 if len(value) >= 8 else 0
    return BULLET * (len(value) - keep) + value[len(value) - keep :]


def mask_digit_runs(text: str) -> str:
    """Defence in depth for snippets: the boundary's generic pass (PAN-shaped runs that pass Luhn
    and an issuer range, IBANs, credential shapes). Dates, amounts and ids stay readable: hiding
    every 6+ digit run turned `2026-12-14` into `••••-••-14`."""
    return generic(text)
