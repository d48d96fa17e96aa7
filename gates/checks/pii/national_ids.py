"""National identifiers beyond the US SSN: the table of detectors the value scanner runs.

Each `IdKind` names its rule (`pii.<id>`), the validator from idchecks.py, and how candidates are
found:

* `shape`: an re2 pattern (no capture groups) distinctive enough to be checked wherever it
  occurs: letters in fixed places (UK NINO, Indian PAN, Spanish DNI/NIE, codice fiscale,
  Singapore NRIC/FIN, Mexican CURP) or fixed punctuation (formatted CPF/CNPJ, spaced French NIR).
* `keywords`: a pure digit run (BSN, TFN, SIN, Aadhaar, Steuer-IdNr, plain CPF/CNPJ, compact
  NIR) is only a candidate after one of these words on the same line (at most 32 other
  characters between them: no digit, operator or opening parenthesis): most nine- to fifteen-digit numbers in code are ids,
  amounts or timestamps. The policy may replace a kind's words (`national_id_keywords`).

A keyword matches where a word starts (after a non-letter or `_`); keywords of five or more
letters also match as the start of a longer word (`steuer` in `steuerId`, `aadhaar` in
`aadhaarNumber`), shorter ones only whole (`sin` is not `single`). Spaces in a keyword match a
space, `_` or `-`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping

from gates.checks.pii import idchecks
from gates.record import record

# Between a keyword and its number: labels and punctuation (`: `, ` = '`, `": "`, ` no. `), never
# a digit, a line break or an operator or call (`sin(x) * 198344418` is arithmetic, not a SIN).
GAP = rb"[^\n0-9(*+/<>|&%^]{0,32}"
# A digit group after a keyword: digits in groups joined by single spaces, dots or dashes.
DIGITS_AFTER = rb"[0-9]+(?:[ .-][0-9]+)*"
_SEPARATORS = re.compile(r"[\s./-]")


@record
class IdKind:
    id: str  # rule suffix: pii.<id>
    label: str  # what a finding calls it
    check: str  # the rule it passes, for messages
    validate: Callable[[str], bool]
    lengths: tuple[int, ...]  # compact lengths a keyword-found digit run may have
    shape: bytes | None = None  # found anywhere (re2, no groups), or None
    keywords: tuple[str, ...] = ()  # context words for the digit-only form

    @property
    def rule(self) -> str:
        return f"pii.{self.id}"


def normalise(text: str) -> str:
    """The compact, upper-case value: spaces, dots, dashes and slashes removed."""
    return _SEPARATORS.sub("", text).upper()


KINDS: tuple[IdKind, ...] = (
    IdKind(
        id="uk-nino",
        label="UK National Insurance number",
        check="HMRC prefix rules",
        validate=idchecks.uk_nino,
        lengths=(),
        shape=rb"[A-Z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]",
    ),
    IdKind(
        id="ca-sin",
        label="Canadian Social Insurance Number",
        check="Luhn",
        validate=idchecks.ca_sin,
        lengths=(9,),
        keywords=("sin", "social insurance number", "social insurance no", "assurance sociale"),
    ),
    IdKind(
        id="br-cpf",
        label="Brazilian CPF",
        check="two mod-11 check digits",
        validate=idchecks.br_cpf,
        lengths=(11,),
        shape=rb"[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}",
        keywords=("cpf",),
    ),
    IdKind(
        id="br-cnpj",
        label="Brazilian CNPJ",
        check="two mod-11 check digits",
        validate=idchecks.br_cnpj,
        lengths=(14,),
        shape=rb"[0-9]{2}\.[0-9]{3}\.[0-9]{3}/[0-9]{4}-[0-9]{2}",
        keywords=("cnpj",),
    ),
    IdKind(
        id="in-aadhaar",
        label="Indian Aadhaar number",
        check="Verhoeff",
        validate=idchecks.in_aadhaar,
        lengths=(12,),
        keywords=("aadhaar", "aadhar", "uidai"),
    ),
    IdKind(
        id="in-pan",
        label="Indian PAN",
        check="PAN structure and holder type",
        validate=idchecks.in_pan,
        lengths=(),
        shape=rb"[A-Z]{3}[PCHFATBLJG][A-Z][0-9]{4}[A-Z]",
    ),
    IdKind(
        id="es-dni",
        label="Spanish DNI",
        check="mod-23 letter",
        validate=idchecks.es_dni,
        lengths=(),
        shape=rb"[0-9]{8}-?[A-HJ-NP-TV-Z]",
    ),
    IdKind(
        id="es-nie",
        label="Spanish NIE",
        check="mod-23 letter",
        validate=idchecks.es_nie,
        lengths=(),
        shape=rb"[XYZ]-?[0-9]{7}-?[A-HJ-NP-TV-Z]",
    ),
    IdKind(
        id="it-codice-fiscale",
        label="Italian codice fiscale",
        check="check character",
        validate=idchecks.it_codice_fiscale,
        lengths=(),
        shape=rb"[A-Z]{6}[0-9LMNP-V]{2}[ABCDEHLMPRST][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z]",
    ),
    IdKind(
        id="nl-bsn",
        label="Dutch BSN",
        check="11-proef",
        validate=idchecks.nl_bsn,
        lengths=(9,),
        keywords=("bsn", "burgerservicenummer", "sofinummer", "sofi nummer"),
    ),
    IdKind(
        id="fr-nir",
        label="French NIR (numéro de sécurité sociale)",
        check="mod-97 key",
        validate=idchecks.fr_nir,
        lengths=(15,),
        shape=rb"[1-478] [0-9]{2} [0-9]{2} (?:[0-9]{2}|2[AB]) [0-9]{3} [0-9]{3} [0-9]{2}"
        rb"|[1-478][0-9]{4}2[AB][0-9]{8}",
        keywords=("nir", "insee", "securite sociale", "sécurité sociale", "secu", "sécu"),
    ),
    IdKind(
        id="de-tax-id",
        label="German tax id (Steuer-IdNr)",
        check="ISO 7064 MOD 11,10",
        validate=idchecks.de_tax_id,
        lengths=(11,),
        keywords=("steuer", "idnr", "identifikationsnummer", "tin"),
    ),
    IdKind(
        id="au-tfn",
        label="Australian Tax File Number",
        check="weighted mod 11",
        validate=idchecks.au_tfn,
        lengths=(8, 9),
        keywords=("tfn", "tax file number", "tax file no"),
    ),
    IdKind(
        id="sg-nric",
        label="Singapore NRIC/FIN",
        check="check letter",
        validate=idchecks.sg_nric,
        lengths=(),
        shape=rb"[STFGM][0-9]{7}[A-Z]",
    ),
    IdKind(
        id="mx-curp",
        label="Mexican CURP",
        check="check digit",
        validate=idchecks.mx_curp,
        lengths=(),
        shape=rb"[A-Z]{4}[0-9]{6}[HMX][A-Z]{5}[A-Z0-9][0-9]",
    ),
)

BY_ID: dict[str, IdKind] = {k.id: k for k in KINDS}
RULE_IDS: frozenset[str] = frozenset(k.rule for k in KINDS)
DEFAULT_KEYWORDS: dict[str, tuple[str, ...]] = {k.id: k.keywords for k in KINDS if k.keywords}


def keyword_pattern(word: str) -> bytes:
    """The re2 fragment of one keyword (see the module docstring), UTF-8 bytes, no groups."""
    parts = [re.escape(p).encode("utf-8") for p in word.strip().lower().split()]
    body = b"[ _-]?".join(parts)
    tail = rb"[A-Za-z_-]*" if len(word.replace(" ", "")) >= 5 else rb"(?:\b|_)"
    return rb"(?:\b|_)" + body + tail


def keyword_group(keywords: Mapping[str, tuple[str, ...]]) -> bytes | None:
    """One alternative matching any keyword, the gap and a digit group; None without keywords."""
    words = sorted({w for ws in keywords.values() for w in ws}, key=lambda w: (-len(w), w))
    if not words:
        return None
    alternatives = b"|".join(keyword_pattern(w) for w in words)
    return rb"(?i:(?:" + alternatives + rb"))" + GAP + DIGITS_AFTER


@functools.cache
def keywords_regex(words: tuple[str, ...]) -> re.Pattern[bytes]:
    """Python's compiled form of a kind's keywords, to tell which kinds a keyword match names."""
    return re.compile(b"|".join(keyword_pattern(w) for w in words), re.IGNORECASE)
