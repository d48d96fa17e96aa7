"""GitLab Code Quality report (`--format codequality`): the merge request's code quality widget.

A JSON array of issues in the subset of the Code Climate spec GitLab reads
(https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format): `description`,
`check_name` (our rule id), `fingerprint`, `severity` (low -> minor, medium -> major, high ->
critical, critical -> blocker) and `location.path` with `lines.begin`. GitLab keeps only the first
issue of a fingerprint, so each occurrence gets its own: our line-free fingerprint plus the
occurrence's index among its twins, hashed, which stays stable when code moves. Descriptions are
the findings' messages, already masked by their gates; a secret or a card number never appears
in clear. Every finding is listed, with its status (new, baselined, waived) in the description.
A gate that could not run is a `blocker` issue on `.release-gates/policy.yaml`.
"""

from __future__ import annotations

import hashlib
from typing import assert_never

from gates.model import RunResult, Severity
from gates.report import jsontext, view
from gates.report.inert import inert

ERROR_PATH = ".release-gates/policy.yaml"


def severity(sev: Severity) -> str:
    match sev:
        case Severity.LOW:
            return "minor"
        case Severity.MEDIUM:
            return "major"
        case Severity.HIGH:
            return "critical"
        case Severity.CRITICAL:
            return "blocker"
        case _:
            assert_never(sev)


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def issues(result: RunResult) -> list[dict[str, object]]:
    """The report as a JSON value, in report order (see the module docstring)."""
    out: list[dict[str, object]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for rf in view.sorted_findings(result):
        f = rf.finding
        key = (f.gate, f.rule, f.fingerprint)
        seen[key] = seen.get(key, 0) + 1
        out.append(
            {
                "type": "issue",
                "check_name": f.rule,
                "description": inert(f"{f.message} ({view.status_label(rf)})"),
                "categories": ["Security"],
                "fingerprint": _fingerprint(*key, f.location.path, str(seen[key])),
                "severity": severity(f.severity),
                "location": {"path": f.location.path, "lines": {"begin": max(f.location.line, 1)}},
            }
        )
    for e in view.sorted_errors(result):
        out.append(
            {
                "type": "issue",
                "check_name": f"{e.gate}.gate-error",
                "description": inert(f"gate {e.gate} could not run: {e.reason}. Fix: {e.fix}"),
                "categories": ["Bug Risk"],
                "fingerprint": _fingerprint(e.gate, "gate-error", e.reason),
                "severity": "blocker",
                "location": {"path": ERROR_PATH, "lines": {"begin": 1}},
            }
        )
    return out


def render(result: RunResult) -> str:
    return jsontext.dumps(issues(result), pretty=True)
