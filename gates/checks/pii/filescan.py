"""One file's findings: values, data fields and log calls as masked, fingerprinted Findings.

`Plan` is the per-process compiled form of the config (scanner, globs, field names). Snippets are
the finding's line with every detected value on it replaced by its masked form, then every other
long digit run hidden too, so no report ever holds a value in clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gates.checks.pii import engine, fieldnames, masking, rules, scanner
from gates.checks.pii.config import PiiConfig
from gates.checks.pii.suppress import PREFILTER, requests_by_line
from gates.fingerprint import FingerprintKey, fingerprint
from gates.globs import GlobSet
from gates.model import Finding, Location

if TYPE_CHECKING:
    from gates.checks.pii.datafields import FieldValue

GATE = "pii"
_SNIPPET_MAX = 160
_SEVERITY = {r.id: r.default_severity for r in rules.ALL}
_PYTHON = (".py", ".pyi", ".pyw")


class Plan:
    """Everything compiled once per process for one configuration and fingerprint key."""

    def __init__(self, *, config: PiiConfig, key: FingerprintKey) -> None:
        self.config = config
        self.key = key
        self.scanner = scanner.Scanner(config.extra_patterns)
        self._allow_tests = GlobSet.of(config.allow_test_cards_in)
        self._fixtures = GlobSet.of(config.fixture_paths)
        self._fields_rx = engine.compile_known(fieldnames.prefilter_pattern(config.field_names))
        self._log_rx = engine.compile_known(b"(?i:log)")
        self._request_rx = engine.compile_known(PREFILTER)

    def is_fixture(self, path: str) -> bool:
        return self._fixtures.matches(path)

    def test_cards_allowed(self, path: str) -> bool:
        return self._allow_tests.matches(path)

    def may_log_pii(self, data: bytes) -> bool:
        return self._log_rx.search(data) is not None and self._fields_rx.search(data) is not None

    def may_request(self, data: bytes) -> bool:
        return self._request_rx.search(data) is not None

    def names_field(self, text: str) -> bool:
        return self._fields_rx.search(text.encode("utf-8", "replace")) is not None


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    start: int  # byte offset of the line start
    end: int


def _line_at(data: bytes, offset: int, cache: dict[int, int]) -> _Line:
    start = data.rfind(b"\n", 0, offset) + 1
    number = cache.get(start)
    if number is None:
        number = data.count(b"\n", 0, start) + 1
        cache[start] = number
    end = data.find(b"\n", offset)
    return _Line(number, start, len(data) if end < 0 else end)


Redactions = dict[int, list[tuple[str, str]]]  # line -> (value, masked) for name-found values


def _clean(raw: bytes, redact: list[tuple[str, str]]) -> str:
    text = raw.decode("utf-8", "replace")
    for value, masked in redact:
        text = text.replace(value, masked)
    return masking.mask_digit_runs(text)


def _snippet(data: bytes, line: _Line, hits: list[scanner.Hit], redactions: Redactions) -> str:
    """The line with every detected value masked, then any other long digit run hidden."""
    redact = redactions.get(line.number, [])
    parts: list[str] = []
    pos = line.start
    for hit in hits:
        if hit.start >= pos and hit.start < line.end:
            parts.append(_clean(data[pos : hit.start], redact))
            parts.append(hit.masked)
            pos = min(hit.end, line.end)
    parts.append(_clean(data[pos : line.end], redact))
    text = "".join(parts).strip()
    return text if len(text) <= _SNIPPET_MAX else text[: _SNIPPET_MAX - 1] + "…"


def _line_snippet(data: bytes, number: int, hits: list[scanner.Hit], redactions: Redactions) -> str:
    lines = data.split(b"\n", number)
    start = sum(len(chunk) + 1 for chunk in lines[: number - 1])
    end = data.find(b"\n", start)
    line = _Line(number, start, len(data) if end < 0 else end)
    return _snippet(data, line, hits, redactions)


def _message(hit: scanner.Hit) -> str:
    if hit.rule == rules.PAN.id:
        return f"{hit.label} card number {hit.masked} in clear text (Luhn-valid, issuer range)"
    if hit.rule == rules.PAN_TEST.id:
        return f"public {hit.label} test card number {hit.masked}"
    if hit.rule == rules.IBAN.id:
        return f"IBAN {hit.masked} in clear text (valid {hit.label} length and mod-97)"
    if hit.rule == rules.SSN.id:
        return f"US Social Security number {hit.masked} in clear text"
    if hit.rule == rules.EMAIL.id:
        return f"personal e-mail address {hit.masked} in a fixture"
    if hit.rule == rules.PHONE.id:
        return f"phone number {hit.masked} in a fixture"
    return f"{hit.message}: {hit.masked}"


def scan(path: str, data: bytes, plan: Plan) -> list[Finding]:
    """Every finding in one file (unsorted)."""
    fixture = plan.is_fixture(path)
    hits = plan.scanner.scan(data, fixtures=fixture)
    if hits and plan.test_cards_allowed(path):
        hits = [h for h in hits if h.rule != rules.PAN_TEST.id]
    requests = requests_by_line(data) if plan.may_request(data) else {}
    values: list[FieldValue] = []
    if fixture:
        from gates.checks.pii import datafields  # lazy: csv machinery only for fixture files

        values = list(
            datafields.find(path, data.decode("utf-8", "replace"), plan.config.field_names)
        )
    redactions: Redactions = {}
    for fv in values:
        redactions.setdefault(fv.line, []).append((fv.value, masking.mask_generic(fv.value)))
    cache: dict[int, int] = {}
    findings: list[Finding] = []
    for hit in hits:
        line = _line_at(data, hit.start, cache)
        end = _line_at(data, hit.end - 1, cache) if hit.end > hit.start else line
        column = len(data[line.start : hit.start].decode("utf-8", "replace")) + 1
        end_column = len(data[end.start : hit.end].decode("utf-8", "replace")) + 1
        findings.append(
            Finding(
                gate=GATE,
                rule=hit.rule,
                severity=hit.severity or _SEVERITY[hit.rule],
                message=_message(hit),
                location=Location(
                    path=path,
                    line=line.number,
                    column=column,
                    end_line=end.number,
                    end_column=end_column,
                ),
                fingerprint=plan.key.sensitive(GATE, hit.rule, path, hit.value),
                snippet=_snippet(data, line, hits, redactions),
                properties=(("kind", hit.label),),
                suppression_requests=_requested(requests, line.number),
            )
        )
    findings.extend(_data_fields(path, data, plan, values, hits, requests, redactions))
    if path.endswith(_PYTHON) and plan.may_log_pii(data):
        findings.extend(_log_fields(path, data, plan, hits, requests, redactions))
    return findings


def _requested(requests: dict[int, str], line: int) -> tuple[str, ...]:
    text = requests.get(line)
    return (text,) if text is not None else ()


def _data_fields(
    path: str,
    data: bytes,
    plan: Plan,
    values: list[FieldValue],
    hits: list[scanner.Hit],
    requests: dict[int, str],
    redactions: Redactions,
) -> list[Finding]:
    found = []
    for fv in values:
        masked = masking.mask_generic(fv.value)
        found.append(
            Finding(
                gate=GATE,
                rule=rules.FIELD_NAME.id,
                severity=rules.FIELD_NAME.default_severity,
                message=f"PII field {fv.field!r} holds a literal value ({masked}) in a fixture",
                location=Location(path=path, line=fv.line, column=fv.column),
                fingerprint=plan.key.sensitive(
                    GATE, rules.FIELD_NAME.id, path, f"{fieldnames.normalise(fv.field)}={fv.value}"
                ),
                snippet=_line_snippet(data, fv.line, hits, redactions),
                properties=(("field", fv.field),),
                suppression_requests=_requested(requests, fv.line),
            )
        )
    return found


def _log_fields(
    path: str,
    data: bytes,
    plan: Plan,
    hits: list[scanner.Hit],
    requests: dict[int, str],
    redactions: Redactions,
) -> list[Finding]:
    from gates.checks.pii import logcalls  # lazy: ast only where a log call may carry PII

    text = data.decode("utf-8", "replace")
    try:
        found = logcalls.find(
            text, plan.config.field_names, plan.config.sanitizers, plan.names_field
        )
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 0
        return [
            Finding(
                gate=GATE,
                rule=rules.UNPARSED.id,
                severity=rules.UNPARSED.default_severity,
                message=f"not parsed as Python 3 ({type(exc).__name__}): log calls not checked",
                location=Location(path=path, line=line),
                fingerprint=fingerprint(GATE, rules.UNPARSED.id, path, type(exc).__name__),
            )
        ]
    return [
        Finding(
            gate=GATE,
            rule=rules.LOG_FIELD.id,
            severity=rules.LOG_FIELD.default_severity,
            message=f"PII field {lh.field!r} is passed to log call {lh.logger}(): "
            "log a masked or tokenised form",
            location=Location(
                path=path,
                line=lh.line,
                column=lh.column,
                end_line=lh.end_line,
                end_column=lh.end_column,
            ),
            fingerprint=fingerprint(
                GATE, rules.LOG_FIELD.id, path, f"{fieldnames.normalise(lh.field)}\x1f{lh.call}"
            ),
            snippet=_line_snippet(data, lh.line, hits, redactions),
            properties=(("field", lh.field), ("logger", lh.logger)),
            suppression_requests=_requested(requests, lh.line),
        )
        for lh in found
    ]
