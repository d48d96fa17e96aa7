"""The JSON report: valid against its shipped schema, complete, documented, private."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from gates.model import ReportedFinding, Severity, Status
from gates.report import Format, json_report, render
from tests import reportkit


def _schema() -> dict[str, Any]:
    text = resources.files("gates").joinpath("schemas/report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _validate(doc: Any) -> None:
    jsonschema.Draft202012Validator.check_schema(_schema())
    validator = jsonschema.Draft202012Validator(
        _schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []


@pytest.mark.parametrize("make", [reportkit.sample, reportkit.empty], ids=["sample", "empty"])
def test_report_validates_against_shipped_schema(make: Any) -> None:
    _validate(json.loads(render(make(), Format.JSON)))


def test_schema_rejects_what_it_should() -> None:
    doc = json.loads(render(reportkit.sample(), Format.JSON))
    doc["findings"][0]["status"] = "ignored"
    validator = jsonschema.Draft202012Validator(_schema())
    assert [e.message for e in validator.iter_errors(doc)] == [
        "'ignored' is not one of ['new', 'baselined', 'waived']"
    ]


def test_report_holds_everything_in_the_result() -> None:
    doc = json.loads(render(reportkit.sample(), Format.JSON))
    assert doc["schema_version"] == json_report.SCHEMA_VERSION == 1
    assert (doc["verdict"], doc["exit_code"], doc["fail_on"]) == ("error", 3, "high")
    assert doc["policy_digest"] == reportkit.POLICY_DIGEST
    assert [(f["location"]["path"], f["rule"]) for f in doc["findings"]] == [
        ("config/settings.py", "secrets.aws-key"),
        ("src/billing/charge.py", "pii.pan"),
        ("src/billing/charge.py", "sast.float-money"),
        ("tests/test_charge.py", "pii.test-pan"),
    ]
    assert [(g["id"], g["verdict"], g["findings"], g["blocking"]) for g in doc["gates"]] == [
        ("pii", "blocked", 2, 1),
        ("secrets", "pass", 1, 0),
        ("sast", "pass", 1, 0),
        ("audit-log", "error", 0, 0),
        ("signoff", "pass", 0, 0),
    ]
    assert doc["summary"] == {
        "findings": 4,
        "blocking": 1,
        "errors": 1,
        "by_severity": {"critical": 1, "high": 1, "medium": 1, "low": 1},
        "by_status": {"new": 2, "baselined": 1, "waived": 1},
    }
    waived = doc["findings"][2]
    assert waived["waiver"] == {
        "id": "W-2026-007",
        "justification": "Legacy report export, replaced in Q1 (PAY-1234)",
        "signers": ["alice@example.com", "bob@example.com"],
    }
    assert waived["suppression_requests"] == ["# nosec"]
    assert doc["errors"] == [
        {
            "gate": "audit-log",
            "reason": "policy names no payment-state changes",
            "fix": "list them under gates.audit-log.changes",
        }
    ]
    assert doc["skipped"] == [{"path": "assets/logo.png", "reason": "binary"}]
    assert doc["stale_baseline"] == ["f6" * 32]
    assert doc["approvals"] == [
        {"id": "W-2026-003", "state": "unused", "reason": "matched no finding"}
    ]
    assert doc["tool_versions"] == [
        {"name": "bandit", "version": "1.8.0"},
        {"name": "semgrep", "version": "1.100.0"},
    ]
    assert [r["id"] for r in doc["rules"]] == [
        "pii.pan",
        "pii.test-pan",
        "sast.float-money",
        "secrets.aws-key",
    ]


def test_sensitive_properties_are_withheld() -> None:
    doc = json.loads(render(reportkit.sample(), Format.JSON))
    pan = doc["findings"][1]
    assert pan["properties"] == [{"name": "issuer", "value": "visa"}]


def test_lone_surrogates_become_visible_escapes() -> None:
    rf = ReportedFinding(
        finding=reportkit.finding("pii", "pii.pan", Severity.HIGH, "caf\udce9.py", 1, "0" * 64),
        status=Status.NEW,
        blocking=True,
    )
    result = dataclasses.replace(reportkit.empty(), findings=(rf,))
    out = render(result, Format.JSON)
    out.encode("utf-8")
    assert json.loads(out)["findings"][0]["location"]["path"] == "caf\\udce9.py"
