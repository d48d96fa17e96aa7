"""Proofs that a text holds nothing a slow generic mask could match, each in one RE2 pass.

`redact.generic` masks with Python regular expressions (look-around, a backreference, Unicode
`\\s`, `\\d` and case folding) every string that leaves the process, the rendered report last:
on the stripe SDK they took ~190 ms of a warm three-gate run writing SARIF, where not one text
had a match for the credential assignments, the provider shapes or IBANs, and one for a PAN.

Each pattern here is a **superset** of one of redact's: the same text with `\\b`, negative
look-behinds and the backreference dropped (a card number's look-arounds are matched as the
character beside it), a positive look-behind matched as plain text, no class narrower, and
Python's Unicode whitespace, digits and case folding spelt out (`tests/test_redact_proof.py`
holds each to Python's definition, and every redact pattern to being found by its proof). So
when RE2 finds no match, the Python pattern cannot match either and is not run; when it finds
one, the Python pattern runs as before, and decides. A text RE2 cannot read (a lone surrogate)
gets no proof. RE2 runs a DFA: ~0.5 ms for a 400 kB report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gates.checks.pii.engine import Pattern

# Python's `\s` for str patterns, character by character (the test holds it to Python's): used
# both as a class and inside negated ones, so it must be exactly Python's set.
SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_SPACE_SET = "".join(f"\\x{{{ord(c):x}}}" for c in SPACES)  # a class body
_WS = f"[{_SPACE_SET}]"
_DIGIT = r"\p{Nd}"  # Python's `\d` for str patterns: Unicode decimal digits
# The characters other than the ASCII pair that Python's case-insensitive matching folds onto a
# letter (re's _casefix and Unicode simple case folding): the dotted and dotless i, the Kelvin
# sign, the long s.
_FOLDS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
_FOLDED = "".join(_FOLDS.values())


def _nocase(word: str) -> str:
    """`word` as RE2 classes matching what Python's (?i) matches letter by letter."""
    out = []
    for ch in word:
        if ch.isalpha():
            out.append(f"[{ch.lower()}{ch.upper()}{_FOLDS.get(ch.lower(), '')}]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _keywords() -> str:
    sep = "[_-]?"
    words = [
        _nocase("password"),
        _nocase("passwd"),
        _nocase("pwd"),
        _nocase("passphrase"),
        _nocase("secret"),
        _nocase("api") + sep + _nocase("key"),
        _nocase("apikey"),
        _nocase("access") + sep + _nocase("key"),
        _nocase("token"),
    ]
    return "(?:" + "|".join(words) + ")"


# redact._ASSIGNED: a quoted value after a credential-named key, a bearer token, a URL password.
ASSIGNED = (
    _keywords()
    + f"(?:[_-]?{_nocase('key')})?[\"']?{_WS}*(?:=|:|=>){_WS}*"
    + f"[\"'][^\"'{{}}$%<>{_SPACE_SET}]{{4,}}[\"']"
    + f"|{_nocase('bearer')}{_WS}+[0-9A-Za-z._~+/{_FOLDED}-]{{16}}"  # (?i) widens A-Za-z
    + f"|://[^/:@{_SPACE_SET}]{{1,64}}:[^/@{_SPACE_SET}]{{3}}"
)
# redact._PAN: 13-19 digits, or grouped 4-4-4-1..7 / 4-6-4..5 with one separator kind, not glued
# to letters, digits or a decimal point before, nor to letters or digits after.
_D = _DIGIT
PAN = (
    r"(?:\A|[^0-9A-Za-z.])"
    + f"(?:{_D}{{13,19}}|{_D}{{4}}[ -]{_D}{{4}}[ -]{_D}{{4}}[ -]{_D}{{1,7}}"
    + f"|{_D}{{4}}[ -]{_D}{{6}}[ -]{_D}{{4,5}})"
    + r"(?:[^0-9A-Za-z]|\z)"
)
# redact._IBAN: two capitals, two digits, 11 or more letters or digits (single spaces between).
IBAN = f"[A-Z]{{2}}{_DIGIT}{{2}}(?: ?[A-Z0-9]){{11}}"


def shape(pattern: str) -> str:
    """The RE2 superset of one of redact's credential shapes (written for both engines): `\\b`
    and negative look-behinds dropped, a positive look-behind matched as plain text, `\\Z`
    spelt `\\z`."""
    out = pattern.replace(r"\b", "").replace(r"\Z", r"\z")
    out = re.sub(r"\(\?<!\[[^\]]*\]\)", "", out)  # (?<![...]): a character that must not precede
    return out.replace("(?<=", "(?:")


@cache
def _compiled(pattern: str) -> Pattern:
    # the package's re2 wrapper, imported when a proof is first needed (redact loads with every
    # command; re2 and the pii package only with a text long enough)
    from gates.checks.pii import engine

    compiled = engine.compile_bytes(pattern.encode("utf-8"), latin1=False)
    if compiled is None:
        raise RuntimeError(f"re2 rejected a built-in masking proof: {pattern[:80]!r}")
    return compiled


def any_literal(values: Iterable[str]) -> str | None:
    """An RE2 pattern matching any of `values` as written (each character that is not a letter
    or digit spelt `\\x{...}`, so no value can be read as syntax); None when a value cannot be
    encoded (a lone surrogate) or there are none."""
    alternatives = []
    for value in values:
        if encoded(value) is None:
            return None
        alternatives.append("".join(c if c.isalnum() else f"\\x{{{ord(c):x}}}" for c in value))
    return "|".join(alternatives) or None


def encoded(text: str) -> bytes | None:
    """`text` as RE2 reads it (UTF-8), or None when it holds a lone surrogate."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def may_match(pattern: str, data: bytes) -> bool:
    """False only when `data` (encoded) holds no match of the RE2 pattern `pattern`."""
    return _compiled(pattern).search(data) is not None
