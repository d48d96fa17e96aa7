"""The JSON report: everything in a RunResult, in the documented shape of report.schema.json.

Machine readers (dashboards, `gates approve new --from report.json`) take this one. Keys are
sorted and findings ordered by `Finding.sort_key()`, so two runs on the same input give the same
bytes. Properties a gate flagged sensitive are left out (see `view.public_properties`).
Bump SCHEMA_VERSION on any incompatible change and describe it in the schema.
"""

from __future__ import annotations

import gates
from gates.model import Location, ReportedFinding, RuleInfo, RunResult
from gates.report import jsontext, view

SCHEMA_VERSION = 1


def _location(loc: Location) -> dict[str, object]:
    return {
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
    }


def _finding(rf: ReportedFinding) -> dict[str, object]:
    f = rf.finding
    waiver: dict[str, object] | None = None
    if rf.waiver_id or rf.signers or rf.justification:
        waiver = {
            "id": rf.waiver_id,
            "justification": rf.justification,
            "signers": list(rf.signers),
        }
    return {
        "gate": f.gate,
        "rule": f.rule,
        "severity": f.severity.value,
        "message": f.message,
        "location": _location(f.location),
        "fingerprint": f.fingerprint,
        "snippet": f.snippet,
        "properties": [{"name": k, "value": v} for k, v in view.public_properties(rf)],
        "suppression_requests": list(f.suppression_requests),
        **({} if f.magnitude is None else {"magnitude": f.magnitude}),
        **(
            {"related": [{"location": _location(loc), "message": m} for loc, m in f.related]}
            if f.related
            else {}
        ),
        "status": rf.status.value,
        "blocking": rf.blocking,
        "waiver": waiver,
    }


def _counts(summary: view.GateSummary) -> dict[str, object]:
    return {
        "findings": len(summary.findings),
        "blocking": summary.blocking,
        "by_severity": {sev.value: n for sev, n in summary.by_severity},
        "by_status": {st.value: n for st, n in summary.by_status},
    }


def _rule(rule: RuleInfo) -> dict[str, object]:
    return {
        "id": rule.id,
        "name": rule.name,
        "summary": rule.summary,
        "help": rule.help,
        "default_severity": rule.default_severity.value,
        "tags": list(rule.tags),
    }


def document(result: RunResult) -> dict[str, object]:
    """The report as a JSON-ready mapping (also the input of the evidence digest)."""
    whole = view.total(result)
    gate_entries = []
    for summary in view.gate_summaries(result):
        entry = _counts(summary)
        entry["id"] = summary.gate
        entry["verdict"] = summary.verdict.value
        entry["errors"] = [{"reason": e.reason, "fix": e.fix} for e in summary.errors]
        gate_entries.append(entry)
    run_counts = _counts(whole)
    run_counts["errors"] = len(result.errors)
    doc: dict[str, object] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": view.TOOL_NAME, "version": gates.__version__},
        "verdict": result.verdict.value,
        "exit_code": int(result.exit_code),
        "fail_on": result.fail_on.value,
        "policy_digest": result.policy_digest,
        "scanned_files": result.scanned_files,
        "summary": run_counts,
        "gates": gate_entries,
        "findings": [_finding(rf) for rf in view.sorted_findings(result)],
        "errors": [
            {"gate": e.gate, "reason": e.reason, "fix": e.fix} for e in view.sorted_errors(result)
        ],
        "rules": [_rule(r) for r in sorted(result.rules, key=lambda r: r.id)],
        "skipped": [
            {"path": s.path, "reason": s.reason}
            for s in sorted(result.skipped, key=lambda s: (s.path, s.reason))
        ],
        "stale_baseline": sorted(result.stale_baseline),
        "approvals": [
            {"id": a.id, "state": a.state, "reason": a.reason}
            for a in sorted(result.approvals, key=lambda a: (a.id, a.state, a.reason))
        ],
        "notes": list(result.notes),
        "clock": {"time": result.clock, "source": result.clock_source},
        "tool_versions": [{"name": n, "version": v} for n, v in sorted(result.tool_versions)],
    }
    return doc


def render(result: RunResult) -> str:
    return jsontext.dumps(document(result), pretty=True)
