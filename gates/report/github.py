"""GitHub Actions output: workflow-command annotations and the Markdown step summary.

Annotations (`::error file=...,line=...,title=...::message`) go to stdout and show on the pull
request's diff. Only findings a reviewer must act on are annotated: new ones, at a level set by
severity (critical/high -> error, medium -> warning, low -> notice), ordered blocking first, then
by severity, then path, because GitHub displays only 10 per level and step (past that, one
annotation says how many more and where to find them); baselined and waived ones are counted in the
summary instead. The output ends with the text report's one-line verdict, as plain log text. A gate error is an `::error` without a file. Values are
escaped as the Actions toolkit does (`%`, CR, LF in data; also `:` and `,` in properties), so
text from a scanned file can never end a command early or start a new one.

The step summary (written by the CLI to `$GITHUB_STEP_SUMMARY`) has the verdict, a table of
gates and a table of findings per gate (capped per gate, with the number left out).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import assert_never
from urllib.parse import quote

from gates.model import Location, ReportedFinding, RunResult, Severity, Status, Verdict
from gates.report import view
from gates.report.inert import inert
from gates.report.text import location, summary_line

SUMMARY_ROWS_PER_GATE = 100
PER_LEVEL = 10  # annotations GitHub displays per level and step


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, properties: dict[str, str] | None = None) -> str:
    props = ",".join(f"{k}={escape_property(v)}" for k, v in (properties or {}).items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def annotation_level(sev: Severity) -> str:
    match sev:
        case Severity.LOW:
            return "notice"
        case Severity.MEDIUM:
            return "warning"
        case Severity.HIGH | Severity.CRITICAL:
            return "error"
        case _:
            assert_never(sev)


def _annotation(rf: ReportedFinding) -> str:
    f = rf.finding
    loc = f.location
    # inert: a control character in a file name must not reach the log (it renders ANSI)
    props: dict[str, str] = {"file": inert(loc.path)} if loc.path else {}
    if loc.path and loc.line > 0:
        props["line"] = str(loc.line)
        if loc.end_line > loc.line:
            props["endLine"] = str(loc.end_line)
        if loc.column > 0:
            props["col"] = str(loc.column)
            # GitHub takes column ranges on a single line only
            if loc.end_line in (0, loc.line) and loc.end_column > loc.column:
                props["endColumn"] = str(loc.end_column)
    props["title"] = f"{inert(f.rule)} ({f.severity.value}{', blocking' if rf.blocking else ''})"
    message = inert(f.message)
    for request in f.suppression_requests:
        message += f"\nSuppression requested, not applied: {inert(request)}"
    message += f"\nFingerprint: {f.fingerprint}"
    return command(annotation_level(f.severity), message, props)


def workflow_commands(result: RunResult) -> str:
    lines = [
        command(
            "error",
            f"{inert(e.reason)}. Fix: {inert(e.fix)}",
            {"title": f"gate {e.gate} could not run"},
        )
        for e in view.sorted_errors(result)
    ]
    lines.extend(annotation_lines(result, len(lines)))
    lines.append(summary_line(result))  # plain log text, not a command: the verdict, last
    return "".join(line + "\n" for line in lines)


def _priority(rf: ReportedFinding) -> tuple[int, int, str, int, str, str]:
    f = rf.finding
    return (
        -int(rf.blocking),
        -f.severity.rank,
        f.location.path,
        f.location.line,
        f.rule,
        f.fingerprint,
    )


def annotation_lines(result: RunResult, errors_used: int = 0) -> list[str]:
    """New findings as annotations, most important first (blocking, severity, then path), at
    most `PER_LEVEL` of each level: GitHub shows 10 per level per step and drops the rest
    silently, so past the limit one annotation of that level says how many more and where."""
    new = sorted((rf for rf in result.findings if rf.status is Status.NEW), key=_priority)
    by_level: dict[str, list[ReportedFinding]] = {}
    for rf in new:
        by_level.setdefault(annotation_level(rf.finding.severity), []).append(rf)
    out = []
    for lvl in ("error", "warning", "notice"):
        found = by_level.get(lvl, [])
        room = max(0, PER_LEVEL - (errors_used if lvl == "error" else 0))
        if len(found) <= room:
            out += [_annotation(rf) for rf in found]
            continue
        shown = max(0, room - 1)
        out += [_annotation(rf) for rf in found[:shown]]
        out.append(
            command(
                lvl,
                f"{len(found) - shown} more {lvl}-level findings are not annotated here (GitHub "
                f"shows {PER_LEVEL} per level and step). All findings are in the SARIF upload "
                f"(code scanning), the job summary and the JSON report.",
                {"title": f"release-gates: {len(found) - shown} more findings"},
            )
        )
    return out


_MD_SPECIAL = frozenset("\\`*_{}[]<>()#+-!|~&")


def md(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, no markup, no HTML."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in inert(text))


def _verdict_mark(verdict: Verdict) -> str:
    match verdict:
        case Verdict.PASS:
            return "✅ pass"
        case Verdict.BLOCKED:
            return "❌ blocked"
        case Verdict.ERROR:
            return "⛔ error"
        case _:
            assert_never(verdict)


def blob_url(environ: Mapping[str, str]) -> str | None:
    """`<server>/<owner>/<repo>/blob/<sha>/` from GitHub Actions' variables, when all are set."""
    parts = [environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA")]
    if not all(parts) or not re.fullmatch(r"[0-9a-f]{40}", parts[2]):
        return None
    return f"{parts[0].rstrip('/')}/{parts[1]}/blob/{parts[2]}/"


def _location_cell(loc: Location, blob: str | None) -> str:
    text = md(location(loc))
    if blob is None or not loc.path:
        return text
    anchor = f"#L{loc.line}" if loc.line > 0 else ""
    return f"[{text}]({blob}{quote(loc.path)}{anchor})"


def step_summary(result: RunResult, *, blob_url: str | None = None) -> str:
    whole = view.total(result)
    out = [f"## release-gates: {_verdict_mark(result.verdict)}", ""]
    facts = [
        view.count_phrase(whole.blocking, "blocking finding"),
        view.count_phrase(len(result.errors), "gate error"),
        view.count_phrase(len(whole.findings), "finding") + " in all",
        view.count_phrase(result.scanned_files, "file") + " scanned",
        f"fail on {result.fail_on.value}",
    ]
    if result.skipped:
        facts.append(f"{len(result.skipped)} skipped")
    out += [" · ".join(facts), ""]
    summaries = view.gate_summaries(result)
    out += [
        "| Gate | Verdict | Critical | High | Medium | Low | Blocking | New | Baselined | Waived |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in summaries:
        by_status = dict(s.by_status)
        severities = " | ".join(str(n) for _sev, n in s.by_severity)
        out.append(
            f"| {md(s.gate)} | {_verdict_mark(s.verdict)} | {severities} | {s.blocking} "
            f"| {by_status[Status.NEW]} | {by_status[Status.BASELINED]} "
            f"| {by_status[Status.WAIVED]} |"
        )
    out.append("")
    for s in summaries:
        if not s.findings and not s.errors:
            continue
        out += [f"### {md(s.gate)}: {_verdict_mark(s.verdict)}", ""]
        for err in s.errors:
            out += [f"**Could not run:** {md(err.reason)}. **Fix:** {md(err.fix)}", ""]
        if s.findings:
            out += [
                "| Severity | Rule | Location | Status | Message |",
                "| --- | --- | --- | --- | --- |",
            ]
            for rf in view.by_importance(s.findings)[:SUMMARY_ROWS_PER_GATE]:
                f = rf.finding
                out.append(
                    f"| {f.severity.value} | {md(f.rule)} | {_location_cell(f.location, blob_url)} "
                    f"| {view.status_label(rf)} | {md(f.message)} |"
                )
            left = len(s.findings) - SUMMARY_ROWS_PER_GATE
            if left > 0:
                out.append(f"\n… and {left} more (see the JSON or SARIF report)")
            out.append("")
    extras: list[str] = []
    if result.skipped:
        skipped = view.count_phrase(len(result.skipped), "file")
        extras.append(f"- {skipped} skipped, not scanned (listed in every report)")
    if result.stale_baseline:
        stale = view.count_phrase(
            len(result.stale_baseline), "stale baseline entry", "stale baseline entries"
        )
        extras.append(f"- {stale}: run `gates baseline update` to drop them")
    for note in sorted(result.approvals, key=lambda a: (a.id, a.state, a.reason)):
        extras.append(f"- approval {md(note.id)} {md(note.state)}: {md(note.reason)}")
    extras.extend(f"- {md(note)}" for note in result.notes)
    if extras:
        out += ["### Notes", "", *extras, ""]
    return "\n".join(out)


def render(result: RunResult) -> str:
    return workflow_commands(result)
