"""GitLab report formats, as `gates run` writes them for a real repository, against GitLab's schemas.

The security report schemas are GitLab's own (15.0.7, vendored byte for byte under
tests/data/gitlab/); Code Quality has no published schema, so ours follows GitLab's documentation.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gates.model import Severity
from gates.pipeline import default_trust_ref
from gates.report import Format, codequality, gitlab, render
from tests import reportkit
from tests.gatekit import make_repo

DATA = Path(__file__).parent / "data" / "gitlab"
PAN_GROUPED = "4539 1488 0343 6467"  # Luhn-valid Visa, not a published test number
PAN = PAN_GROUPED.replace(" ", "")
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"  # split so this file itself is not a finding
COMMIT = "5f89187f0433fc84d8387de25220185235d61ed1"


def _schema(name: str) -> jsonschema.Draft7Validator:
    schema = json.loads((DATA / name).read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _errors(validator: jsonschema.Draft7Validator, doc: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The three GitLab reports of one `gates run` over a repository with pii, secrets and sast
    findings, under GitLab CI's variables."""
    root = make_repo(
        tmp_path_factory.mktemp("gitlab") / "repo",
        {
            "shop/charge.py": (
                "import subprocess\n\n"
                f"CARD = '{PAN_GROUPED}'\n"
                f"STRIPE_KEY = '{STRIPE}'\n\n\n"
                "def convert(name):\n"
                "    subprocess.run('convert ' + name, shell=True)\n"
            ),
        },
    )
    out = root.parent / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI"))}
    env |= {"CI_PIPELINE_CREATED_AT": "2026-11-25T12:34:56Z", "CI_COMMIT_SHA": COMMIT}
    argv = [sys.executable, "-m", "gates", "run", "--no-cache"]
    for fmt in ("gitlab-sast", "gitlab-secrets", "codequality"):
        argv += ["--format", fmt, "--output", str(out / f"{fmt}.json")]
    proc = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr[-2000:]
    return {p.stem: p.read_text(encoding="utf-8") for p in out.iterdir()}


def test_sast_report_validates_and_holds_every_gate_but_secrets(reports: dict[str, str]) -> None:
    doc = json.loads(reports["gitlab-sast"])
    assert _errors(_schema("sast-report-format.json"), doc) == []
    assert doc["version"] == "15.0.7"
    assert doc["scan"]["type"] == "sast"
    assert doc["scan"]["status"] == "success"
    assert doc["scan"]["start_time"] == "2026-11-25T12:34:56"
    rules = {v["identifiers"][0]["value"] for v in doc["vulnerabilities"]}
    assert {"pii.pan", "sast.shell-injection"} <= rules
    assert not any(r.startswith("secrets.") for r in rules)
    (shell,) = [
        v for v in doc["vulnerabilities"] if v["identifiers"][0]["value"] == "sast.shell-injection"
    ]
    assert shell["severity"] == "High"
    assert shell["location"] == {"file": "shop/charge.py", "start_line": 8, "end_line": 8}
    assert {
        "type": "cwe",
        "name": "CWE-78",
        "value": "78",
        "url": "https://cwe.mitre.org/data/definitions/78.html",
    } in shell["identifiers"]
    ids = [v["id"] for v in doc["vulnerabilities"]]
    assert len(ids) == len(set(ids))


def test_secrets_report_validates_and_names_the_commit(reports: dict[str, str]) -> None:
    doc = json.loads(reports["gitlab-secrets"])
    assert _errors(_schema("secret-detection-report-format.json"), doc) == []
    assert doc["scan"]["type"] == "secret_detection"
    vulns = doc["vulnerabilities"]
    assert {v["identifiers"][0]["value"] for v in vulns} >= {"secrets.stripe-key"}
    assert all(v["identifiers"][0]["value"].startswith("secrets.") for v in vulns)
    assert {v["location"]["commit"]["sha"] for v in vulns} == {COMMIT}
    assert {v["location"]["file"] for v in vulns} == {"shop/charge.py"}


