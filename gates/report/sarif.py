"""The SARIF 2.1.0 report: one run per gate, for code-scanning UIs (GitHub, Azure DevOps, IDEs).

Each gate that was asked to run gets a run, even with zero results, so a consumer sees that the
gate ran and found nothing rather than that it never ran. `tool.driver` is `release-gates/<gate>`
with the gate's rules (help as text and Markdown, default level, CWE tags). Results carry
`partialFingerprints["releaseGates/v1"]` (our line-free fingerprint), `baselineState`
(`new` / `unchanged` for baselined findings), and suppressions: a signed waiver is an `external`,
`accepted` suppression with the waiver's reason, id and signers; an inline request (`# nosec`,
`# gates: allow pii`) is `inSource`, `underReview`, which does not suppress.

A gate error is an `invocations[0]` with `executionSuccessful: false` and a
`toolExecutionNotifications` entry holding the reason and the fix. Consumers cap results per run
(GitHub: 25,000); above the cap the least important results are dropped deterministically (non
blocking before blocking, lower severity first) and the run says so in `properties` and in a
notification. Paths are repo-relative URIs against `%SRCROOT%`; no absolute path is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never
from urllib.parse import quote

import gates
from gates.controls import catalog
from gates.controls.catalog import Catalog
from gates.model import (
    Location,
    ReportedFinding,
    RuleInfo,
    RunResult,
    Severity,
    SkippedFile,
    Status,
)
from gates.report import jsontext, view

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
VERSION = "2.1.0"
MAX_RESULTS_PER_RUN = 25_000
FINGERPRINT_KEY = "releaseGates/v1"
SRCROOT = "%SRCROOT%"
INFORMATION_URI = "https://github.com/release-gates/release-gates"


def automation_id(gate: str) -> str:
    """One code-scanning category per gate (GitHub keys uploads by it): `release-gates/<gate>/`."""
    return f"{view.TOOL_NAME}/{gate}/"


def level(sev: Severity) -> str:
    match sev:
        case Severity.LOW:
            return "note"
        case Severity.MEDIUM:
            return "warning"
        case Severity.HIGH | Severity.CRITICAL:
            return "error"
        case _:
            assert_never(sev)


def security_severity(sev: Severity) -> str:
    """GitHub's `security-severity` score (CVSS-like bands: >=9 critical, 7-8.9 high, ...)."""
    match sev:
        case Severity.LOW:
            return "2.0"
        case Severity.MEDIUM:
            return "5.0"
        case Severity.HIGH:
            return "8.0"
        case Severity.CRITICAL:
            return "9.5"
        case _:
            assert_never(sev)


def uri(path: str) -> str:
    """A repo-relative path as a relative URI reference (RFC 3986), percent-encoded.

    Undecodable bytes (lone surrogates from a non-UTF-8 file name) are encoded as the original
    bytes; `:` is encoded so a first segment can never be read as a URI scheme.
    """
    try:
        return quote(path, safe="/", errors="surrogateescape")
    except UnicodeEncodeError:
        return quote(path, safe="/", errors="backslashreplace")


def _artifact(path: str) -> dict[str, object]:
    return {"uri": uri(path), "uriBaseId": SRCROOT}


def _region(loc: Location, snippet: str) -> dict[str, object] | None:
    # A repository-level finding (signoff, reconcile, trust) points at the file that decides it:
    # line 1 at least, since GitHub rejects results without a start line (GH1003).
    region: dict[str, object] = {"startLine": max(1, loc.line)}
    if loc.line <= 0:
        return region
    if loc.column > 0:
        region["startColumn"] = loc.column
    end_line = loc.end_line if loc.end_line >= loc.line else loc.line
    if end_line != loc.line:
        region["endLine"] = end_line
    # an end column only makes sense after the start (same line) or on a later line
    if loc.end_column > 0 and (end_line > loc.line or loc.end_column > loc.column):
        if "endLine" not in region and loc.end_line == loc.line:
            region["endLine"] = end_line
        region["endColumn"] = loc.end_column
    if snippet:
        region["snippet"] = {"text": snippet}
    return region


