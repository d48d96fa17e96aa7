"""`gates demo --evidence F --sign`: signed evidence of a full run, valid against the schema."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from gates.attest import statement as evidence_statement
from gates.cli import main


def _main(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_demo_writes_signed_evidence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _ = _main(
        "demo", "--keep", "repo", "--evidence", "ev.json", "--sign", "--format", "json=run.json"
    )
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ev.dsse.json",
        "ev.json",
        "ev.json.allowed_signers",
        "repo",
        "run.json",
    ]
    doc = json.loads((tmp_path / "ev.json").read_text())
    jsonschema.Draft202012Validator(evidence_statement.schema()).validate(doc)
    predicate = doc["predicate"]
    assert predicate["clock"] == {"time": "2026-01-20T12:00:00Z", "source": "the demo's fixed date"}
    assert {g["id"] for g in predicate["gates"]} == {
        "audit-log",
        "pii",
        "reconcile",
        "sast",
        "secrets",
        "signoff",
    }
    assert predicate["reconciliation"]["verdict"] == "blocked"
    assert {"semgrep", "bandit", "detect-secrets", "duckdb"} <= set(predicate["engines"])
    assert [p["name"] for p in predicate["rulePacks"]] == [
        "policies/semgrep-bandit/bandit-checks.yaml",  # sorted by name: "-" before "/"
        "policies/semgrep/payments.yaml",
        "policies/semgrep/proofs.yaml",
        "policies/semgrep/python-security.yaml",
    ]
    outcomes = {r["control"]: r["outcome"] for r in predicate["controls"]["table"]}
    assert outcomes["PCI-DSS-4.0/3.5.1"] == "failed"
    assert outcomes["PCI-DSS-4.0/10.2.1"] == "failed"  # the demo's refund path logs nothing
    code, text = _main(
        "evidence",
        "verify",
        "ev.dsse.json",
        "--allowed-signers",
        "ev.json.allowed_signers",
        "--repo",
        "repo",
    )
    assert code == 0
    assert text.endswith("valid: ev.dsse.json; subject matches HEAD in repo\n")
    # the controls table of the saved report is the one in the evidence
    code, text = _main("controls", "--report", "run.json", "--json")
    assert json.loads(text) == predicate["controls"]["table"]


def test_demo_sign_needs_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    assert _main("demo", "--sign") == (2, "")
    assert (
        "gates: --sign: --evidence: not given: there is nothing to sign. Fix: add --evidence FILE"
        in capsys.readouterr().err
    )
