"""One file's findings: values, data fields and log calls as masked, fingerprinted Findings.

`Plan` is the per-process compiled form of the config (scanner, globs, field names). Snippets are
the finding's line with every detected value on it replaced by its masked form, then every other
long digit run hidden too, so no report ever holds a value in clear.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cached_property
from itertools import accumulate
from typing import TYPE_CHECKING

from gates.checks.pii import engine, fieldnames, masking, national_ids, rules, scanner
from gates.checks.pii.config import PiiConfig
from gates.checks.pii.suppress import PREFILTER, requests_by_line
from gates.fingerprint import FingerprintKey, fingerprint
from gates.globs import GlobSet
from gates.model import Finding, Location
from gates.redact import KIND_KEY, VALUE_KEY

if TYPE_CHECKING:
    from gates.checks.pii.datafields import FieldValue

GATE = "pii"
_SNIPPET_MAX = 160
_SEVERITY = {r.id: r.default_severity for r in rules.ALL}
# How the masking boundary shows each rule's value (gates.redact.mask_known)
_KIND = {
    rules.PAN.id: "pan",
    rules.PAN_TEST.id: "pan",
    rules.IBAN.id: "iban",
    rules.SSN.id: "ssn",
    **{r.id: "national-id" for r in rules.NATIONAL_IDS},
}
_PYTHON = (".py", ".pyi", ".pyw")


class Plan:
    """Everything compiled once per process for one configuration and fingerprint key."""

    def __init__(self, *, config: PiiConfig, key: FingerprintKey) -> None:
        self.config = config
        self.key = key
        self.scanner = scanner.Scanner(config.extra_patterns, dict(config.id_keywords))
        self._allow_tests = GlobSet.of((*config.test_paths, *config.allow_test_cards_in))
        self._fixtures = GlobSet.of(config.fixture_paths)
        self._fields_rx = engine.compile_known(fieldnames.prefilter_pattern(config.field_names))
        self._request_rx = engine.compile_known(PREFILTER)

    def is_fixture(self, path: str) -> bool:
        return self._fixtures.matches(path)

    def test_cards_allowed(self, path: str) -> bool:
        """A test path: public test card numbers are expected here and not reported."""
        return self._allow_tests.matches(path)

    def mentions_a_field(self, data: bytes) -> bool:
        """The file's text holds a PII field name somewhere (the log-call check's prefilter)."""
        return self._fields_rx.search(data) is not None

    def may_request(self, data: bytes) -> bool:
        return self._request_rx.search(data) is not None

    def names_field(self, text: str) -> bool:
        return self.mentions_a_field(text.encode("utf-8", "replace"))


class _Lines:
    """Line arithmetic over one file's bytes: offsets to 1-based lines and back. The line table
    is built on first use: a file whose log-call check finds nothing never needs it."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    @cached_property
    def starts(self) -> list[int]:
        """The offset of each line: a running sum of line lengths (+1 for the newline)."""
        return list(accumulate((len(c) + 1 for c in self.data.split(b"\n")[:-1]), initial=0))

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset)

    def span(self, number: int) -> tuple[int, int]:
        """Byte offsets [start, end) of a line, without its newline."""
        start = self.starts[number - 1]
        end = self.starts[number] - 1 if number < len(self.starts) else len(self.data)
        return start, end

    def column(self, offset: int) -> int:
        """1-based character column of a byte offset."""
        start = self.starts[self.line_of(offset) - 1]
        return len(self.data[start:offset].decode("utf-8", "replace")) + 1


Redactions = dict[int, list[tuple[str, str]]]  # line -> (value, masked) for name-found values


def _clean(raw: bytes, redact: list[tuple[str, str]]) -> str:
    text = raw.decode("utf-8", "replace")
    for value, masked in redact:
        text = text.replace(value, masked)
    return masking.mask_digit_runs(text)


class _Snippets:
    """Each line of a file as a report may show it: every detected value masked (including
    values not reported, such as allowed test cards), then any other long digit run hidden."""

    def __init__(self, lines: _Lines, hits: list[scanner.Hit], redactions: Redactions) -> None:
        self.lines = lines
        self.redactions = redactions
        self._hits = hits

    @cached_property
    def by_line(self) -> dict[int, list[scanner.Hit]]:
        """The hits on each line (worked out when the first snippet is asked for)."""
        out: dict[int, list[scanner.Hit]] = {}
        for hit in self._hits:
            out.setdefault(self.lines.line_of(hit.start), []).append(hit)
        return out

    def __call__(self, number: int) -> str:
        data = self.lines.data
        start, end = self.lines.span(number)
        redact = self.redactions.get(number, [])
        parts: list[str] = []
        pos = start
        for hit in self.by_line.get(number, ()):
            if hit.start >= pos:
                parts.append(_clean(data[pos : hit.start], redact))
                parts.append(hit.masked)
                pos = min(hit.end, end)
        parts.append(_clean(data[pos:end], redact))
        text = "".join(parts).strip()
        return text if len(text) <= _SNIPPET_MAX else text[: _SNIPPET_MAX - 1] + "…"


