"""The SARIF report: valid against the official OASIS schema, one run per gate, capped runs."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gates.model import GateError, Location, ReportedFinding, RunResult, Severity, Status
from gates.report import Format, render, sarif
from tests import reportkit

SCHEMA_PATH = Path(__file__).parent / "data" / "sarif-2.1.0.schema.json"
# The OASIS SARIF 2.1.0 errata01 schema, byte for byte (oasis-tcs/sarif-spec,
# Schemata/sarif-schema-2.1.0.json): a truncated or edited copy fails here.
SCHEMA_SHA256 = "ddddcccbf95c7c50c037b5b07eff4140556278ca574ff374db46786b5fce7949"


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text("utf-8"))
    return schema


def _validate(doc: Any) -> None:
    schema = _schema()
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    # The global checker knows `uri` and `uri-reference` (rfc3986-validator); draft-04's own
    # checker has no `uri-reference`, which the schema uses for artifact URIs.
    validator = validator_cls(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []


def _doc(result: RunResult, **kwargs: Any) -> dict[str, Any]:
    text = sarif.render(result, **kwargs) if kwargs else render(result, Format.SARIF)
    doc: dict[str, Any] = json.loads(text)
    return doc


def test_vendored_schema_is_the_official_one() -> None:
    raw = SCHEMA_PATH.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256
    schema = _schema()
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert schema["id"] == sarif.SCHEMA_URI
    assert len(schema["definitions"]) == 52
    assert schema["required"] == ["version", "runs"]


def test_the_validator_catches_invalid_sarif() -> None:
    doc = _doc(reportkit.sample())
    doc["runs"][0]["results"][0]["level"] = "fatal"
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = (
        "a b"
    )
    with pytest.raises(AssertionError, match="'fatal' is not one of"):
        _validate(doc)
    doc["runs"][0]["results"][0]["level"] = "error"
    with pytest.raises(AssertionError, match="'a b' is not a 'uri-reference'"):
        _validate(doc)


@pytest.mark.parametrize("make", [reportkit.sample, reportkit.empty], ids=["sample", "empty"])
def test_validates_against_official_schema(make: Any) -> None:
    _validate(_doc(make()))


def test_one_run_per_gate_including_clean_and_failed_gates() -> None:
    doc = _doc(reportkit.sample())
    assert doc["version"] == "2.1.0"
    assert doc["$schema"] == sarif.SCHEMA_URI
    assert doc["properties"] == {
        "verdict": "error",
        "exitCode": 3,
        "failOn": "high",
        "policyDigest": reportkit.POLICY_DIGEST,
        "toolVersions": {"bandit": "1.8.0", "semgrep": "1.100.0"},
        "approvalNotes": [{"id": "W-2026-003", "state": "unused", "reason": "matched no finding"}],
        "staleBaseline": ["f6" * 32],
        "clock": {"time": "", "source": ""},
    }
    runs = doc["runs"]
    assert [r["tool"]["driver"]["name"] for r in runs] == [
        "release-gates/pii",
        "release-gates/secrets",
        "release-gates/sast",
        "release-gates/audit-log",
        "release-gates/signoff",
    ]
    assert [len(r["results"]) for r in runs] == [2, 1, 1, 0, 0]
    assert {json.dumps(r["originalUriBaseIds"]) for r in runs} == {
        '{"%SRCROOT%": {"description": {"text": "The repository root."}}}'
    }
    assert [r["invocations"][0]["executionSuccessful"] for r in runs] == [
        True,
        True,
        True,
        False,
        True,
    ]
    error_notes = [
        n for n in runs[3]["invocations"][0]["toolExecutionNotifications"] if n["level"] == "error"
    ]
    assert error_notes == [
        {
            "level": "error",
            "message": {
                "text": "policy names no payment-state changes. "
                "Fix: list them under gates.audit-log.changes"
            },
            "descriptor": {"id": "release-gates.gate-error"},
        }
    ]


def test_rules_and_results_agree() -> None:
    pii = _doc(reportkit.sample())["runs"][0]
    rules = pii["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["pii.pan", "pii.test-pan"]
    assert rules[0] == {
        "id": "pii.pan",
        "name": "pan",
        "shortDescription": {"text": "Card number (PAN) in source"},
        "fullDescription": {
            "text": "A primary account number in a repository leaks cardholder data. "
            "Remove it and use a tokenised test value."
        },
        "help": {
            "text": "Card number (PAN) in source\n\nA primary account number in a repository "
            "leaks cardholder data. Remove it and use a tokenised test value.",
            "markdown": "**Card number (PAN) in source**\n\nA primary account number in a "
            "repository leaks cardholder data. Remove it and use a tokenised test value."
            "\n\nWeaknesses: CWE-312",
        },
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": [  # CWE and the controls gates/controls/controls.yaml maps pii.pan to
                "CWE-312",
                "GDPR/32",
                "GDPR/5(1)(f)",
                "PCI-DSS-3.4",
                "PCI-DSS-4.0/3.5.1",
                "PCI-DSS-4.0/6.5.5",
                "SOC2/C1.1",
                "external/cwe/cwe-312",
                "security",
            ],
            "security-severity": "9.5",
            "precision": "high",
        },
    }
    for result in pii["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    pan, test_pan = pii["results"]
    assert pan == {
        "ruleId": "pii.pan",
        "ruleIndex": 0,
        "level": "error",
        "message": {"text": "Visa card number 4111 11•• •••• 1111"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "src/billing/charge.py", "uriBaseId": "%SRCROOT%"},
                    "region": {
                        "startLine": 12,
                        "startColumn": 9,
                        "snippet": {"text": 'card = "4111 11•• •••• 1111"'},
                    },
                }
            }
        ],
        "partialFingerprints": {"releaseGates/v1": reportkit.FP_PAN},
        "baselineState": "new",
        "properties": {
            "severity": "critical",
            "status": "new",
            "blocking": True,
            "facts": [{"name": "issuer", "value": "visa"}],
        },
        "suppressions": [
            {
                "kind": "inSource",
                "status": "underReview",
                "justification": "requested in source (# gates: allow pii); not applied: only "
                "a signed approval waives a finding",
            }
        ],
    }
    assert (test_pan["level"], test_pan["ruleIndex"]) == ("note", 1)


def test_waived_and_baselined_results() -> None:
    runs = _doc(reportkit.sample())["runs"]
    baselined = runs[1]["results"][0]
    assert (baselined["baselineState"], "suppressions" in baselined) == ("unchanged", False)
    waived = runs[2]["results"][0]
    assert waived["baselineState"] == "new"
    assert waived["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "Legacy report export, replaced in Q1 (PAY-1234); "
            "waiver W-2026-007; signed by alice@example.com, bob@example.com",
            "properties": {
                "waiverId": "W-2026-007",
                "signers": ["alice@example.com", "bob@example.com"],
            },
        },
        {
            "kind": "inSource",
            "status": "underReview",
            "justification": "requested in source (# nosec); not applied: only a signed "
            "approval waives a finding",
        },
    ]


def _one(loc: Location, *, requests: tuple[str, ...] = ()) -> RunResult:
    rf = ReportedFinding(
        finding=dataclasses.replace(
            reportkit.finding("pii", "pii.pan", Severity.HIGH, loc.path, 0, "0" * 64),
            location=loc,
            suppression_requests=requests,
        ),
        status=Status.NEW,
        blocking=True,
    )
    return dataclasses.replace(reportkit.empty(), findings=(rf,), rules=reportkit.RULES)


@pytest.mark.parametrize(
    ("loc", "uri", "region"),
    [
        (Location(path="README.md"), "README.md", {"startLine": 1}),  # GH1003: never none
        (Location(path="a b/ü#1?.py", line=2), "a%20b/%C3%BC%231%3F.py", {"startLine": 2}),
        (Location(path="c:x.py", line=1), "c%3Ax.py", {"startLine": 1}),
        (Location(path="caf\udce9.py", line=1), "caf%E9.py", {"startLine": 1}),
        (
            Location(path="m.py", line=3, column=2, end_line=4, end_column=9),
            "m.py",
            {"startLine": 3, "startColumn": 2, "endLine": 4, "endColumn": 9},
        ),
        (
            Location(path="m.py", line=3, column=5, end_line=3, end_column=9),
            "m.py",
            {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 9},
        ),
        (
            Location(path="m.py", line=3, column=9, end_column=5),
            "m.py",
            {"startLine": 3, "startColumn": 9},
        ),
        (Location(path="m.py", line=7, end_line=2), "m.py", {"startLine": 7}),
    ],
    ids=[
        "whole-file",
        "escaped",
        "colon-not-scheme",
        "undecodable-byte",
        "full-region",
        "same-line-range",
        "end-column-before-start",
        "end-line-before-start",
    ],
)
def test_locations(loc: Location, uri: str, region: dict[str, int] | None) -> None:
    doc = _doc(_one(loc))
    _validate(doc)
    physical = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": uri, "uriBaseId": "%SRCROOT%"}
    assert physical.get("region") == region


def test_repository_finding_has_no_location() -> None:
    doc = _doc(_one(Location(path="")))
    _validate(doc)
    assert doc["runs"][0]["results"][0]["locations"] == []


def test_duplicate_suppression_requests_stay_unique() -> None:
    doc = _doc(_one(Location(path="a.py", line=1), requests=("# nosec", "# nosec")))
    _validate(doc)  # suppressions must be uniqueItems
    assert len(doc["runs"][0]["results"][0]["suppressions"]) == 1


def test_rule_without_metadata_gets_a_stand_in_descriptor() -> None:
    result = dataclasses.replace(_one(Location(path="a.py", line=1)), rules=())
    doc = _doc(result)
    _validate(doc)
    assert doc["runs"][0]["tool"]["driver"]["rules"][0]["id"] == "pii.pan"


def _many(n: int, blocking_every: int) -> RunResult:
    findings = tuple(
        ReportedFinding(
            finding=reportkit.finding(
                "pii",
                "pii.pan",
                Severity.HIGH if i % blocking_every == 0 else Severity.LOW,
                f"f{i // 1000:03d}.py",
                i % 1000 + 1,
                f"{i:064x}",
            ),
            status=Status.NEW,
            blocking=i % blocking_every == 0,
        )
        for i in range(n)
    )
    return dataclasses.replace(
        reportkit.empty(),
        findings=findings,
        rules=reportkit.RULES,
        errors=(GateError(gate="secrets", reason="r", fix="f"),),
        gates=("pii", "secrets"),
    )


def test_small_cap_keeps_the_most_important_and_says_so() -> None:
    doc = _doc(_many(10, blocking_every=4), max_results=4)
    _validate(doc)
    pii = doc["runs"][0]
    kept = [r["partialFingerprints"]["releaseGates/v1"] for r in pii["results"]]
    # blocking findings (0, 4, 8) first, then the earliest in report order (1): report order kept
    assert kept == [f"{i:064x}" for i in (0, 1, 4, 8)]
    assert pii["properties"] == {
        "gate": "pii",
        "verdict": "blocked",
        "blocking": 3,
        "totalResults": 10,
        "truncated": True,
        "omittedResults": 6,
    }
    assert pii["invocations"][0]["toolExecutionNotifications"] == [
        {
            "level": "warning",
            "message": {
                "text": "results truncated: 4 of 10 included (6 omitted, least severe and "
                "non-blocking first; SARIF consumers accept at most 4 per run). "
                "The JSON report lists every finding."
            },
            "descriptor": {"id": "release-gates.results-truncated"},
        }
    ]
    assert doc["runs"][1]["properties"]["truncated"] is False


def test_default_cap_is_25000_results_per_run() -> None:
    assert sarif.MAX_RESULTS_PER_RUN == 25_000
    doc = _doc(_many(25_001, blocking_every=1000))
    pii = doc["runs"][0]
    assert len(pii["results"]) == 25_000
    assert (pii["properties"]["totalResults"], pii["properties"]["omittedResults"]) == (25_001, 1)
    blocking = [r for r in pii["results"] if r["properties"]["blocking"]]
    assert len(blocking) == 26  # every blocking finding survives the cut
    # the one dropped is the last non-blocking finding in report order (25,000 is blocking)
    dropped = {f"{i:064x}" for i in range(25_001)} - {
        r["partialFingerprints"]["releaseGates/v1"] for r in pii["results"]
    }
    assert dropped == {f"{24_999:064x}"}


def test_exactly_at_the_cap_is_not_truncated() -> None:
    kept, omitted = sarif.select(_many(5, blocking_every=2).findings, 5)
    assert (len(kept), omitted) == (5, 0)


def test_cited_data_rows_are_related_locations() -> None:
    """A reconcile finding's sampled rows: a JSONL line with its line, a Parquet file without."""
    result = _one(Location(path="data/e.jsonl", line=1))
    (rf,) = result.findings
    related = (
        (Location(path="data/e.jsonl", line=3), "events row data/e.jsonl:3"),
        (Location(path="w/e.parquet"), "events row w/e.parquet row group 0 row 7"),
    )
    rf = dataclasses.replace(rf, finding=dataclasses.replace(rf.finding, related=related))
    doc = _doc(dataclasses.replace(result, findings=(rf,)))
    _validate(doc)
    assert doc["runs"][0]["results"][0]["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": "data/e.jsonl", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 3},
            },
            "message": {"text": "events row data/e.jsonl:3"},
        },
        {
            "id": 2,
            "physicalLocation": {
                "artifactLocation": {"uri": "w/e.parquet", "uriBaseId": "%SRCROOT%"}
            },
            "message": {"text": "events row w/e.parquet row group 0 row 7"},
        },
    ]
