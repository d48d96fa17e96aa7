"""The sast catalogue shows bandit's own severity and confidence per test, as findings carry them."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from gates.checks.sast import GATE
from gates.checks.sast.bandit_tests import TESTS
from gates.model import Severity
from tests.gatekit import context, make_repo

CATALOG = {r.id: r for r in GATE.rules}


@pytest.mark.parametrize(
    ("rule", "severity", "confidence", "ours"),
    [
        ("sast.bandit.B101", "low", "high", Severity.LOW),
        ("sast.bandit.B105", "low", "medium", Severity.LOW),
        ("sast.bandit.B113", "medium", "low", Severity.LOW),  # one step down: low confidence
        ("sast.bandit.B303", "medium", "high", Severity.MEDIUM),
        ("sast.bandit.B602", "high", "high", Severity.HIGH),
        ("sast.bandit.B701", "high", "high", Severity.HIGH),
    ],
    ids=["assert", "password-string", "no-timeout", "md5", "shell-true", "jinja-autoescape"],
)
def test_catalog_uses_bandits_levels(
    rule: str, severity: str, confidence: str, ours: Severity
) -> None:
    info = CATALOG[rule]
    assert info.default_severity is ours
    assert info.summary.endswith(f"(bandit: {severity} severity, {confidence} confidence)")


def test_blacklist_levels_match_bandits_registry() -> None:
    with warnings.catch_warnings():  # bandit's package import warns about a stevedore argument
        warnings.simplefilter("ignore", DeprecationWarning)
        from bandit.blacklists import calls, imports
    registry = {
        entry["id"]: entry.get("level", "MEDIUM").lower()
        for module in (calls, imports)
        for group in module.gen_blacklist().values()
        for entry in group
    }
    ours = {row[0]: row[4] for row in TESTS if row[3] == "blacklists"}
    assert ours == {k: v for k, v in registry.items() if k in ours}
    assert {row[5] for row in TESTS if row[3] == "blacklists"} == {"high"}


def test_not_every_bandit_rule_is_medium() -> None:
    levels = {CATALOG[f"sast.bandit.{row[0]}"].default_severity for row in TESTS}
    assert levels == {Severity.LOW, Severity.MEDIUM, Severity.HIGH}


@pytest.mark.parametrize(
    ("source", "rule", "severity", "confidence"),
    [
        (
            "import subprocess\n\n\ndef run(cmd):\n    subprocess.run(cmd, shell=True)\n",
            "sast.bandit.B602",
            Severity.HIGH,
            "high",
        ),
        ("import hashlib\n\nhashlib.md5(b'x')\n", "sast.bandit.B324", Severity.HIGH, "high"),
        (
            "import requests\n\nrequests.get('https://x.example')\n",
            "sast.bandit.B113",
            Severity.LOW,  # bandit: medium severity at low confidence
            "low",
        ),
    ],
    ids=["B602", "B324", "B113"],
)
def test_findings_carry_the_level_bandit_gave(
    tmp_path: Path, source: str, rule: str, severity: Severity, confidence: str
) -> None:
    repo = make_repo(tmp_path / "repo", {"app.py": source})
    found = list(GATE.run(context("sast", repo, {"semgrep": {"enabled": False}})))
    # B602 and B324 are merged into our shell-injection / weak-hash problems (equivalents.py)
    (finding,) = [f for f in found if rule in dict(f.properties)["rules"].split(",")]
    assert finding.severity is severity is CATALOG[rule].default_severity
    assert dict(finding.properties)["bandit_confidence"] == confidence