def _tags(rule: RuleInfo, controls: Catalog) -> list[str]:
    """CWE tags (also in GitHub's `external/cwe` form) and the controls the rule evidences
    (`PCI-DSS-4.0/3.5.1`, `SOC2/CC8.1`, `GDPR/32`: gates/controls/controls.yaml)."""
    tags = ["security", *rule.tags, *controls.tags(rule)]
    for tag in rule.tags:
        if tag.upper().startswith("CWE-") and tag[4:].isdigit():
            tags.append(f"external/cwe/cwe-{int(tag[4:])}")
    return sorted(dict.fromkeys(tags))


def _descriptor(rule: RuleInfo, controls: Catalog) -> dict[str, object]:
    cwe = [t for t in rule.tags if t.upper().startswith("CWE-")]
    markdown = f"**{rule.summary}**\n\n{rule.help}"
    if cwe:
        markdown += "\n\nWeaknesses: " + ", ".join(cwe)
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.help},
        "help": {"text": f"{rule.summary}\n\n{rule.help}", "markdown": markdown},
        "defaultConfiguration": {"level": level(rule.default_severity)},
        "properties": {
            "tags": _tags(rule, controls),
            "security-severity": security_severity(rule.default_severity),
            "precision": "high",
        },
    }


def _suppressions(rf: ReportedFinding) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    if rf.status is Status.WAIVED:
        out.append(
            {
                "kind": "external",
                "status": "accepted",
                "justification": view.waiver_justification(rf),
                "properties": {"waiverId": rf.waiver_id, "signers": list(rf.signers)},
            }
        )
    for request in dict.fromkeys(rf.finding.suppression_requests):
        out.append(
            {
                "kind": "inSource",
                "status": "underReview",
                "justification": f"requested in source ({request}); not applied: only a "
                "signed approval waives a finding",
            }
        )
    return out


def _baseline_state(status: Status) -> str:
    match status:
        case Status.BASELINED:
            return "unchanged"
        case Status.NEW | Status.WAIVED:
            return "new"
        case _:
            assert_never(status)


def _result(rf: ReportedFinding, rule_index: int) -> dict[str, object]:
    f = rf.finding
    locations: list[dict[str, object]] = []
    if f.location.path:  # repository-scope findings (sign-off, reconcile) may have no file
        physical: dict[str, object] = {"artifactLocation": _artifact(f.location.path)}
        region = _region(f.location, f.snippet)
        if region is not None:
            physical["region"] = region
        locations.append({"physicalLocation": physical})
    result: dict[str, object] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": f.message},
        "locations": locations,
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "baselineState": _baseline_state(rf.status),
        "properties": {
            "severity": f.severity.value,
            "status": rf.status.value,
            "blocking": rf.blocking,
            "facts": [{"name": k, "value": v} for k, v in view.public_properties(rf)],
        },
    }
    if f.related:  # cited data rows (reconcile samples): file, and line when there is one
        result["relatedLocations"] = [
            {
                "id": i,
                "physicalLocation": {
                    "artifactLocation": _artifact(loc.path),
                    **({"region": {"startLine": loc.line}} if loc.line > 0 else {}),
                },
                "message": {"text": text},
            }
            for i, (loc, text) in enumerate(f.related, 1)
        ]
    suppressions = _suppressions(rf)
    if suppressions:
        result["suppressions"] = suppressions
    return result


def _importance(rf: ReportedFinding) -> tuple[int, int, int]:
    """Higher is kept first when a run must be truncated."""
    return (int(rf.blocking), int(rf.status is Status.NEW), rf.finding.severity.rank)


def select(
    findings: Sequence[ReportedFinding], cap: int
) -> tuple[tuple[ReportedFinding, ...], int]:
    """At most `cap` findings, the most important kept, in report order; and how many were cut."""
    if len(findings) <= cap:
        return tuple(findings), 0
    ranked = sorted(findings, key=lambda rf: rf.finding.sort_key())
    ranked.sort(key=_importance, reverse=True)  # stable: report order within equal importance
    kept = sorted(ranked[:cap], key=lambda rf: rf.finding.sort_key())
    return tuple(kept), len(findings) - cap


