"""The evidence file: an in-toto Statement v1 that ties a verdict to a commit, policy and report."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from gates.controls import catalog, table
from gates.errors import InvalidInput
from gates.model import ReportedFinding, Severity, Status
from gates.report import Format, evidence, render
from tests import reportkit

COMMIT = "0123456789abcdef0123456789abcdef01234567"
SUBJECT = evidence.git_commit("github.com/acme/payments", COMMIT)


def _statement(result: Any = None, subjects: Any = (SUBJECT,)) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(evidence.render(result or reportkit.sample(), subjects))
    return doc


def test_statement_envelope() -> None:
    doc = _statement()
    assert doc["_type"] == "https://in-toto.io/Statement/v1"
    assert doc["predicateType"] == evidence.PREDICATE_TYPE
    assert doc["subject"] == [{"name": "github.com/acme/payments", "digest": {"gitCommit": COMMIT}}]


def test_validates_against_shipped_schema() -> None:
    text = resources.files("gates").joinpath("schemas/evidence.schema.json").read_text("utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    for result in (reportkit.sample(), reportkit.empty()):
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(_statement(result)))
        assert [e.message for e in errors] == []


def _sev(critical: int = 0, high: int = 0, medium: int = 0, low: int = 0) -> dict[str, int]:
    return {"critical": critical, "high": high, "medium": medium, "low": low}


def test_predicate_records_the_decision() -> None:
    predicate = _statement()["predicate"]
    report = render(reportkit.sample(), Format.JSON).encode("utf-8")
    mapping = resources.files("gates").joinpath("controls/controls.yaml").read_bytes()
    assert predicate.pop("controls") == {
        "mapping": {
            "name": "gates/controls/controls.yaml",
            "digest": {"sha256": hashlib.sha256(mapping).hexdigest()},
        },
        "table": table.to_json(table.rows(reportkit.sample(), catalog.load())),
    }
    assert predicate == {
        "tool": {"name": "release-gates", "version": "0.1.0"},
        "policy": {
            "digest": {"sha256": reportkit.POLICY_DIGEST},
            "trustRef": {"ref": None, "commit": None},
        },
        "scope": "all tracked files",
        "verdict": "error",
        "exitCode": 3,
        "failOn": "high",
        "gates": [
            {
                "id": "pii",
                "verdict": "blocked",
                "findings": 2,
                "blocking": 1,
                "new": 2,
                "baselined": 0,
                "waived": 0,
                "bySeverity": _sev(critical=1, low=1),
                "errors": [],
            },
            {
                "id": "secrets",
                "verdict": "pass",
                "findings": 1,
                "blocking": 0,
                "new": 0,
                "baselined": 1,
                "waived": 0,
                "bySeverity": _sev(high=1),
                "errors": [],
            },
            {
                "id": "sast",
                "verdict": "pass",
                "findings": 1,
                "blocking": 0,
                "new": 0,
                "baselined": 0,
                "waived": 1,
                "bySeverity": _sev(medium=1),
                "errors": [],
            },
            {
                "id": "audit-log",
                "verdict": "error",
                "findings": 0,
                "blocking": 0,
                "new": 0,
                "baselined": 0,
                "waived": 0,
                "bySeverity": _sev(),
                "errors": [
                    {
                        "reason": "policy names no payment-state changes",
                        "fix": "list them under gates.audit-log.changes",
                    }
                ],
            },
            {
                "id": "signoff",
                "verdict": "pass",
                "findings": 0,
                "blocking": 0,
                "new": 0,
                "baselined": 0,
                "waived": 0,
                "bySeverity": _sev(),
                "errors": [],
            },
        ],
        "findingsBySeverity": _sev(critical=1, high=1, medium=1, low=1),
        "toolVersions": {"bandit": "1.8.0", "semgrep": "1.100.0"},
        "engines": {},
        "rulePacks": [],
        "approvalsApplied": [
            {
                "id": "W-2026-007",
                "expiresAt": None,
                "justification": "Legacy report export, replaced in Q1 (PAY-1234)",
                "signers": ["alice@example.com", "bob@example.com"],
                "findings": [
                    {
                        "gate": "sast",
                        "rule": "sast.float-money",
                        "fingerprint": reportkit.FP_FLOAT,
                        "occurrences": 1,
                    }
                ],
            }
        ],
        "signoffsApplied": [],
        "approvalNotes": [{"id": "W-2026-003", "state": "unused", "reason": "matched no finding"}],
        "baseline": {"accepted": 1, "stale": 1},
        "scannedFiles": 42,
        "clock": {"time": "", "source": ""},
        "workingTree": "unknown",
        "skippedFiles": 1,
        "reconciliation": None,
        "report": {
            "mediaType": "application/json",
            "schemaVersion": 1,
            "digest": {"sha256": hashlib.sha256(report).hexdigest()},
        },
    }


def test_waiver_occurrences_are_counted_per_fingerprint() -> None:
    result = reportkit.sample()
    waived = next(rf for rf in result.findings if rf.waiver_id)
    moved = dataclasses.replace(
        waived,
        finding=dataclasses.replace(
            waived.finding, location=dataclasses.replace(waived.finding.location, line=90)
        ),
        signers=("carol@example.com",),
    )
    doc = _statement(dataclasses.replace(result, findings=(*result.findings, moved)))
    (applied,) = doc["predicate"]["approvalsApplied"]
    assert applied["signers"] == ["alice@example.com", "bob@example.com", "carol@example.com"]
    assert applied["findings"][0]["occurrences"] == 2


def test_any_change_to_the_result_changes_the_report_digest() -> None:
    base = _statement()["predicate"]["report"]["digest"]["sha256"]
    result = reportkit.sample()
    first: ReportedFinding = result.findings[0]
    edited = dataclasses.replace(
        first, finding=dataclasses.replace(first.finding, message="amount is a float!")
    )
    changed = dataclasses.replace(result, findings=(edited, *result.findings[1:]))
    assert _statement(changed)["predicate"]["report"]["digest"]["sha256"] != base


def test_subjects_are_sorted_and_rendering_is_stable() -> None:
    other = evidence.Subject(name="artifact.whl", digest=(("sha256", "ab" * 32),))
    one = evidence.render(reportkit.sample(), (SUBJECT, other))
    two = evidence.render(reportkit.sample(), (other, SUBJECT))
    assert one == two
    assert [s["name"] for s in json.loads(one)["subject"]] == [
        "artifact.whl",
        "github.com/acme/payments",
    ]


@pytest.mark.parametrize(
    ("subjects", "message"),
    [
        ((), "evidence: subject: no subject to attest. Fix: pass the gated commit as the subject"),
        (
            (evidence.Subject(name=" ", digest=(("sha256", "ab" * 32),)),),
            "evidence: subject[0].name: empty name. Fix: name the repository or artifact",
        ),
        (
            (evidence.Subject(name="x", digest=()),),
            "evidence: subject[0].digest: no digest. Fix: give at least one digest",
        ),
        (
            (evidence.Subject(name="x", digest=(("md5", "ab" * 16),)),),
            "evidence: subject[0].digest: unsupported digest algorithm 'md5'. Fix: use one of "
            "gitBlob, gitCommit, gitTree, sha1, sha256, sha384, sha512",
        ),
        (
            (evidence.git_commit("x", COMMIT.upper()),),
            f"evidence: subject[0].digest.gitCommit: '{COMMIT.upper()}' is not a lowercase hex "
            "digest of length 40 or 64. Fix: pass the full digest in lowercase hex",
        ),
        (
            (evidence.git_commit("x", COMMIT[:12]),),
            f"evidence: subject[0].digest.gitCommit: '{COMMIT[:12]}' is not a lowercase hex "
            "digest of length 40 or 64. Fix: pass the full digest in lowercase hex",
        ),
    ],
    ids=["no-subject", "blank-name", "no-digest", "unknown-algorithm", "uppercase", "short-sha"],
)
def test_bad_subjects_are_invalid_input(subjects: Any, message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        evidence.render(reportkit.sample(), subjects)
    assert str(info.value) == message


def test_no_policy_digest_is_invalid_input() -> None:
    result = dataclasses.replace(reportkit.sample(), policy_digest="")
    with pytest.raises(InvalidInput) as info:
        evidence.render(result, (SUBJECT,))
    assert str(info.value) == (
        "evidence: policy_digest: the run has no sha256 policy digest. "
        "Fix: run with a resolved policy (the runner records its digest)"
    )


def test_context_fields_and_reconciliation() -> None:
    """What the shell gathers (trust ref, engines, expiry, sign-offs, the tree) lands in the
    predicate, and a reconcile run is summarised per class; the result validates."""
    result = reportkit.sample()
    stuck = ReportedFinding(
        finding=dataclasses.replace(
            reportkit.finding(
                "reconcile", "reconcile.stuck", Severity.MEDIUM, "data/events.jsonl", 0, "c1" * 32
            ),
            magnitude=7,
        ),
        status=Status.NEW,
        blocking=False,
    )
    result = dataclasses.replace(
        result, gates=(*result.gates, "reconcile"), findings=(*result.findings, stuck)
    )
    context = evidence.Context(
        trust_ref="origin/main",
        trust_commit="ab" * 20,
        engines=(("semgrep", "1.100.0"), ("duckdb", "1.1.0")),
        rule_packs=(("policies/semgrep/payments.yaml", "cd" * 32),),
        approval_expiry=(("W-2026-007", "2026-03-01T00:00:00Z"),),
        signoffs=(
            evidence.SignoffApplied(
                id="S-1",
                signers=("legal@example.com", "cto@example.com"),
                issued_at="2026-01-02T00:00:00Z",
            ),
        ),
        scope="the files changed since the merge base with origin/main",
    )
    subjects = evidence.tree(COMMIT, "ef" * 20, "12" * 32, 42, dirty=True)
    doc = json.loads(evidence.render(result, subjects, context))
    text = resources.files("gates").joinpath("schemas/evidence.schema.json").read_text("utf-8")
    jsonschema.Draft202012Validator(json.loads(text)).validate(doc)
    assert doc["subject"][1] == {
        "name": "tree",
        "digest": {"gitTree": "ef" * 20, "sha256": "12" * 32},
        "annotations": {"digestAlgorithm": "release-gates-tree-v1", "dirty": True, "files": 42},
    }
    p = doc["predicate"]
    assert p["policy"]["trustRef"] == {"ref": "origin/main", "commit": "ab" * 20}
    assert p["engines"] == {"duckdb": "1.1.0", "semgrep": "1.100.0"}
    assert p["rulePacks"] == [
        {"name": "policies/semgrep/payments.yaml", "digest": {"sha256": "cd" * 32}}
    ]
    assert p["approvalsApplied"][0]["expiresAt"] == "2026-03-01T00:00:00Z"
    assert p["signoffsApplied"] == [
        {
            "id": "S-1",
            "signers": ["cto@example.com", "legal@example.com"],
            "issuedAt": "2026-01-02T00:00:00Z",
        }
    ]
    assert p["scope"] == "the files changed since the merge base with origin/main"
    assert p["reconciliation"] == {
        "verdict": "pass",
        "classes": [
            {"rule": "reconcile.stuck", "findings": 1, "payments": 7, "blocking": 0, "accepted": 0}
        ],
    }
