"""The text report: what a developer reads in a terminal or a CI log.

Findings come first, one compiler-style line each (`path:line:col: severity rule [status]
message`) with the masked snippet, public properties, suppression requests ("requested, not
applied") and the fingerprint indented below. Then how to fix each rule with new findings (the
rule's help, as `gates explain` shows it), gate errors with their fix, skipped files,
stale baseline entries, approval notes, notes, a per-gate table and, last, one summary line with
the verdict. ANSI colour only when asked for (`color=True`: the CLI passes `isatty()`); every
piece of text that came from a scanned file is made inert first.
"""

from __future__ import annotations

from typing import assert_never

from gates.model import Location, ReportedFinding, RunResult, Severity, Status, Verdict
from gates.report import view
from gates.report.inert import inert

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_RED = "\x1b[31m"
_GREEN = "\x1b[32m"
_YELLOW = "\x1b[33m"
_MAGENTA = "\x1b[35m"
_CYAN = "\x1b[36m"


class _Paint:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *codes: str) -> str:
        if not self.color or not codes:
            return text
        return "".join(codes) + text + _RESET

    def severity(self, sev: Severity) -> str:
        match sev:
            case Severity.CRITICAL:
                return self(sev.value, _BOLD, _MAGENTA)
            case Severity.HIGH:
                return self(sev.value, _RED)
            case Severity.MEDIUM:
                return self(sev.value, _YELLOW)
            case Severity.LOW:
                return self(sev.value, _CYAN)
            case _:
                assert_never(sev)

    def verdict(self, verdict: Verdict) -> str:
        word = verdict.value.upper()
        match verdict:
            case Verdict.PASS:
                return self(word, _BOLD, _GREEN)
            case Verdict.BLOCKED | Verdict.ERROR:
                return self(word, _BOLD, _RED)
            case _:
                assert_never(verdict)


def location(loc: Location) -> str:
    """`path:line:col` as compilers print it; `(repository)` for a finding with no file."""
    if not loc.path:
        return "(repository)"
    path = inert(loc.path)
    if loc.line <= 0:
        return path
    if loc.column <= 0:
        return f"{path}:{loc.line}"
    return f"{path}:{loc.line}:{loc.column}"


def _finding(rf: ReportedFinding, paint: _Paint) -> list[str]:
    f = rf.finding
    status = view.status_label(rf)
    status_txt = paint(f"[{status}]", _BOLD, _RED) if rf.blocking else paint(f"[{status}]", _DIM)
    lines = [
        f"{location(f.location)}: {paint.severity(f.severity)} {inert(f.rule)} {status_txt} "
        f"{inert(f.message)}"
    ]
    for snippet_line in f.snippet.splitlines():
        lines.append("    | " + inert(snippet_line.expandtabs(4)))
    props = view.public_properties(rf)
    if props:
        lines.append("    properties: " + ", ".join(f"{inert(k)}={inert(v)}" for k, v in props))
    for request in f.suppression_requests:
        lines.append(f"    suppression requested, not applied: {inert(request)}")
    if rf.status is Status.WAIVED:
        lines.append(f"    waived: {view.waiver_justification(rf)}")
    lines.append(f"    fingerprint: {f.fingerprint}")
    return lines


def _fixes(result: RunResult, paint: _Paint) -> list[str]:
    """`How to fix:` with one line per rule that has new findings and registered help."""
    rules = view.rules_by_id(result)
    new = sorted({rf.finding.rule for rf in result.findings if rf.status is Status.NEW})
    lines = [f"  {inert(rule)}: {inert(rules[rule].help)}" for rule in new if rule in rules]
    return [paint("How to fix:", _BOLD), *lines, ""] if lines else []


def _gate_row(summary: view.GateSummary, width: int, paint: _Paint) -> str:
    sev = ", ".join(f"{s.value} {n}" for s, n in summary.by_severity if n)
    status = ", ".join(f"{s.value} {n}" for s, n in summary.by_status if n)
    total = len(summary.findings)
    detail = view.count_phrase(total, "finding")
    if total:
        detail += f" ({sev}; {status})"
    if summary.blocking:
        detail += f", {summary.blocking} blocking"
    if summary.errors:
        detail += ", could not run"
    verdict = paint.verdict(summary.verdict)
    pad = " " * (len("blocked") - len(summary.verdict.value))
    return f"  {inert(summary.gate).ljust(width)}  {verdict}{pad}  {detail}"


def summary_line(result: RunResult, *, color: bool = False) -> str:
    """The one-line verdict that ends the text report (and the GitHub log output)."""
    paint = _Paint(color)
    whole = view.total(result)
    head: list[str] = []
    if whole.blocking:
        head.append(view.count_phrase(whole.blocking, "blocking finding"))
    if result.errors:
        head.append(view.count_phrase(len(result.errors), "gate error"))
    if not head:
        head.append("no blocking findings")
    statuses = ", ".join(f"{n} {s.value}" for s, n in whole.by_status if n)
    found = view.count_phrase(len(whole.findings), "finding")
    tail = [f"{found}: {statuses}" if statuses else found]
    tail.append(f"fail on {result.fail_on.value}")
    tail.append(view.count_phrase(result.scanned_files, "file") + " scanned")
    if result.skipped:
        tail.append(f"{len(result.skipped)} skipped")
    return f"{paint.verdict(result.verdict)}: {', '.join(head)} ({'; '.join(tail)})"


def render(result: RunResult, *, color: bool = False) -> str:
    paint = _Paint(color)
    out: list[str] = []
    for rf in view.by_importance(result.findings):
        out.extend(_finding(rf, paint))
    if result.findings:
        out.append("")
    out.extend(_fixes(result, paint))
    if result.errors:
        out.append(paint("Gate errors (each blocks the release):", _BOLD))
        for err in view.sorted_errors(result):
            out.append(f"  {inert(err.gate)}: {inert(err.reason)}. Fix: {inert(err.fix)}")
        out.append("")
    if result.skipped:
        out.append(paint(f"Skipped files ({len(result.skipped)}, not scanned):", _BOLD))
        for skipped in sorted(result.skipped, key=lambda s: s.path):
            out.append(f"  {inert(skipped.path)}: {inert(skipped.reason)}")
        out.append("")
    if result.stale_baseline:
        out.append(
            paint(f"Stale baseline entries ({len(result.stale_baseline)}, matched nothing):", _BOLD)
        )
        out.extend(f"  {inert(fp)}" for fp in sorted(result.stale_baseline))
        out.append("  Fix: run `gates baseline update` to drop them")
        out.append("")
    if result.approvals:
        out.append(paint("Approvals:", _BOLD))
        for note in sorted(result.approvals, key=lambda a: (a.id, a.state, a.reason)):
            out.append(f"  {inert(note.id)} {inert(note.state)}: {inert(note.reason)}")
        out.append("")
    if result.notes:
        out.append(paint("Notes:", _BOLD))
        out.extend(f"  {inert(note)}" for note in result.notes)
        out.append("")
    if result.tool_versions:
        tools = ", ".join(f"{inert(n)} {inert(v)}" for n, v in sorted(result.tool_versions))
        out.append(f"Tools: {tools}")
        out.append("")
    if result.clock:
        out.append(f"Clock: {inert(result.clock)} ({inert(result.clock_source)})")
        out.append("")
    summaries = view.gate_summaries(result)
    if summaries:
        out.append(paint("Gates:", _BOLD))
        width = max(len(inert(s.gate)) for s in summaries)
        out.extend(_gate_row(s, width, paint) for s in summaries)
        out.append("")
    out.append(summary_line(result, color=color))
    return "\n".join(out) + "\n"
