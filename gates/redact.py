"""The masking boundary: every string that leaves the process passes one `Masker`.

Reports (every format, the step summary, the evidence file), log lines, error messages and cache
entries are masked here, so a scanner for card numbers and secrets never becomes the place they
leak from. A masker knows two things:

* **Known values** that gates found (PAN, IBAN, SSN, secrets, PII field values). A gate hands
  them over in `sensitive.value` / `sensitive.kind` properties of its findings: those live only
  in memory (the view never renders a `sensitive.` key, the cache strips them), and
  `Masker.from_findings` learns every one, so a secret found by the secrets gate is also masked
  in a SAST snippet of the same line, and a PAN in a secrets snippet.
* **Generic shapes**, found in any free text: PAN-shaped digit runs (13-19 digits, contiguous or
  in groups of four, Luhn-valid *and* in an issuer range), IBANs (mod-97), well-known credential
  formats (Stripe, Adyen, Braintree, PayPal, Square, Checkout.com, GoCardless, Plaid, Twilio,
  AWS, GitHub, Slack, Google, JWT, private-key blocks, `Bearer` tokens, URL
  passwords, quoted `password = "..."` assignments) and high-entropy tokens.

What a masked value looks like (the useful parts are kept, PCI DSS 3.4.1):

    PAN     4539148803436467            -> 4539 14•• •••• 6467   (first 6 / last 4 at most)
    IBAN    DE89370400440532013000      -> DE89 •••• •••• •••• ••30 00
    SSN     536-22-1471                 -> •••-••-1471
    ids     AB 12 34 56 C (UK NINO)     -> •••••56C               (last 4 of the compact form)
    secret  sk_live_…T1zdp7dc           -> [stripe-key ••••p7dc] (type and last 4)
    other   jane.doe@example.com        -> ••••••••••••••••••om

It is precise on purpose: dates, times, UUIDs, amounts, line numbers, version strings and hex
hashes are left alone (tests/test_redact.py holds the near-miss table). The pass runs over output
strings only, never over scanned files.
"""

from __future__ import annotations

import base64
import functools
import math
import re
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field, fields, is_dataclass, replace
from enum import Enum
from typing import Any, TypeVar

from gates import redact_proof
from gates.record import record

BULLET = "•"
SENSITIVE_PREFIX = "sensitive."
VALUE_KEY = "sensitive.value"  # the raw value a finding is about: memory only, never rendered
KIND_KEY = "sensitive.kind"  # pan | iban | ssn | national-id | secret:<type> | pii

_T = TypeVar("_T")

# ---------------------------------------------------------------------------------------------
# Masked forms


def _group4(text: str) -> str:
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def mask_pan(digits: str) -> str:
    """First 6 and last 4 at most (first 4 for numbers shorter than 15), grouped in fours."""
    head = 6 if len(digits) >= 15 else 4
    return _group4(digits[:head] + BULLET * (len(digits) - head - 4) + digits[-4:])


def mask_iban(iban: str) -> str:
    compact = iban.replace(" ", "")
    return _group4(compact[:4] + BULLET * (len(compact) - 8) + compact[-4:])


