"""GitLab security reports: `gl-sast-report.json` and `gl-secret-detection-report.json` (schema 15.0.7).

`--format gitlab-sast` holds every gate's findings except the secrets gate's (pii, sast, signoff,
reconcile: `scan.type` `sast`); `--format gitlab-secrets` holds the secrets gate's
(`scan.type` `secret_detection`). GitLab shows them in the merge request security widget and the
vulnerability report when a job declares them as `artifacts: reports: sast` / `secret_detection`.

What a vulnerability carries: a stable `id` (a UUID derived from gate, rule, fingerprint, path and
line), the rule's summary as `name`, the finding's message (already masked by its gate, made
inert) as `description`, the rule's help as `solution`, our rule id and its CWEs as
`identifiers`, the location, and `details` with the fingerprint and status (new, baselined,
waived and by whom). Never `raw_source_code_extract`: a secret or a card number never appears in
clear. Secret detection locations name a commit (`CI_COMMIT_SHA`, else `0000000`, as GitLab's own
analyzer writes for a working-tree scan). A gate that could not run makes `scan.status`
`failure`, with its reason and fix in `scan.messages`.

The schema requires `start_time`/`end_time`; reports carry no wall-clock time, so both are the
pipeline's creation time (`CI_PIPELINE_CREATED_AT`) under GitLab CI and the Unix epoch otherwise:
the same run gives the same bytes.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import assert_never

import gates
from gates.model import ReportedFinding, RuleInfo, RunResult, Severity
from gates.report import jsontext, view
from gates.report.inert import inert

SCHEMA_VERSION = "15.0.7"
SCHEMA_BASE = "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw"
EPOCH = "1970-01-01T00:00:00"
NO_COMMIT = "0000000"
SECRETS_GATE = "secrets"
_NAMESPACE = uuid.UUID("6f1c2a52-1b0e-4f0a-9d55-3f4e0c9b7a10")  # release-gates GitLab ids
_PROJECT_URL = "https://github.com/release-gates/release-gates"


class Kind(StrEnum):
    SAST = "sast"
    SECRET_DETECTION = "secret_detection"  # noqa: S105 - a report type name, not a credential

    @property
    def schema_file(self) -> str:
        match self:
            case Kind.SAST:
                return "sast-report-format.json"
            case Kind.SECRET_DETECTION:
                return "secret-detection-report-format.json"
            case _:
                assert_never(self)

    def includes(self, gate: str) -> bool:
        match self:
            case Kind.SAST:
                return gate != SECRETS_GATE
            case Kind.SECRET_DETECTION:
                return gate == SECRETS_GATE
            case _:
                assert_never(self)


def severity(sev: Severity) -> str:
    match sev:
        case Severity.LOW:
            return "Low"
        case Severity.MEDIUM:
            return "Medium"
        case Severity.HIGH:
            return "High"
        case Severity.CRITICAL:
            return "Critical"
        case _:
            assert_never(sev)


def scan_time(env: Mapping[str, str]) -> str:
    """`yyyy-mm-ddThh:mm:ss` (the schema's pattern) from `CI_PIPELINE_CREATED_AT`, else the epoch."""
    try:
        created = datetime.fromisoformat(env.get("CI_PIPELINE_CREATED_AT", ""))
    except ValueError:
        return EPOCH
    if created.tzinfo is not None:
        created = created.astimezone(UTC)
    return created.strftime("%Y-%m-%dT%H:%M:%S")


def _identifiers(rule_id: str, tags: Sequence[str]) -> list[dict[str, str]]:
    out = [{"type": "release_gates_rule", "name": rule_id, "value": rule_id}]
    for tag in tags:
        if tag.upper().startswith("CWE-") and tag[4:].isdigit():
            number = str(int(tag[4:]))
            out.append(
                {
                    "type": "cwe",
                    "name": f"CWE-{number}",
                    "value": number,
                    "url": f"https://cwe.mitre.org/data/definitions/{number}.html",
                }
            )
    return out


def _text(name: str, value: str) -> dict[str, object]:
    return {"name": name, "type": "text", "value": value}


def _vulnerability(
    rf: ReportedFinding, rules: Mapping[str, RuleInfo], kind: Kind, commit: str
) -> dict[str, object]:
    f = rf.finding
    rule = view.rule_info(rules, rf)
    loc = f.location
    location: dict[str, object] = {"file": loc.path}
    if loc.line > 0:
        location["start_line"] = loc.line
        location["end_line"] = max(loc.end_line, loc.line)
    if kind is Kind.SECRET_DETECTION:
        location["commit"] = {"sha": commit}
    ident = f"{f.gate}\0{f.rule}\0{f.fingerprint}\0{loc.path}\0{loc.line}"
    details: dict[str, object] = {
        "gate": _text("Gate", f.gate),
        "fingerprint": _text("Fingerprint", f.fingerprint),
        "status": _text("Status", view.status_label(rf)),
    }
    if rf.waiver_id:
        details["waiver"] = _text("Waiver", view.waiver_justification(rf))
    if f.snippet:
        details["snippet"] = {"name": "Snippet", "type": "code", "value": inert(f.snippet)}
    for key, value in view.public_properties(rf):
        details[f"property.{key}"] = _text(key, inert(value))
    return {
        "id": str(uuid.uuid5(_NAMESPACE, ident)),
        "name": inert(rule.summary)[:255] or f.rule,
        "description": inert(f.message)[:1_048_576],
        "severity": severity(f.severity),
        "solution": inert(rule.help)[:7000],
        "identifiers": _identifiers(f.rule, rule.tags),
        "location": location,
        "details": details,
    }


def report(
    result: RunResult, kind: Kind, *, scan_at: str = EPOCH, commit: str = NO_COMMIT
) -> dict[str, object]:
    """The report as a JSON value (see the module docstring)."""
    rules = view.rules_by_id(result)
    findings = [rf for rf in view.sorted_findings(result) if kind.includes(rf.finding.gate)]
    errors = [e for e in view.sorted_errors(result) if kind.includes(e.gate)]
    version = gates.__version__
    vendor = {"name": "release-gates"}
    scan: dict[str, object] = {
        "analyzer": {
            "id": "release-gates",
            "name": "release-gates",
            "url": _PROJECT_URL,
            "vendor": vendor,
            "version": version,
        },
        "scanner": {
            "id": f"release-gates-{kind.value.replace('_', '-')}",
            "name": "release-gates",
            "url": _PROJECT_URL,
            "vendor": vendor,
            "version": version,
        },
        "type": kind.value,
        "start_time": scan_at,
        "end_time": scan_at,
        "status": "failure" if errors else "success",
    }
    if errors:
        scan["messages"] = [
            {"level": "fatal", "value": inert(f"gate {e.gate}: {e.reason}. Fix: {e.fix}")}
            for e in errors
        ]
    return {
        "schema": f"{SCHEMA_BASE}/v{SCHEMA_VERSION}/dist/{kind.schema_file}",
        "version": SCHEMA_VERSION,
        "scan": scan,
        "vulnerabilities": [_vulnerability(rf, rules, kind, commit) for rf in findings],
    }


def render(result: RunResult, kind: Kind, *, scan_at: str = EPOCH, commit: str = NO_COMMIT) -> str:
    return jsontext.dumps(report(result, kind, scan_at=scan_at, commit=commit), pretty=True)
