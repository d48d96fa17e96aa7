"""Attacks from a pull request on what decides the verdict: everything that can relax a gate comes
from the trust ref, and a change to it is a blocking `trust.changed` finding (holes 1 and 5 of the
trust issue). Each test builds the attack in a real git repository: `main` is the protected base,
the attacker's branch is checked out, and the run is what CI would do.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from gates.cli import main
from tests.gatekit import git, make_repo, run_cli

PAN = "4539 1488 0343 6467"  # Luhn-valid Visa, not a published test number
POLICY = ".release-gates/policy.yaml"
BASELINE = ".release-gates/baseline.json"


def run(root: Path, *argv: str) -> tuple[int, str, dict[str, object]]:
    """`gates run` in `root` with a JSON report; returns (exit code, stderr-free text, report)."""
    code, text = run_cli(root, "run", "--format", "json", *argv)
    return code, text, json.loads(text) if text.strip().startswith("{") else {}


def rules(report: dict[str, object]) -> set[tuple[str, str, str]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {(f["rule"], f["location"]["path"], f["status"]) for f in findings}


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A protected `main` with a clean app and a (shipped-default) policy; the PR branch checked out."""
    root = make_repo(
        tmp_path / "repo",
        {
            POLICY: "version: 1\nextends: fintech-default\n",
            "app/pay.py": "AMOUNT = 100\n",
        },
    )
    git(root, "checkout", "-q", "-b", "pr")
    return root


def _baseline_for_current_findings(root: Path) -> None:
    """What the attacker does: accept the PR's own findings with the CLI."""
    out = io.StringIO()
    old = Path.cwd()
    os.chdir(root)
    try:
        assert main(["baseline", "create", "--gate", "pii", "--force"], out=out) == 0
    finally:
        os.chdir(old)


def test_pr_cannot_baseline_its_own_card_number(base: Path) -> None:
    (base / "app/pay.py").write_text(f'CARD = "{PAN}"\n')
    _baseline_for_current_findings(base)
    commit_all(base, "add a card and baseline it")
    # Without a trust ref (a developer's machine) the working tree's baseline applies:
    code, _, report = run(base, "--gate", "pii")
    assert code == 0, report
    # In CI the baseline comes from main, where it does not exist; and editing it is a finding.
    code, _, report = run(base, "--gate", "pii", "--trust-ref", "main")
    assert code == 1
    assert ("pii.pan", "app/pay.py", "new") in rules(report)
    assert ("trust.changed", BASELINE, "new") in rules(report)


def test_pr_cannot_relax_through_the_policy_it_ships(base: Path) -> None:
    (base / "app/pay.py").write_text(f'CARD = "{PAN}"\n')
    (base / POLICY).write_text("version: 1\nextends: fintech-default\nexclude: ['app/**']\n")
    commit_all(base, "exclude the app")
    code, _, report = run(base, "--gate", "pii", "--trust-ref", "main")
    assert code == 1
    assert {("pii.pan", "app/pay.py", "new"), ("trust.changed", POLICY, "new")} <= rules(report)


@pytest.mark.parametrize("diff", [False, True], ids=["full-scan", "diff"])
@pytest.mark.parametrize(
    ("path", "content"),
    [
        (POLICY, "version: 1\nextends: fintech-default\nfail_on: critical\n"),
        (".release-gates/allowed_signers", "mallory@example.com ssh-ed25519 AAAA\n"),
        (".secrets.baseline", '{"results": {}}\n'),
        (".semgrepignore", "app/\n"),
    ],
    ids=["policy", "allowed-signers", "secrets-baseline", "semgrepignore"],
)
def test_any_trust_file_edit_blocks_with_or_without_diff(
    base: Path, path: str, content: str, diff: bool
) -> None:
    (base / path).parent.mkdir(parents=True, exist_ok=True)
    (base / path).write_text(content)
    (base / "app/other.py").write_text("X = 2\n")
    commit_all(base, "edit a trust file")
    extra = ("--diff", "main") if diff else ()
    code, _, report = run(base, "--gate", "pii", "--trust-ref", "main", *extra)
    assert code == 1
    assert ("trust.changed", path, "new") in rules(report)


def test_unchanged_trust_files_do_not_block(base: Path) -> None:
    (base / "app/other.py").write_text("X = 2\n")
    commit_all(base, "ordinary change")
    code, _, report = run(base, "--gate", "pii", "--trust-ref", "main")
    assert code == 0, report
    assert not [r for r in rules(report) if r[0] == "trust.changed"]


def test_trust_change_is_not_waivable_by_a_baseline_entry(base: Path) -> None:
    """Even a baseline on main that names the finding's fingerprint cannot clear it."""
    (base / POLICY).write_text("version: 1\nextends: fintech-default\nfail_on: critical\n")
    commit_all(base, "relax")
    code, _, report = run(base, "--gate", "pii", "--trust-ref", "main")
    assert code == 1
    findings = report["findings"]
    assert isinstance(findings, list)
    fp = next(f["fingerprint"] for f in findings if f["rule"] == "trust.changed")
    git(base, "checkout", "-q", "main")
    entry = {
        "gate": "trust",
        "rule": "trust.changed",
        "path": POLICY,
        "fingerprint": fp,
        "count": 1,
    }
    (base / BASELINE).write_text(json.dumps({"version": 1, "findings": [entry]}))
    commit_all(base, "maintainers baseline it (wrongly)")
    git(base, "checkout", "-q", "pr")
    git(base, "merge", "-q", "--no-edit", "main")
    code, _, report = run(base, "--gate", "pii", "--trust-ref", "main")
    assert code == 1
    assert ("trust.changed", POLICY, "new") in rules(report)


