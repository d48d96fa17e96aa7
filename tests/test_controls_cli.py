"""`gates controls`, `gates explain` and `gates list --controls`: the controls a user sees."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest

from gates.cli import main
from gates.controls import catalog, table
from gates.model import GateError
from gates.report import json_report
from tests import reportkit
from tests.gatekit import git, make_repo

SAMPLE_TABLE = """\
control              outcome                            covered by
PCI-DSS-4.0/3.3.1    not covered                        -
PCI-DSS-4.0/3.4.1    not covered                        -
PCI-DSS-4.0/3.5.1    failed (1 blocking)                pii: pii.pan
PCI-DSS-4.0/4.2.1    not covered                        -
PCI-DSS-4.0/6.2.3    not covered                        -
PCI-DSS-4.0/6.2.4    not covered                        -
PCI-DSS-4.0/6.5.1    not covered                        -
PCI-DSS-4.0/6.5.5    failed (1 blocking)                pii: pii.pan
PCI-DSS-4.0/8.3.2    passed (1 baselined)               secrets: secrets.aws-key
PCI-DSS-4.0/8.6.2    passed (1 baselined)               secrets: secrets.aws-key
PCI-DSS-4.0/10.2.1   not covered                        -
PCI-DSS-4.0/10.2.2   not covered                        -
SOC2/CC6.1           passed (1 baselined)               secrets: secrets.aws-key
SOC2/CC6.7           not covered                        -
SOC2/CC7.1           not covered                        -
SOC2/CC7.2           not covered                        -
SOC2/CC8.1           not covered                        -
SOC2/C1.1            failed (1 blocking)                pii: pii.pan
SOC2/PI1.2           not covered                        -
SOC2/PI1.3           waived (1: W-2026-007)             sast: sast.float-money
SOC2/PI1.4           not covered                        -
GDPR/5(1)(f)         failed (1 blocking)                pii: pii.pan
GDPR/25              not covered                        -
GDPR/32              failed (1 blocking)                pii: pii.pan, secrets: secrets.aws-key
GDPR/44              not covered                        -
"""


def _main(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "run.json"
    path.write_text(json_report.render(reportkit.sample()), encoding="utf-8")
    return path


def test_table_of_a_saved_report(saved: Path) -> None:
    assert _main("controls", "--report", str(saved)) == (3, SAMPLE_TABLE)


def test_table_as_json(saved: Path) -> None:
    code, text = _main("controls", "--report", str(saved), "--json")
    rows = {r["control"]: r for r in json.loads(text)}
    assert code == 3
    assert rows["SOC2/PI1.3"] == {
        "control": "SOC2/PI1.3",
        "framework": "SOC2",
        "title": "System processing is complete, accurate and timely",
        "outcome": "waived",
        "gates": ["sast"],
        "rules": ["sast.float-money"],
        "findings": {"blocking": 0, "belowThreshold": 0, "baselined": 0, "waived": 1},
        "approvals": ["W-2026-007"],
        "gateErrors": [],
    }
    assert rows["GDPR/44"]["outcome"] == "not covered"


def test_a_gate_that_could_not_run_evidences_nothing() -> None:
    broken = dataclasses.replace(
        reportkit.sample(),
        errors=(GateError(gate="secrets", reason="crashed", fix="report it"),),
    )
    rows = {r.control.id: r for r in table.rows(broken, catalog.load())}
    assert rows["PCI-DSS-4.0/8.3.2"].outcome is table.Outcome.ERROR
    assert table.outcome_text(rows["GDPR/32"]) == "error (secrets could not run)"


def test_an_edited_report_is_invalid(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved.write_text(saved.read_text().replace('"blocked"', '"pass"', 1))
    assert _main("controls", "--report", str(saved))[0] == 2
    assert "Fix:" in capsys.readouterr().err


def test_controls_of_a_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path / "repo", {"app/pay.py": 'card = "4539 1488 0343 6467"\n'})
    monkeypatch.chdir(root)
    code, text = _main("controls", "--gate", "pii")
    lines = {line.split()[0]: line for line in text.splitlines()[1:]}
    assert code == 1
    assert lines["PCI-DSS-4.0/3.5.1"].split()[1:4] == ["failed", "(1", "blocking)"]
    assert lines["PCI-DSS-4.0/6.2.4"].split()[1:3] == ["not", "covered"]
    assert "4539 1488" not in text


def test_explain_shows_the_controls() -> None:
    code, text = _main("explain", "pii.pan")
    assert code == 0
    assert (
        "\ncontrols (mapped by rule):\n"
        "  PCI-DSS-4.0/3.5.1    PAN is rendered unreadable anywhere it is stored\n"
        "  PCI-DSS-4.0/6.5.5    Live PANs are not used in pre-production environments\n"
    ) in text
    assert "  why: A real card number in clear text" in text


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("sast.bandit.B602", "controls (mapped by cwe CWE-78):"),
        ("sast.bandit.B101", "controls: none (No control. Asserts"),
        ("trust.changed", "  PCI-DSS-4.0/6.5.1    Changes to production follow change control"),
    ],
    ids=["bandit-by-cwe", "explicit-none", "run-level"],
)
def test_explain_other_rules(rule: str, expected: str) -> None:
    code, text = _main("explain", rule)
    assert code == 0
    assert expected in text


def test_list_controls() -> None:
    code, text = _main("list", "--controls")
    assert code == 0
    lines = text.splitlines()
    pan = lines.index(next(x for x in lines if x.startswith("  pii.pan ")))
    assert lines[pan + 1].split() == [
        "controls:",
        "PCI-DSS-4.0/3.5.1,",
        "PCI-DSS-4.0/6.5.5,",
        "SOC2/C1.1,",
        "GDPR/5(1)(f),",
        "GDPR/32",
    ]
    assert "run: rules the runner reports itself" in lines
    assert "unmapped" not in text
    assert "controls:" not in _main("list")[1]


def test_a_trust_ref_run_covers_change_control(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path / "repo", {"app/pay.py": "AMOUNT = 1\n"})
    git(root, "checkout", "-q", "-b", "pr")
    (root / "app/pay.py").write_text("AMOUNT = 2\n")
    git(root, "commit", "-qam", "change")
    monkeypatch.chdir(root)
    code, text = _main("controls", "--gate", "pii", "--json")
    rows = {r["control"]: r for r in json.loads(text)}
    assert code == 0
    assert rows["PCI-DSS-4.0/6.5.1"]["outcome"] == "not covered"  # nothing checked it
    code, text = _main("controls", "--gate", "pii", "--trust-ref", "main", "--json")
    rows = {r["control"]: r for r in json.loads(text)}
    assert code == 0
    assert rows["PCI-DSS-4.0/6.5.1"]["rules"] == ["trust.changed"]
    assert rows["PCI-DSS-4.0/6.5.1"]["outcome"] == "passed"


def test_rules_the_policy_switches_off_cover_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = (
        "version: 1\n"
        "gates:\n"
        "  sast:\n"
        "    semgrep: {enabled: false}\n"
        "    bandit: {skip: [B105], min_confidence: high}\n"
    )
    root = make_repo(
        tmp_path / "repo", {".release-gates/policy.yaml": policy, "app/pay.py": "X = 1\n"}
    )
    monkeypatch.chdir(root)
    code, text = _main("controls", "--gate", "sast", "--json")
    rows = {r["control"]: r for r in json.loads(text)}
    assert code == 0
    assert rows["SOC2/PI1.3"]["outcome"] == "not covered"  # float-money is a semgrep rule
    assert rows["PCI-DSS-4.0/8.6.2"]["rules"] == []  # B105 skipped; B106/B107 are medium confidence
    assert "sast.bandit.B105" not in rows["PCI-DSS-4.0/6.2.4"]["rules"]
    assert "sast.bandit.B602" in rows["PCI-DSS-4.0/6.2.4"]["rules"]  # high confidence, kept
    assert "sast.shell-injection" not in rows["PCI-DSS-4.0/6.2.4"]["rules"]


def test_secrets_plugins_the_policy_leaves_out_cover_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = "version: 1\ngates:\n  secrets: {plugins: [StripeDetector]}\n"
    root = make_repo(
        tmp_path / "repo", {".release-gates/policy.yaml": policy, "app/pay.py": "X = 1\n"}
    )
    monkeypatch.chdir(root)
    code, text = _main("controls", "--gate", "secrets", "--json")
    rows = {r["control"]: r for r in json.loads(text)}
    assert code == 0
    assert rows["PCI-DSS-4.0/8.3.2"]["rules"] == ["secrets.stripe-key"]