def test_codequality_report_validates_with_unique_fingerprints(reports: dict[str, str]) -> None:
    doc = json.loads(reports["codequality"])
    assert _errors(_schema("codequality-report.schema.json"), doc) == []
    names = {i["check_name"] for i in doc}
    assert {"pii.pan", "secrets.stripe-key", "sast.shell-injection"} <= names
    prints = [i["fingerprint"] for i in doc]
    assert len(prints) == len(set(prints))
    (shell,) = [i for i in doc if i["check_name"] == "sast.shell-injection"]
    assert (shell["severity"], shell["location"]) == (
        "critical",
        {"path": "shop/charge.py", "lines": {"begin": 8}},
    )


def test_no_secret_or_card_number_in_clear(reports: dict[str, str]) -> None:
    for name, text in reports.items():
        assert STRIPE not in text, name
        assert PAN not in re.sub(r"[ -]", "", text), name
    assert "raw_source_code_extract" not in reports["gitlab-sast"]
    assert "4539 14••" in reports["gitlab-sast"]  # found, and shown masked


def test_gate_errors_make_the_scan_a_failure() -> None:
    result = reportkit.sample()
    assert result.errors, "the sample has a gate error"
    for kind in gitlab.Kind:
        doc = gitlab.report(result, kind)
        failed = [e for e in result.errors if kind.includes(e.gate)]
        assert doc["scan"]["status"] == ("failure" if failed else "success")  # type: ignore[index]
        assert _errors(_schema(kind.schema_file), doc) == []
    issues = codequality.issues(result)
    assert _errors(_schema("codequality-report.schema.json"), issues) == []
    errors = [i for i in issues if str(i["check_name"]).endswith(".gate-error")]
    assert len(errors) == len(result.errors)
    assert {i["severity"] for i in errors} == {"blocker"}


def test_empty_run_is_a_valid_report() -> None:
    result = reportkit.empty()
    for kind in gitlab.Kind:
        doc = gitlab.report(result, kind)
        assert doc["vulnerabilities"] == []
        assert _errors(_schema(kind.schema_file), doc) == []
    assert codequality.issues(result) == []


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        ("2026-11-25T12:34:56Z", "2026-11-25T12:34:56"),
        ("2026-11-25T13:34:56+01:00", "2026-11-25T12:34:56"),
        ("", gitlab.EPOCH),
        ("yesterday", gitlab.EPOCH),
    ],
    ids=["utc", "offset", "unset", "garbage"],
)
def test_scan_time_comes_from_the_pipeline(created: str, expected: str) -> None:
    env = {"CI_PIPELINE_CREATED_AT": created} if created else {}
    assert gitlab.scan_time(env) == expected


@pytest.mark.parametrize(
    ("sev", "gl", "cq"),
    [
        (Severity.LOW, "Low", "minor"),
        (Severity.MEDIUM, "Medium", "major"),
        (Severity.HIGH, "High", "critical"),
        (Severity.CRITICAL, "Critical", "blocker"),
    ],
    ids=[s.value for s in Severity],
)
def test_severity_mapping(sev: Severity, gl: str, cq: str) -> None:
    assert (gitlab.severity(sev), codequality.severity(sev)) == (gl, cq)


def test_every_format_renders_the_same_result_twice_identically() -> None:
    result = reportkit.sample()
    for fmt in Format:
        assert render(result, fmt) == render(result, fmt), fmt
    assert Format("gitlab-sast").suffix == ".json"


@pytest.mark.parametrize(
    ("env", "explicit", "expected"),
    [
        ({"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}, None, "origin/main"),
        ({"GITHUB_BASE_REF": "release"}, None, "origin/release"),
        ({"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}, "origin/stable", "origin/stable"),
        ({}, None, None),
    ],
    ids=["gitlab-mr", "github-pr", "explicit-wins", "no-ci"],
)
def test_trust_ref_defaults_to_the_merge_request_target(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], explicit: str | None, expected: str | None
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert default_trust_ref(explicit) == expected


def test_gitlab_merge_request_reads_the_policy_from_the_target_branch(tmp_path: Path) -> None:
    """Under a GitLab merge request without `origin/<target>` fetched, the run refuses (exit 2)
    instead of trusting the policy in the change under review."""
    root = make_repo(tmp_path / "repo", {"app.py": "x = 1\n"})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI"))}
    env["CI_MERGE_REQUEST_TARGET_BRANCH_NAME"] = "main"
    proc = subprocess.run(
        [sys.executable, "-m", "gates", "run", "--gate", "pii", "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "origin/main" in proc.stderr