def test_local_run_without_trust_ref_reports_no_trust_finding(base: Path) -> None:
    (base / POLICY).write_text("version: 1\nextends: fintech-default\nfail_on: critical\n")
    commit_all(base, "relax")
    code, _, report = run(base, "--gate", "pii")
    assert code == 0, report


def test_github_base_ref_is_the_default_trust_ref(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (base / "app/pay.py").write_text(f'CARD = "{PAN}"\n')
    _baseline_for_current_findings(base)
    commit_all(base, "baseline own card")
    git(base, "update-ref", "refs/remotes/origin/main", "main")
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    code, _, report = run(base, "--gate", "pii")
    assert code == 1
    assert ("pii.pan", "app/pay.py", "new") in rules(report)


# --- hole 5: the policy never falls back silently -------------------------------------------


def _stderr_of(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().err


@pytest.mark.parametrize("kind", ["symlink", "directory"])
def test_unreadable_policy_at_trust_ref_is_an_error_not_the_default(
    base: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    git(base, "checkout", "-q", "main")
    (base / POLICY).unlink()
    if kind == "symlink":
        (base / POLICY).symlink_to("/etc/hostname")
    else:
        (base / POLICY).mkdir()
        (base / POLICY / "x.yaml").write_text("version: 1\n")
    commit_all(base, f"policy becomes a {kind}")
    git(base, "checkout", "-q", "pr")
    code, _, _ = run(base, "--gate", "pii", "--trust-ref", "main")
    assert code == 2
    err = _stderr_of(capsys)
    assert f"main:{POLICY}" in err
    assert "not a regular file" in err


@pytest.mark.parametrize("kind", ["symlink", "directory", "fifo"])
def test_unreadable_policy_in_working_tree_is_an_error(
    base: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (base / POLICY).unlink()
    if kind == "symlink":
        (base / POLICY).symlink_to(base / "app/pay.py")
    elif kind == "directory":
        (base / POLICY).mkdir()
    else:
        os.mkfifo(base / POLICY)
    code, _, _ = run(base, "--gate", "pii")
    assert code == 2
    err = _stderr_of(capsys)
    assert POLICY in err


def test_missing_trust_ref_is_an_error(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(base, "--gate", "pii", "--trust-ref", "origin/nope")
    assert code == 2
    assert "--trust-ref: origin/nope: no such commit" in _stderr_of(capsys)


def test_trust_ref_outside_git_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.py").write_text("x = 1\n")
    code, _, _ = run(plain, "--gate", "pii", "--trust-ref", "main")
    assert code == 2
    assert "not a git repository" in _stderr_of(capsys)


def test_pyproject_table_is_a_trust_file_but_the_rest_of_the_file_is_not(base: Path) -> None:
    (base / "pyproject.toml").write_text('[project]\nname = "shop"\ndependencies = ["a"]\n')
    commit_all(base, "a pyproject without our table")
    git(base, "checkout", "-q", "main")
    git(base, "merge", "-q", "pr")
    git(base, "checkout", "-q", "pr")
    (base / "pyproject.toml").write_text('[project]\nname = "shop"\ndependencies = ["a", "b"]\n')
    commit_all(base, "dependency bump")
    code, _, report = run(base, "--gate", "pii", "--trust-ref", "main")
    assert code == 0, report
    (base / "pyproject.toml").write_text(
        '[project]\nname = "shop"\n\n[tool.release-gates]\nversion = 1\nfail_on = "critical"\n'
    )
    commit_all(base, "the PR configures the gates in pyproject")
    code, _, report = run(base, "--gate", "pii", "--trust-ref", "main")
    assert code == 1  # main's policy applies; the table the PR adds is a trust change
    assert ("trust.changed", "pyproject.toml", "new") in rules(report)


def test_trust_files_the_base_changed_after_the_branch_point_are_not_the_prs(base: Path) -> None:
    """pull_request_target checks out the PR head, which may lag the base: only the PR's own
    edits to trust files count."""
    (base / "app/other.py").write_text("X = 2\n")
    commit_all(base, "ordinary change")
    git(base, "checkout", "-q", "main")
    (base / POLICY).write_text("version: 1\nextends: fintech-default\nfail_on: medium\n")
    commit_all(base, "maintainers tighten the policy")
    git(base, "checkout", "-q", "pr")
    code, _, report = run(base, "--gate", "pii", "--trust-ref", "main")
    assert code == 0, report
    assert not [r for r in rules(report) if r[0] == "trust.changed"]
    (base / POLICY).write_text("version: 1\nextends: fintech-default\nfail_on: critical\n")
    commit_all(base, "and the PR relaxes it")
    code, _, report = run(base, "--gate", "pii", "--trust-ref", "main")
    assert code == 1
    assert ("trust.changed", POLICY, "new") in rules(report)
