"""Masked forms of secrets: enough to recognise a finding, never enough to use or guess it."""

from __future__ import annotations

BULLETS = "••••••••"


def mask(value: str) -> str:
    """`sk_l••••••••abcd` for long values; bullets only for short ones (guessable from a hint)."""
    v = value.strip()
    if "PRIVATE KEY" in v:
        return f"-----{v.strip('-').split('-----')[0].strip()}-----{BULLETS}"
    if len(v) >= 20:
        return f"{v[:4]}{BULLETS}{v[-4:]}"
    return BULLETS