def _message(hit: scanner.Hit) -> str:
    if hit.rule == rules.PAN.id:
        return f"{hit.label} card number {hit.masked} in clear text (Luhn-valid, issuer range)"
    if hit.rule == rules.PAN_TEST.id:
        return f"public {hit.label} test card number {hit.masked}"
    if hit.rule == rules.IBAN.id:
        return f"IBAN {hit.masked} in clear text (valid {hit.label} length and mod-97)"
    if hit.rule == rules.SSN.id:
        return f"US Social Security number {hit.masked} in clear text"
    if hit.rule in national_ids.RULE_IDS:
        kind = national_ids.BY_ID[hit.rule.removeprefix("pii.")]
        return f"{hit.label} {hit.masked} in clear text (valid {kind.check})"
    if hit.rule == rules.EMAIL.id:
        return f"personal e-mail address {hit.masked} in a fixture"
    if hit.rule == rules.PHONE.id:
        return f"phone number {hit.masked} in a fixture"
    return f"{hit.message}: {hit.masked}"


def scan(path: str, data: bytes, plan: Plan) -> list[Finding]:
    """Every finding in one file (unsorted)."""
    fixture = plan.is_fixture(path)
    logs = False
    if path.endswith(_PYTHON):  # its log calls are read when it may log a PII field
        hits, logs = plan.scanner.scan_noting_log(data, fixtures=fixture)
        logs = logs and plan.mentions_a_field(data)
    else:
        hits = plan.scanner.scan(data, fixtures=fixture)
    reported = hits
    if hits and plan.test_cards_allowed(path):
        reported = [h for h in hits if h.rule != rules.PAN_TEST.id]
    values: list[FieldValue] = []
    if fixture:
        from gates.checks.pii import datafields  # lazy: csv machinery only for fixture files

        values = list(
            datafields.find(path, data.decode("utf-8", "replace"), plan.config.field_names)
        )
    if not (reported or values or logs):
        return []
    requests = requests_by_line(data) if plan.may_request(data) else {}
    redactions: Redactions = {}
    for fv in values:
        redactions.setdefault(fv.line, []).append((fv.value, masking.mask_generic(fv.value)))
    lines = _Lines(data)
    snippet = _Snippets(lines, hits, redactions)
    findings = [_value_finding(path, hit, lines, snippet, requests, plan) for hit in reported]
    findings.extend(_data_fields(path, values, snippet, requests, plan))
    if logs:
        findings.extend(_log_fields(path, data, snippet, requests, plan))
    return findings


def _value_finding(
    path: str,
    hit: scanner.Hit,
    lines: _Lines,
    snippet: _Snippets,
    requests: dict[int, str],
    plan: Plan,
) -> Finding:
    line = lines.line_of(hit.start)
    return Finding(
        gate=GATE,
        rule=hit.rule,
        severity=hit.severity or _SEVERITY[hit.rule],
        message=_message(hit),
        location=Location(
            path=path,
            line=line,
            column=lines.column(hit.start),
            end_line=lines.line_of(max(hit.start, hit.end - 1)),
            end_column=lines.column(max(hit.start, hit.end - 1)) + 1,
        ),
        fingerprint=plan.key.sensitive(GATE, hit.rule, path, hit.value),
        snippet=snippet(line),
        # the raw value, in memory only: teaches the report masker (never rendered or cached)
        properties=(
            ("kind", hit.label),
            (VALUE_KEY, lines.data[hit.start : hit.end].decode("utf-8", "replace")),
            (KIND_KEY, _KIND.get(hit.rule, "pii")),
        ),
        suppression_requests=_requested(requests, line),
    )


def _requested(requests: dict[int, str], line: int) -> tuple[str, ...]:
    text = requests.get(line)
    return (text,) if text is not None else ()


def _data_fields(
    path: str,
    values: list[FieldValue],
    snippet: _Snippets,
    requests: dict[int, str],
    plan: Plan,
) -> list[Finding]:
    return [
        Finding(
            gate=GATE,
            rule=rules.FIELD_NAME.id,
            severity=rules.FIELD_NAME.default_severity,
            message=f"PII field {fv.field!r} holds a literal value "
            f"({masking.mask_generic(fv.value)}) in a fixture",
            location=Location(path=path, line=fv.line, column=fv.column),
            fingerprint=plan.key.sensitive(
                GATE, rules.FIELD_NAME.id, path, f"{fieldnames.normalise(fv.field)}={fv.value}"
            ),
            snippet=snippet(fv.line),
            properties=(("field", fv.field), (VALUE_KEY, fv.value), (KIND_KEY, "pii")),
            suppression_requests=_requested(requests, fv.line),
        )
        for fv in values
    ]


def _log_fields(
    path: str, data: bytes, snippet: _Snippets, requests: dict[int, str], plan: Plan
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
            snippet=snippet(lh.line),
            properties=(("field", lh.field), ("logger", lh.logger)),
            suppression_requests=_requested(requests, lh.line),
        )
        for lh in found
    ]
