"""The value scanner: one combined regular expression over a file's bytes, candidates validated.

All value kinds (IBAN, plain and grouped card numbers, SSNs, SSN context, national ids by shape and
after their keywords, and in fixtures e-mail and phone) are alternatives of ONE pattern run by
google-re2 (a linear-time DFA; measured against `re` and a hyperscan prefilter in bench/README.md).
Matches are rare, so each candidate is then checked in Python: token boundaries (a number glued to
letters, digits or `_`, or joined by `.` or `-` to such a character, is part of a longer token: a
version, an order id, a decimal, and is never reported), separators, Luhn and issuer range, IBAN
country length and mod-97, SSN structure, national id checksums (idchecks.py). Policy patterns run
as extra passes (re2 when it accepts their syntax).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property

from gates.checks.pii import cards, contact, engine, iban, masking, national_ids, ssn
from gates.checks.pii.config import CustomPattern
from gates.checks.pii.national_ids import IdKind
from gates.model import Severity
from gates.record import record

# Groups, in order: 1 IBAN, 2 plain digit run, 3 grouped digits, 4 dashed/spaced SSN,
# 5 'SSN' + plain nine digits, then one group per national id shape (national_ids.KINDS), one
# for a national-id keyword followed by digits, and in fixtures e-mail and phone.

_BASE = (
    rb"([A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?))"
    rb"|([0-9]{13,})"
    rb"|([0-9]{4}(?:[ -][0-9]{3,6}){2,5})"
    rb"|([0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{3} [0-9]{2} [0-9]{4})"
    rb"|((?i:ssn|social[ _-]*security)[^\n0-9]{0,24}[0-9]{9})"
)
_BASE_GROUPS = 5
_SHAPED: tuple[IdKind, ...] = tuple(k for k in national_ids.KINDS if k.shape is not None)
_FIXTURE = (
    rb"|([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
    rb"|(\+[0-9]{1,3}(?:[ .-]?\([0-9]{1,4}\))?(?:[ .-]?[0-9]{1,4}){1,5}"
    rb"|\(?[0-9]{3}\)?[ .-]?[0-9]{3}[ .-][0-9]{4})"
)
# A source file whose text holds this word may log PII fields (filescan reads its log calls).
LOG_WORD = rb"(?i:log)"
_NOT_PLACEHOLDER = re.compile(rb"[0-9A-Za-z]")


@record
class Hit:
    """A validated sensitive value at byte offsets [start, end). `value` is the normalised value:
    it feeds the keyed fingerprint and must never be shown; `masked` is what reports show."""

    rule: str
    start: int
    end: int
    value: str
    masked: str
    label: str
    severity: Severity | None = None  # set for policy patterns; else the rule's default
    message: str = ""


# Bytes that continue a token: ASCII letters, digits, `_`, and any non-ASCII byte (UTF-8 letters).
_GLUE = frozenset(b"0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") | frozenset(
    range(0x80, 0x100)
)


def _glued_left(data: bytes, start: int) -> bool:
    if start == 0:
        return False
    prev = data[start - 1]
    if prev in b".-" and start >= 2:
        return data[start - 2] in _GLUE
    return prev in _GLUE


def _glued_right(data: bytes, end: int) -> bool:
    if end >= len(data):
        return False
    nxt = data[end]
    if nxt in b".-" and end + 1 < len(data):
        return data[end + 1] in _GLUE
    return nxt in _GLUE


def _pan_hit(digits: str, start: int, end: int) -> Hit | None:
    net = cards.classify(digits)
    if net is None:
        return None
    rule = "pii.pan-test" if cards.is_test_pan(digits) else "pii.pan"
    return Hit(
        rule=rule,
        start=start,
        end=end,
        value=digits,
        masked=masking.mask_pan(digits),
        label=net.value,
    )


def _grouped_pan(data: bytes, start: int, end: int) -> Hit | None:
    spans: list[tuple[int, int]] = []
    pos = start
    for part in data[start:end].split(data[start + 4 : start + 5]):
        if not part.isdigit():
            break  # another separator: the grouped number ends before it
        spans.append((pos, pos + len(part)))
        pos += len(part) + 1
    if _glued_left(data, start):
        spans = spans[1:]
    if spans and _glued_right(data, spans[-1][1]):
        spans = spans[:-1]
    for i in range(len(spans)):
        if spans[i][1] - spans[i][0] != 4:
            continue
        for j in range(len(spans), i + 1, -1):
            digits = b"".join(data[s:e] for s, e in spans[i:j]).decode()
            if 13 <= len(digits) <= 19:
                hit = _pan_hit(digits, spans[i][0], spans[j - 1][1])
                if hit is not None:
                    return hit
    return None


def _iban(data: bytes, start: int, end: int) -> Hit | None:
    if _glued_left(data, start):
        return None
    text = data[start:end].decode()
    length = iban.LENGTHS.get(text[:2])
    if length is None:
        return None
    if " " not in text:
        if _glued_right(data, end) or len(text) != length:
            return None
        compact, stop = text, end
    else:
        compact, stop = "", start
        for group in text.split(" "):
            if len(compact) >= length:
                break
            compact += group
            stop += len(group) + (1 if compact != group else 0)
        if len(compact) != length or _glued_right(data, stop):
            return None
    if not iban.is_valid(compact):
        return None
    return Hit(
        rule="pii.iban",
        start=start,
        end=stop,
        value=compact,
        masked=masking.mask_iban(compact),
        label=compact[:2],
    )


def _ssn(digits: str, start: int, end: int) -> Hit | None:
    if not ssn.is_valid(digits):
        return None
    return Hit(
        rule="pii.ssn",
        start=start,
        end=end,
        value=digits,
        masked=masking.mask_ssn(digits),
        label="US SSN",
    )


def _id_hit(kind: IdKind, value: str, start: int, end: int) -> Hit:
    return Hit(
        rule=kind.rule,
        start=start,
        end=end,
        value=value,
        masked=masking.mask_national_id(value),
        label=kind.label,
    )


def _shaped_id(kind: IdKind, data: bytes, start: int, end: int) -> Hit | None:
    if _glued_left(data, start) or _glued_right(data, end):
        return None
    value = national_ids.normalise(data[start:end].decode("latin-1"))
    return _id_hit(kind, value, start, end) if kind.validate(value) else None


def _digit_prefixes(data: bytes, first: int, end: int) -> list[tuple[str, int]]:
    """The digits after a keyword as (compact value, end offset) candidates, longest first: all
    the groups, then fewer, never a prefix that is glued to what follows it."""
    if _glued_right(data, end):
        return []
    groups = re.split(rb"[ .-]", data[first:end])
    out: list[tuple[str, int]] = []
    for j in range(len(groups), 0, -1):
        stop = first + len(b" ".join(groups[:j]))
        if j < len(groups) and data[stop : stop + 1] in (b".", b"-") and _glued_right(data, stop):
            continue
        out.append((b"".join(groups[:j]).decode(), stop))
    return out


def _email(data: bytes, start: int, end: int) -> Hit | None:
    address = data[start:end].decode()
    if _glued_right(data, end) or not contact.is_personal_email(address):
        return None
    value = address.lower()
    return Hit(
        rule="pii.email",
        start=start,
        end=end,
        value=value,
        masked=masking.mask_email(address),
        label="e-mail",
    )


def _phone(data: bytes, start: int, end: int) -> Hit | None:
    if _glued_left(data, start) or _glued_right(data, end):
        return None
    text = data[start:end].decode()
    digits = contact.phone_digits(text)
    if digits is None:
        return None
    value = ("+" if text.startswith("+") else "") + digits
    return Hit(
        rule="pii.phone",
        start=start,
        end=end,
        value=value,
        masked=masking.mask_phone(value),
        label="phone",
    )


_Finder = Callable[[bytes], Iterable["engine.Match | re.Match[bytes]"]]


def id_alternatives(keywords: Mapping[str, tuple[str, ...]]) -> bytes:
    """The national-id part of the combined pattern, each alternative a group and each led by
    `|`: one per id shape (national_ids.KINDS), then the keyword group (a never-matching one
    without keywords, so the group numbers stay put). bench/ gives ripgrep this same text."""
    ids = b"".join(b"|(" + k.shape + b")" for k in _SHAPED if k.shape is not None)
    keyword = national_ids.keyword_group(keywords)
    return ids + b"|(" + (keyword if keyword is not None else rb"\b\B") + b")"


class Scanner:
    """Compiled patterns for one configuration; build one per process (re2 objects don't pickle)."""

    def __init__(
        self,
        patterns: tuple[CustomPattern, ...],
        id_keywords: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._keywords = dict(national_ids.DEFAULT_KEYWORDS if id_keywords is None else id_keywords)
        ids = id_alternatives(self._keywords)
        self._first_id = _BASE_GROUPS + 1
        self._keyword_group = self._first_id + len(_SHAPED)
        self._email_group = self._keyword_group + 1
        # Which kinds a keyword match names is asked only when one turns up: each kind's Python
        # regex is compiled then (national_ids.keywords_regex caches it), not for every run.
        self._keyword_words = [
            (national_ids.BY_ID[kind], words)
            for kind, words in sorted(self._keywords.items())
            if words
        ]
        self._lengths = frozenset(n for kind, _ in self._keyword_words for n in kind.lengths)
        self._base = engine.compile_known(_BASE + ids)
        self._fixture = engine.compile_known(_BASE + ids + _FIXTURE)
        self._ids = ids
        self._noting_log: dict[bool, tuple[engine.Pattern, int]] = {}  # compiled on first use
        self._custom: list[tuple[CustomPattern, _Finder]] = []
        for pattern in patterns:
            raw = pattern.regex.encode("utf-8")
            compiled = engine.compile_bytes(raw, latin1=False)
            # Syntax re2 lacks (look-around, backreferences) runs on Python's engine instead.
            finder: _Finder = (
                compiled.finditer if compiled is not None else re.compile(raw).finditer
            )
            self._custom.append((pattern, finder))

    def scan(self, data: bytes, *, fixtures: bool) -> list[Hit]:
        """Every validated value in `data`, in order of position."""
        return self._scan(data, fixtures=fixtures, note_log=False)[0]

    def scan_noting_log(self, data: bytes, *, fixtures: bool) -> tuple[list[Hit], bool]:
        """`scan`, and whether `data` holds the word `log` in any case (LOG_WORD), which decides
        if a source file's log calls are read for PII fields.

        The word is one more alternative of the same search, until it is first found, instead of
        a second pass over the file (most files have no `log`: that pass read each byte again,
        ~10% of the gate's CPU on source trees). A value match can hide the word inside or
        across its span, so a file with value matches and no word found is searched again."""
        hits, found, matched = self._scan(data, fixtures=fixtures, note_log=True)
        if not found and matched:
            found = self._log_word.search(data) is not None
        return hits, found

    def _scan(self, data: bytes, *, fixtures: bool, note_log: bool) -> tuple[list[Hit], bool, bool]:
        """(hits, whether LOG_WORD was found, whether any value pattern matched)."""
        rx = self._fixture if fixtures else self._base
        log_group = -1  # no group has this number
        if note_log:
            rx, log_group = self._with_log_word(fixtures)
        hits: list[Hit] = []
        pos = 0
        found_log = matched = False
        while (m := rx.search(data, pos)) is not None:
            start, end = m.span()
            pos = end
            group = m.lastindex or 0
            if group == log_group:
                # No value pattern matches at `start` (an earlier alternative would have won
                # there): search on from it without the word.
                found_log, log_group, pos = True, -1, start
                rx = self._fixture if fixtures else self._base
                continue
            matched = True
            hit: Hit | None = None
            if group >= self._first_id:
                hit, pos = self._other(data, group, start, end)
                if hit is not None:
                    hits.append(hit)
                continue
            match group:
                case 1:
                    hit = _iban(data, start, end)
                case 2:
                    if not (_glued_left(data, start) or _glued_right(data, end)):
                        hit = _pan_hit(data[start:end].decode(), start, end)
                case 3:
                    hit = _grouped_pan(data, start, end)
                case 4:
                    if not (_glued_left(data, start) or _glued_right(data, end)):
                        hit = _ssn(
                            data[start:end].decode().replace("-", "").replace(" ", ""), start, end
                        )
                case 5:
                    first = end - 9
                    if not (_glued_left(data, first) or _glued_right(data, end)):
                        hit = _ssn(data[first:end].decode(), first, end)
                    else:
                        pos = first  # the digits may still be another kind of value
            if hit is not None:
                hits.append(hit)
        self._custom_hits(data, hits)
        hits.sort(key=lambda h: (h.start, h.end, h.rule))
        return hits, found_log, matched

    @cached_property
    def _log_word(self) -> engine.Pattern:
        return engine.compile_known(LOG_WORD)

    def _with_log_word(self, fixtures: bool) -> tuple[engine.Pattern, int]:
        """The value search with LOG_WORD as its last alternative, and that alternative's group."""
        if fixtures not in self._noting_log:
            values = _BASE + self._ids + (_FIXTURE if fixtures else b"")
            rx = engine.compile_known(values + b"|(" + LOG_WORD + b")")
            self._noting_log[fixtures] = (rx, rx.groups)
        return self._noting_log[fixtures]

    def _other(self, data: bytes, group: int, start: int, end: int) -> tuple[Hit | None, int]:
        """A national id, a keyword-found id, an e-mail or a phone number; and where to go on."""
        if group < self._keyword_group:
            return _shaped_id(_SHAPED[group - self._first_id], data, start, end), end
        if group == self._keyword_group:
            first = re.search(rb"[0-9]", data[start:end])
            digits_at = start + (first.start() if first is not None else 0)
            hit = (
                None
                if _glued_left(data, digits_at)
                else self._keyword_id(data, start, digits_at, end)
            )
            return hit, end if hit is not None else digits_at  # else: the digits may be a PAN
        if group == self._email_group:
            return _email(data, start, end), end
        return _phone(data, start, end), end

    def _keyword_id(self, data: bytes, start: int, first: int, end: int) -> Hit | None:
        """The longest leading run of digit groups after a keyword that is a valid id of a kind
        the keyword names. Which kinds those are is only worked out for a plausible length."""
        candidates = [c for c in _digit_prefixes(data, first, end) if len(c[0]) in self._lengths]
        if not candidates:
            return None
        kinds = [
            k
            for k, words in self._keyword_words
            if national_ids.keywords_regex(words).match(data, start, first)
        ]
        for value, stop in candidates:
            for kind in kinds:
                if len(value) in kind.lengths and kind.validate(value):
                    return _id_hit(kind, value, first, stop)
        return None

    def _custom_hits(self, data: bytes, hits: list[Hit]) -> None:
        for pattern, finder in self._custom:
            for cm in finder(data):
                if cm.end() > cm.start() and _NOT_PLACEHOLDER.search(cm.group()):
                    value = cm.group().decode("utf-8", "replace")
                    hits.append(
                        Hit(
                            rule=pattern.rule,
                            start=cm.start(),
                            end=cm.end(),
                            value=value,
                            masked=masking.mask_generic(value),
                            label=pattern.id,
                            severity=pattern.severity,
                            message=pattern.message,
                        )
                    )