def mask_ssn(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return f"{BULLET * 3}-{BULLET * 2}-{digits[-4:]}"


def mask_national_id(value: str) -> str:
    """A national identifier (UK NINO, CPF, Aadhaar, BSN, …): nothing but the last 4 characters
    of its compact form, every other character a bullet."""
    compact = re.sub(r"[\s./-]", "", value)
    return BULLET * (len(compact) - 4) + compact[-4:]


def mask_secret(value: str, kind: str = "secret") -> str:
    """The type and, for values long enough that 4 characters give nothing away, the last 4."""
    if "PRIVATE KEY" in value:
        return "[private-key ••••]"
    tail = value.strip()[-4:] if len(value.strip()) >= 16 else ""
    label = re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-") or "secret"
    return f"[{label} {BULLET * 4}{tail}]"


def mask_other(value: str) -> str:
    """PII that is neither a PAN, an IBAN nor an SSN: length kept, at most the last 2 shown."""
    keep = 2 if len(value) >= 8 else 0
    return BULLET * (len(value) - keep) + value[len(value) - keep :]


def mask_known(value: str, kind: str) -> str:
    """The masked form of a value a gate found, by its `sensitive.kind`."""
    if kind == "pan":
        return mask_pan("".join(ch for ch in value if ch.isdigit()))
    if kind == "iban":
        return mask_iban(value)
    if kind == "ssn":
        return mask_ssn(value)
    if kind == "national-id":
        return mask_national_id(value)
    if kind.startswith("secret"):
        return mask_secret(value, kind.partition(":")[2] or "secret")
    return mask_other(value)


# ---------------------------------------------------------------------------------------------
# Generic shapes


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# Issuer ranges (condensed from gates/checks/pii/cards.py; redact sits below the gates): prefix
# ranges compared at equal width, with the lengths each network issues.
_ANY = range(16, 20)
_ISSUERS: tuple[tuple[str, str, range | tuple[int, ...]], ...] = (
    ("2200", "2204", _ANY),
    ("2221", "2720", (16,)),
    ("300", "305", range(14, 20)),
    ("3095", "3095", range(14, 20)),
    ("34", "34", (15,)),
    ("36", "36", range(14, 20)),
    ("37", "37", (15,)),
    ("3528", "3589", _ANY),
    ("38", "39", range(14, 20)),
    ("4", "4", (13, 16, 19)),
    ("50", "50", range(13, 20)),
    ("51", "55", (16,)),
    ("56", "69", range(13, 20)),
)


def issuer_ok(digits: str) -> bool:
    return any(
        lo <= digits[: len(lo)] <= hi and len(digits) in lengths for lo, hi, lengths in _ISSUERS
    )


def is_pan(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and issuer_ok(digits) and luhn_ok(digits)


_PAN = re.compile(
    # not inside a word or a decimal ("0.4532..."). After a comma it is a CSV field ("42,4532..."):
    # thousands groups have three digits, never 13-19, so a comma never hides a PAN.
    r"(?<![0-9A-Za-z.])"
    r"(?:\d{13,19}"
    r"|\d{4}(?P<s1>[ -])\d{4}(?P=s1)\d{4}(?P=s1)\d{1,7}"  # 4-4-4-1..7
    r"|\d{4}(?P<s2>[ -])\d{6}(?P=s2)\d{4,5})"  # Amex / Diners 4-6-5, 4-6-4
    r"(?![0-9A-Za-z]|[.,]\d)"
)
_IBAN = re.compile(r"(?<![0-9A-Za-z])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![0-9A-Za-z])")


def _iban_ok(text: str) -> bool:
    compact = text.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    try:
        return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1
    except ValueError:
        return False


_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# (type, pattern): credential shapes that are secrets whatever their entropy (the payment
# providers' shapes as gates/checks/secrets/providers.py detects them; a type is its rule slug)
_SECRET_SHAPES: tuple[tuple[str, str], ...] = (
    (
        "private-key",
        r"-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z ]*"
        r"PRIVATE KEY(?: BLOCK)?-----|\Z)",
    ),
    ("stripe-key", r"\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{8,}"),
    ("stripe-webhook-secret", r"\bwhsec_[0-9A-Za-z+/=]{16,}"),
    (
        "adyen-api-key",
        r"\bAQE[0-9A-Za-z+/]{40,}={0,2}-[0-9A-Za-z+/]{20,}={0,2}(?:-[^\s\"'`,]{6,32})?",
    ),
    ("braintree-access-token", r"access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32}"),
    ("paypal-access-token", r"\bA21AA[0-9A-Za-z_-]{50,}"),
    ("square-access-token", r"\b(?:EAAA[0-9A-Za-z_-]{60}|sq0atp-[0-9A-Za-z_-]{22})"),
    ("square-oauth", r"\bsq0csp-[0-9A-Za-z_-]{43}"),
    ("checkout-secret-key", rf"\bsk_(?:(?:sbox_)?[a-z2-7]{{26}}[a-z2-7*#$=]|(?:test_)?{_UUID})"),
    ("gocardless-access-token", r"(?<![0-9A-Za-z_])live_[0-9A-Za-z_-]{40}"),
    ("plaid-secret", rf"\baccess-production-{_UUID}"),
    ("twilio-key", r"\bSK[0-9a-f]{32}\b"),
    ("twilio-auth-token", r"(?<=AC[0-9a-f]{32}:)[0-9a-f]{32}\b"),
    ("aws-access-key", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),
    ("github-token", r"\b(?:gh[pousr]_[0-9A-Za-z]{20,}|github_pat_[0-9A-Za-z_]{20,})"),
    ("gitlab-token", r"\bglpat-[0-9A-Za-z_-]{20,}"),
    ("slack-token", r"\bxox[abposr]-[0-9A-Za-z-]{10,}"),
    ("slack-webhook", r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}"),
    ("google-api-key", r"\bAIza[0-9A-Za-z_-]{35}"),
    ("sendgrid-key", r"\bSG\.[0-9A-Za-z_-]{16,}\.[0-9A-Za-z_-]{16,}"),
    ("npm-token", r"\bnpm_[0-9A-Za-z]{36}"),
    ("jwt", r"\beyJ[0-9A-Za-z_-]{8,}\.eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}"),
)
# Literal text every match of a shape contains: a string holding none of a shape's hints cannot
# match it, so the (slow, many-branched) alternation runs only over the shapes a string could
# hold, and most strings (messages, paths, help texts) skip it entirely.
_SHAPE_HINTS: dict[str, tuple[str, ...]] = {
    "private-key": ("-----BEGIN ",),
    "stripe-key": ("sk_", "rk_", "pk_"),
    "stripe-webhook-secret": ("whsec_",),
    "adyen-api-key": ("AQE",),
    "braintree-access-token": ("access_token$production$",),
    "paypal-access-token": ("A21AA",),
    "square-access-token": ("EAAA", "sq0atp-"),
    "square-oauth": ("sq0csp-",),
    "checkout-secret-key": ("sk_",),
    "gocardless-access-token": ("live_",),
    "plaid-secret": ("access-production-",),
    "twilio-key": ("SK",),
    "twilio-auth-token": ("AC",),
    "aws-access-key": ("AKIA", "ASIA", "AGPA", "AIDA", "AROA"),
    "github-token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    "gitlab-token": ("glpat-",),
    "slack-token": ("xox",),
    "slack-webhook": ("hooks.slack.com/services/",),
    "google-api-key": ("AIza",),
    "sendgrid-key": ("SG.",),
    "npm-token": ("npm_",),
    "jwt": ("eyJ",),
}


@functools.lru_cache(maxsize=256)
def _shapes_among(indices: tuple[int, ...]) -> re.Pattern[str]:
    """The alternation of the shapes `indices` (groups keep their index: `s<i>`)."""
    return re.compile("|".join(f"(?P<s{i}>{_SECRET_SHAPES[i][1]})" for i in indices))


# Any hint of any shape: one search that most strings fail, before the per-shape look.
_ANY_SHAPE_HINT = re.compile(
    "|".join(re.escape(h) for hints in _SHAPE_HINTS.values() for h in sorted(hints))
)


def _mask_shapes(text: str, data: bytes | None = None) -> str:
    """`data`: `text` as redact_proof reads it, when a proof is worth its pass (a long text)."""
    if _ANY_SHAPE_HINT.search(text) is None:
        return text
    if data is not None and not redact_proof.may_match(_SHAPES_PROOF, data):
        return text
    present = tuple(
        i
        for i, (kind, _) in enumerate(_SECRET_SHAPES)
        if any(h in text for h in _SHAPE_HINTS[kind])
    )
    return _shapes_among(present).sub(_mask_shape, text) if present else text


# A value assigned to a credential-named key, quoted, or a `Bearer` token, or a URL password:
# only the value (group `v`) is masked.
_ASSIGNED = re.compile(
    r"(?i)\b[A-Za-z0-9_-]*?(?:password|passwd|pwd|passphrase|secret|api[_-]?key|apikey"
    r"|access[_-]?key|token)(?:[_-]?key)?\b[\"']?\s*(?:=|:|=>)\s*"
    r"(?P<q>[\"'])(?P<v>[^\"'\s{}$%<>]{4,})(?P=q)"
    r"|(?i:\bbearer)\s+(?P<b>[0-9A-Za-z._~+/-]{16,}=*)"
    r"|://[^/\s:@]{1,64}:(?P<u>[^/\s@]{3,})@"
)
# Every match of _ASSIGNED contains one of these (lower-cased): cheaper to look for than to run it.
_ASSIGNED_HINTS = ("pass", "pwd", "secret", "key", "token", "bearer", "://")
_DIGIT = re.compile(r"\d")
_TOKEN = re.compile(r"(?<![0-9A-Za-z+/_=-])[0-9A-Za-z+/_-]{20,}={0,2}(?![0-9A-Za-z+/_=-])")
_HEXISH = re.compile(r"^[0-9a-fA-F-]+$")
_DIGEST_PREFIX = re.compile(r"^(?:sha(?:1|224|256|384|512)|md5)[-_]", re.IGNORECASE)


def _entropy(text: str) -> float:
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_random(token: str) -> bool:
    """A high-entropy secret shape: mixed case, digits, and little repetition. Hex strings
    (hashes, UUIDs, commit ids) and `sha256-`-style digests are not secrets."""
    if _HEXISH.match(token) or _DIGEST_PREFIX.match(token):
        return False
    core = token.rstrip("=")
    digits = sum(ch.isdigit() for ch in core)
    if digits < 2 and not (digits and len(core) >= 32):
        return False
    if not any(ch.isupper() for ch in core) or not any(ch.islower() for ch in core):
        return False
    threshold = 4.5 if "/" in core else 4.0
    return _entropy(core) >= min(threshold, math.log2(len(core)) - 0.3)


# ---------------------------------------------------------------------------------------------
# The masker


@record
class Masker:
    """Masks known values (longest first) and then generic shapes in any string.

    A report repeats its strings (a rule's text, a message, a path for every finding in it):
    each distinct string is masked once per masker (`_memo`, up to `_MEMO_ENTRIES` strings of up
    to `_MEMO_CHARS` characters), which made masking a 167-finding run ~4x cheaper."""

    known: tuple[tuple[str, str], ...] = ()  # (value, masked form), longest value first
    _memo: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    # the RE2 pattern that finds any known value, made on first use (redact_proof.any_literal)
    _known_proof: list[str | None] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def of(cls, values: Iterable[tuple[str, str]]) -> Masker:
        """From (value, kind) pairs; values too short to mask safely are skipped."""
        table: dict[str, str] = {}
        for value, kind in values:
            for form in _forms(value, kind):
                if len(form) >= 6:
                    table.setdefault(form, mask_known(value, kind))
        known = tuple(sorted(table.items(), key=lambda kv: (-len(kv[0]), kv[0])))
        return cls(known=known)

    @classmethod
    def from_findings(cls, findings: Iterable[Any]) -> Masker:
        """From the `sensitive.value`/`sensitive.kind` properties of findings."""
        return cls.of(known_values(findings))

    def text(self, text: str) -> str:
        if not text:
            return text
        if len(text) > _MEMO_CHARS:
            return generic(self._replace_known(text))
        masked = self._memo.get(text)
        if masked is None:
            masked = generic(self._replace_known(text))
            if len(self._memo) >= _MEMO_ENTRIES:
                self._memo.clear()
            self._memo[text] = masked
        return masked

    def _replace_known(self, text: str) -> str:
        """`_replace_known` over this masker's values, skipped when RE2 proves the text holds
        none of them (a run's masker knows every value its findings carry: looking for each in
        each of a report's strings was 32,000 `str.find` calls on the stripe SDK)."""
        if len(self.known) >= _KNOWN_PROOF_MIN_VALUES:
            if not self._known_proof:
                self._known_proof.append(redact_proof.any_literal(v for v, _ in self.known))
            proof = self._known_proof[0]
            data = redact_proof.encoded(text) if proof is not None else None
            if proof is not None and data is not None and not redact_proof.may_match(proof, data):
                return text
        return _replace_known(self.known, text)

    def value(self, value: _T) -> _T:
        """Any value: strings masked; dataclasses, tuples, lists and dicts walked; `sensitive.`
        properties (pairs whose key starts with it) dropped; enums and numbers kept."""
        return _walk(self, value)  # type: ignore[no-any-return]  # same shape, strings masked


def _forms(value: str, kind: str) -> list[str]:
    """The spellings of a known value to look for: as found, compact, and encoded."""
    forms = [value]
    if kind in ("pan", "ssn", "iban"):
        forms.append(re.sub(r"[\s-]", "", value))
    if kind == "national-id":
        forms.append(re.sub(r"[\s./-]", "", value))
    if kind.startswith("secret") and len(value) >= 12:
        forms.append(urllib.parse.quote(value, safe=""))
        forms.append(base64.b64encode(value.encode()).decode().rstrip("="))
    return [f for f in dict.fromkeys(forms) if f]


_MEMO_CHARS = 4096
_MEMO_ENTRIES = 16384
_KNOWN_PROOF_MIN_VALUES = 4  # below this, the finds are cheaper than the RE2 pass
_ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _replace_known(known: Sequence[tuple[str, str]], text: str) -> str:
    """`text` with each known value replaced by its masked form, as one regex alternation of the
    values (longest first) would: leftmost occurrence first, the longest value at a position,
    scanning on after it. A value of letters and digits only counts where it is not part of a
    longer run of them. Found with `str.find`: on a 228 KB report, 50x faster than the
    alternation, which had no literal prefix for the regex engine to skip to."""
    spans: list[tuple[int, int, int, str]] = []  # (start, rank, end, masked form)
    for rank, (value, masked) in enumerate(known):
        whole_word = value.isalnum()
        start = text.find(value)
        while start != -1:
            end = start + len(value)
            glued = whole_word and (
                (start > 0 and text[start - 1] in _ASCII_ALNUM)
                or (end < len(text) and text[end] in _ASCII_ALNUM)
            )
            if not glued:
                spans.append((start, rank, end, masked))
            start = text.find(value, start + 1)
    if not spans:
        return text
    spans.sort()
    out: list[str] = []
    pos = 0
    for start, _rank, end, masked in spans:
        if start < pos:  # inside a value already replaced
            continue
        out += (text[pos:start], masked)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def known_values(findings: Iterable[Any]) -> list[tuple[str, str]]:
    """(value, kind) pairs carried by findings (`Finding` or `ReportedFinding`)."""
    out: list[tuple[str, str]] = []
    for item in findings:
        finding = getattr(item, "finding", item)
        props = dict(getattr(finding, "properties", ()))
        value = props.get(VALUE_KEY)
        if value:
            out.append((value, props.get(KIND_KEY, "pii")))
    return out


def _mask_pan_match(m: re.Match[str]) -> str:
    text = m.group(0)
    digits = re.sub(r"\D", "", text)
    return mask_pan(digits) if is_pan(digits) else text


def _mask_iban_match(m: re.Match[str]) -> str:
    text = m.group(0)
    return mask_iban(text) if _iban_ok(text) else text


def _mask_shape(m: re.Match[str]) -> str:
    kind = _SECRET_SHAPES[int((m.lastgroup or "s0")[1:])][0]
    value = m.group(0)
    if kind == "private-key":
        return "[private-key ••••]"
    return mask_secret(value, kind)


def _mask_assigned(m: re.Match[str]) -> str:
    name = next(g for g in ("v", "b", "u") if m.group(g) is not None)
    start, end = m.span(name)
    offset = m.start()
    whole = m.group(0)
    return whole[: start - offset] + mask_secret(m.group(name)) + whole[end - offset :]


def _mask_token(m: re.Match[str]) -> str:
    token = m.group(0)
    return mask_secret(token, "high-entropy") if looks_random(token) else token


# From this length a text is first read by redact_proof's RE2 supersets, which skip the Python
# patterns that cannot match it (nearly all of a rendered report); a shorter one is cheaper to
# give the Python patterns directly. The 875 strings under 5,000 characters of a warm stripe run
# (543 under 64) took 20.3 ms without proofs, 16.4 ms from 512 characters, 8.4 ms from 64.
_PROOF_MIN_CHARS = 64
_SHAPES_PROOF = "|".join(redact_proof.shape(p) for _, p in _SECRET_SHAPES)


def generic(text: str) -> str:
    """Mask the generic shapes in free text (no known values)."""
    data = redact_proof.encoded(text) if len(text) >= _PROOF_MIN_CHARS else None

    def may(proof: str) -> bool:
        return data is None or redact_proof.may_match(proof, data)

    def masked(new: str) -> str:
        nonlocal data  # a text a pattern changed is read again for the next proof
        if data is not None and new != text:
            data = redact_proof.encoded(new)
        return new

    if _DIGIT.search(text) is not None:  # both shapes hold digits
        if may(redact_proof.PAN):
            text = masked(_PAN.sub(_mask_pan_match, text))
        if may(redact_proof.IBAN):
            text = masked(_IBAN.sub(_mask_iban_match, text))
    text = masked(_mask_shapes(text, data))
    if any(hint in text.lower() for hint in _ASSIGNED_HINTS) and may(redact_proof.ASSIGNED):
        text = masked(_ASSIGNED.sub(_mask_assigned, text))
    return _TOKEN.sub(_mask_token, text)


DEFAULT = Masker()


def _walk(masker: Masker, value: Any) -> Any:
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        return masker.text(value)
    if isinstance(value, tuple):
        return tuple(_walk(masker, v) for v in value if not _is_sensitive_pair(v))
    if isinstance(value, list):
        return [_walk(masker, v) for v in value if not _is_sensitive_pair(v)]
    if isinstance(value, dict):
        return {
            k: _walk(masker, v)
            for k, v in value.items()
            if not (isinstance(k, str) and k.startswith(SENSITIVE_PREFIX))
        }
    if not is_dataclass(value) or isinstance(value, type):
        return value
    changes = {f.name: _walk(masker, getattr(value, f.name)) for f in fields(value)}
    return replace(value, **changes)


def _is_sensitive_pair(value: Any) -> bool:
    return (
        isinstance(value, tuple | list)
        and len(value) == 2
        and isinstance(value[0], str)
        and value[0].startswith(SENSITIVE_PREFIX)
    )


def mask_mapping(masker: Masker, mapping: Mapping[str, Any]) -> dict[str, Any]:
    """A structlog event dict (or any mapping) with every string masked."""
    return {k: _walk(masker, v) for k, v in mapping.items()}


def for_result(result: Any) -> Masker:
    """The masker of a run: every value its findings carry, plus the generic shapes."""
    return Masker.from_findings(getattr(result, "findings", ()))


def masked_view(result: _T) -> tuple[Masker, _T]:
    """What every renderer receives: the run with each string masked and every `sensitive.`
    property gone, and the masker to pass the rendered text through once more."""
    masker = for_result(result)
    return masker, masker.value(result)


# One valid example per national id rule (gates/checks/pii/national_ids.py); redact sits below
# the gates, so the rule ids are spelled out here (a test checks they agree).
_NATIONAL_ID_EXAMPLES: dict[str, str] = {
    "pii.uk-nino": "AB123456C",
    "pii.ca-sin": "130692544",
    "pii.br-cpf": "529.982.247-25",
    "pii.br-cnpj": "11.222.333/0001-81",
    "pii.in-aadhaar": "2345 6789 0124",
    "pii.in-pan": "ABCPE1234F",
    "pii.es-dni": "12345678Z",
    "pii.es-nie": "X1234567L",
    "pii.it-codice-fiscale": "RSSMRA85T10A562S",
    "pii.nl-bsn": "111222333",
    "pii.fr-nir": "2 69 05 49 588 157 80",
    "pii.de-tax-id": "86095742719",
    "pii.au-tfn": "123 456 782",
    "pii.sg-nric": "S1234567D",
    "pii.mx-curp": "HEGG560427MVZRRL04",
}

# What `gates explain` shows for rules whose findings carry a value: (rule id -> example).
_EXAMPLES: dict[str, tuple[str, str]] = {
    "pii.pan": ("4539148803436467", "pan"),
    "pii.pan-test": ("4111111111111111", "pan"),
    "pii.iban": ("DE89370400440532013000", "iban"),
    "pii.ssn": ("536-22-1471", "ssn"),
    **{rule: (value, "national-id") for rule, value in _NATIONAL_ID_EXAMPLES.items()},
    "pii.email": ("jane.roe@example.com", "pii"),
    "pii.phone": ("+44 20 7946 0958", "pii"),
    "pii.field-name": ("Jane Roe-Smith", "pii"),
    "pii.custom": ("EMP-00412345", "pii"),
}


def example(rule: str) -> str | None:
    """How a value found by `rule` looks in every report, log line, error and cache entry."""
    if rule in _EXAMPLES:
        value, kind = _EXAMPLES[rule]
        return mask_known(value, kind)
    gate, _, name = rule.partition(".")
    if gate == "secrets" and name != "cache-rejected":
        return mask_secret("x" * 12 + "p7dc", name)
    return None
