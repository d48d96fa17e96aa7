"""Noise defaults of the sast gate: asserts in tests, low-confidence bandit results, and
bandit's own severity and confidence deciding ours. Real bandit on small git repositories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gates import policy
from gates.checks.sast import GATE
from gates.checks.sast.config import parse
from gates.model import Severity
from gates.registry import GateSpec
from tests.gatekit import context, make_repo, run_cli

ASSERT = "def test_it():\n    assert 1 + 1 == 2\n"
BANDIT_ONLY = {"semgrep": {"enabled": False}}


def _b101_paths(root: Path, config: dict[str, Any]) -> set[str]:
    found = GATE.run(context("sast", root, {**BANDIT_ONLY, **config}))
    return {f.location.path for f in found if f.rule == "sast.bandit.B101"}


TEST_FILES = ("tests/test_pay.py", "pkg/test/helpers.py", "pkg/test_refund.py",
              "pkg/ledger_test.py", "conftest.py", "pkg/tests/unit/conftest.py")  # fmt: skip
APP_FILES = ("pkg/app.py", "pkg/testing_utils.py", "pkg/contest.py")


def test_asserts_are_not_reported_in_test_files(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", dict.fromkeys((*TEST_FILES, *APP_FILES), ASSERT))
    assert _b101_paths(root, {}) == set(APP_FILES)


@pytest.mark.parametrize(
    ("bandit", "expected"),
    [
        ({"skip_in_tests": []}, {*TEST_FILES, *APP_FILES}),
        ({"test_paths": ["pkg/app.py"]}, {*TEST_FILES, *APP_FILES} - {"pkg/app.py"}),
    ],
    ids=["report-everywhere", "own-test-paths"],
)
def test_test_paths_are_configurable(
    tmp_path: Path, bandit: dict[str, Any], expected: set[str]
) -> None:
    root = make_repo(tmp_path / "r", dict.fromkeys((*TEST_FILES, *APP_FILES), ASSERT))
    assert _b101_paths(root, {"bandit": bandit}) == expected


def _shipped_sast(tmp_path: Path, name: str) -> dict[str, Any]:
    root = make_repo(tmp_path / name, {"a.py": "x = 1\n"})
    spec: GateSpec = GATE
    return dict(policy.settings(policy.load(root, name), spec).config)


def test_low_confidence_is_off_in_fintech_default_and_on_in_pci_strict(tmp_path: Path) -> None:
    # B113 (a call named like requests.get without timeout) is medium severity, low confidence
    src = "import requests\n\nrequests.get('https://x.example')\n"
    root = make_repo(tmp_path / "r", {"client.py": src})
    seen = {}
    for name in ("fintech-default", "pci-strict"):
        config = _shipped_sast(tmp_path, name)
        assert (
            parse(config).min_confidence == {"fintech-default": "medium", "pci-strict": "low"}[name]
        )
        found = GATE.run(context("sast", root, {**config, **BANDIT_ONLY}))
        seen[name] = {(f.rule, f.severity) for f in found}
    assert seen == {
        "fintech-default": set(),
        "pci-strict": {("sast.bandit.B113", Severity.LOW)},  # medium, one step down: low confidence
    }


@pytest.mark.parametrize(
    ("severity", "confidence", "ours"),
    [
        ("high", "high", Severity.HIGH),
        ("high", "medium", Severity.HIGH),
        ("high", "low", Severity.MEDIUM),
        ("medium", "low", Severity.LOW),
        ("low", "low", Severity.LOW),
        ("low", "high", Severity.LOW),
    ],
)
def test_bandit_severity_and_confidence_decide_ours(
    severity: str, confidence: str, ours: Severity
) -> None:
    assert parse({}).severity_for(severity, confidence) is ours


def test_catalogue_shows_the_same_levels() -> None:
    rules = {r.id: r for r in GATE.rules}
    assert rules["sast.bandit.B113"].default_severity is Severity.LOW  # medium at low confidence
    assert rules["sast.bandit.B604"].default_severity is Severity.LOW
    assert rules["sast.bandit.B602"].default_severity is Severity.HIGH
    assert rules["sast.bandit.B101"].default_severity is Severity.LOW


@pytest.mark.parametrize(
    ("rule", "code", "message"),
    [
        (
            "sast.bandit.B602",
            2,
            "$.gates.sast.severity.sast.bandit.B602: sast.bandit.B602 findings are reported as "
            "sast.shell-injection (the same problem), so this override would never apply. "
            "Fix: write the severity for sast.shell-injection",
        ),
        ("sast.shell-injection", 0, ""),
        ("sast.bandit.B311", 0, ""),  # broader: reported under its own id when alone
    ],
    ids=["merged-bandit-id", "problem-id", "broader-id"],
)
def test_severity_overrides_must_name_the_reported_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rule: str, code: int, message: str
) -> None:
    text = f"version: 1\nextends: fintech-default\ngates:\n  sast:\n    severity: {{{rule}: low}}\n"
    root = make_repo(tmp_path / "r", {".release-gates/policy.yaml": text, "a.py": "x = 1\n"})
    assert run_cli(root, "policy", "validate", ".release-gates/policy.yaml")[0] == code
    assert message in capsys.readouterr().err