def _notification(text: str, lvl: str, descriptor: str) -> dict[str, object]:
    return {"level": lvl, "message": {"text": text}, "descriptor": {"id": descriptor}}


def _skipped_notification(skipped: SkippedFile) -> dict[str, object]:
    note = _notification(
        f"skipped {skipped.path}: {skipped.reason}", "note", "release-gates.skipped-file"
    )
    note["locations"] = [{"physicalLocation": {"artifactLocation": _artifact(skipped.path)}}]
    return note


def _run(
    summary: view.GateSummary,
    result: RunResult,
    rules: dict[str, RuleInfo],
    cap: int,
    controls: Catalog,
) -> dict[str, object]:
    gate = summary.gate
    rule_ids = {rf.finding.rule for rf in summary.findings}
    rule_ids |= {r for r in rules if r.startswith(gate + ".")}
    descriptors: list[RuleInfo] = []
    for rule_id in sorted(rule_ids):
        known = rules.get(rule_id)
        if known is None:
            first = next(rf for rf in summary.findings if rf.finding.rule == rule_id)
            known = view.rule_info(rules, first)
        descriptors.append(known)
    index = {rule.id: i for i, rule in enumerate(descriptors)}

    kept, omitted = select(summary.findings, cap)
    notifications = [
        _notification(f"{e.reason}. Fix: {e.fix}", "error", "release-gates.gate-error")
        for e in summary.errors
    ]
    if omitted:
        notifications.append(
            _notification(
                f"results truncated: {len(kept)} of {len(summary.findings)} included "
                f"({omitted} omitted, least severe and non-blocking first; SARIF consumers accept "
                f"at most {cap} per run). The JSON report lists every finding.",
                "warning",
                "release-gates.results-truncated",
            )
        )
    notifications.extend(_notification(note, "note", "release-gates.note") for note in result.notes)
    notifications.extend(
        _skipped_notification(s) for s in sorted(result.skipped, key=lambda s: (s.path, s.reason))
    )
    invocation: dict[str, object] = {"executionSuccessful": not summary.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "tool": {
            "driver": {
                "name": f"{view.TOOL_NAME}/{gate}",
                "informationUri": INFORMATION_URI,
                "version": gates.__version__,
                "semanticVersion": gates.__version__,
                "rules": [_descriptor(rule, controls) for rule in descriptors],
            }
        },
        "automationDetails": {"id": automation_id(gate)},
        "invocations": [invocation],
        # declared without a uri: where the checkout lives is the consumer's business, and an
        # absolute path of the scanning machine would make the file differ between machines
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The repository root."}}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(rf, index[rf.finding.rule]) for rf in kept],
        "properties": {
            "gate": gate,
            "verdict": summary.verdict.value,
            "blocking": summary.blocking,
            "totalResults": len(summary.findings),
            "truncated": bool(omitted),
            "omittedResults": omitted,
        },
    }


def document(result: RunResult, *, max_results: int = MAX_RESULTS_PER_RUN) -> dict[str, object]:
    rules = view.rules_by_id(result)
    controls = catalog.load()
    return {
        "$schema": SCHEMA_URI,
        "version": VERSION,
        "runs": [
            _run(s, result, rules, max_results, controls) for s in view.gate_summaries(result)
        ],
        "properties": {
            "verdict": result.verdict.value,
            "exitCode": int(result.exit_code),
            "failOn": result.fail_on.value,
            "policyDigest": result.policy_digest,
            "toolVersions": dict(sorted(result.tool_versions)),
            "approvalNotes": [
                {"id": a.id, "state": a.state, "reason": a.reason}
                for a in sorted(result.approvals, key=lambda a: (a.id, a.state, a.reason))
            ],
            "staleBaseline": sorted(result.stale_baseline),
            "clock": {"time": result.clock, "source": result.clock_source},
        },
    }


def render(result: RunResult, *, max_results: int = MAX_RESULTS_PER_RUN) -> str:
    return jsontext.dumps(document(result, max_results=max_results), pretty=False)
