"""Masked forms of secrets: the type and the last 4 characters, never enough to use or guess.

The form is the masking boundary's (`gates.redact.mask_secret`), so a secret looks the same in a
finding, a SAST snippet of the same line, a log line or an error: `[stripe-key ••••p7dc]`. Values
shorter than 16 characters show no characters at all (4 of them would be a strong hint).
"""

from __future__ import annotations

from gates.redact import mask_secret


def mask(value: str, kind: str = "secret") -> str:
    """`[stripe-key ••••p7dc]`; `[keyword ••••]` for short values; `[private-key ••••]`."""
    return mask_secret(value, kind)
