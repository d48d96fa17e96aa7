"""Every documented exit code, table-driven over real gates and real bad input (hole 11).

0 pass, 1 blocked, 2 usage error or invalid input (the message names file, field and fix), 3 a
gate or git could not run, 130 interrupted. Invalid input is never 3 and a failure to run is never
2: the sweep below is each way a user or a pull request can get it wrong.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.gatekit import make_repo, run_cli

PAN = "4539 1488 0343 6467"
POLICY = ".release-gates/policy.yaml"

Setup = Callable[[Path], None]


def write(rel: str, text: str) -> Setup:
    def setup(root: Path) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)

    return setup


def nothing(_root: Path) -> None:
    return None


def chown_away(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        os.chown(dirpath, 4321, 4321)
        for name in files:
            os.lchown(os.path.join(dirpath, name), 4321, 4321)


CASES: list[tuple[str, Setup, tuple[str, ...], int, str]] = [
    ("pass", nothing, ("run", "--gate", "pii", "app/ok.py"), 0, ""),
    ("blocked", nothing, ("run", "--gate", "pii"), 1, ""),
    ("allow-empty", nothing, ("run", "--gate", "pii", "--allow-empty", "empty"), 0, ""),
    # 2: the user's input
    ("unknown-gate", nothing, ("run", "--gate", "pi"), 2, "--gate: pi: no installed gate"),
    ("unknown-format", nothing, ("run", "--format", "xml"), 2, "unknown format 'xml'"),
    ("unknown-command", nothing, ("frobnicate",), 2, "invalid choice"),
    ("missing-file", nothing, ("run", "--gate", "pii", "nope.py"), 2, "no such file"),
    ("empty-dir", nothing, ("run", "--gate", "pii", "empty"), 2, "none of the named paths"),
    ("bad-now", nothing, ("run", "--now", "yesterday"), 2, "--now: yesterday"),
    ("now-without-zone", nothing, ("run", "--now", "2026-01-01T00:00:00"), 2, "no time zone"),
    ("bad-timeout-flag", nothing, ("--git-timeout", "-1", "run"), 2, "between 0 and 86400"),
    (
        "extra-output",
        nothing,
        ("run", "--output", "a", "--output", "b"),
        2,
        "2 --output for 1 --format",
    ),
    (
        "outputs-that-could-swap",  # the Action once wrote annotations into its SARIF file
        nothing,
        ("run", "--format", "github", "--format", "sarif", "--output", "x.sarif"),
        2,
        "which file gets which report is ambiguous",
    ),
    ("format-unknown-with-file", nothing, ("run", "--format", "xml=a.xml"), 2, "unknown format"),
    ("missing-policy", nothing, ("run", "--policy", "no.yaml"), 2, "no such policy file"),
    ("unknown-shipped", nothing, ("run", "--policy", "pci-strictt"), 2, "no such policy file"),
    ("policy-yaml", write(POLICY, "version: 1\n  x: [\n"), ("run",), 2, "fix the YAML syntax"),
    (
        "policy-dup",
        write(POLICY, "version: 1\nfail_on: low\nfail_on: high\n"),
        ("run",),
        2,
        "duplicate key",
    ),
    ("policy-anchor", write(POLICY, "version: 1\n&a x: 1\n"), ("run",), 2, "anchors"),
    ("policy-version", write(POLICY, "version: 2\n"), ("run",), 2, "$.version"),
    (
        "policy-unknown-key",
        write(POLICY, "version: 1\nfial_on: high\n"),
        ("run",),
        2,
        "$.fial_on: unknown key",
    ),
    ("policy-not-mapping", write(POLICY, "- a\n"), ("run",), 2, "must be a mapping"),
    ("policy-empty", write(POLICY, ""), ("run",), 2, "must be a mapping"),
    (
        "policy-timeout-type",
        write(POLICY, "version: 1\ngates: {pii: {timeout: 30s}}\n"),
        ("run",),
        2,
        "$.gates.pii.timeout",
    ),
    (
        "policy-unknown-gate",
        write(POLICY, "version: 1\ngates: {pi: {}}\n"),
        ("run",),
        2,
        "$.gates.pi",
    ),
    (
        "policy-bad-regex",
        write(POLICY, "version: 1\ngates: {secrets: {exclude_lines: ['(']}}\n"),
        ("run", "--gate", "pii"),
        2,
        "exclude_lines[0]",
    ),
    (
        "policy-rule-file",
        write(POLICY, "version: 1\ngates: {sast: {semgrep: {rules: [x.yaml]}}}\n"),
        ("run", "--gate", "pii"),
        2,
        "semgrep.rules[0]",
    ),
    (
        "policy-key-file",
        write(POLICY, "version: 1\nfingerprint_key_file: nokey\n"),
        ("run", "--gate", "pii"),
        2,
        "fingerprint_key_file",
    ),
    (
        "policy-roles",
        write(
            POLICY,
            "version: 1\napprovals: {repository: x, required: {a: 1}}\nroles: {b: [b@example.com]}\n",
        ),
        ("run", "--gate", "pii"),
        2,
        "$.approvals.required.a",
    ),
    (
        "policy-extends-escape",
        write(POLICY, "version: 1\nextends: ../../x.yaml\n"),
        ("run",),
        2,
        "$.extends",
    ),
    (
        "policy-reconcile-unconfigured",
        write(POLICY, "version: 1\n"),
        ("run", "--gate", "reconcile"),
        2,
        "$.gates.reconcile",
    ),
    (
        "baseline-json",
        write(".release-gates/baseline.json", "nope"),
        ("run", "--gate", "pii"),
        2,
        "baseline.json: line 1",
    ),
    (
        "baseline-shape",
        write(".release-gates/baseline.json", '{"version": 1, "findings": [{}]}'),
        ("run", "--gate", "pii"),
        2,
        "$.findings[0]",
    ),
    (
        "baseline-outside",
        nothing,
        ("run", "--baseline", "/etc/hostname"),
        2,
        "outside the repository",
    ),
    ("diff-unknown", nothing, ("run", "--diff", "nope"), 2, "--diff: nope: no such commit"),
    (
        "trust-ref-unknown",
        nothing,
        ("run", "--trust-ref", "nope"),
        2,
        "--trust-ref: nope: no such commit",
    ),
    ("explain-unknown", nothing, ("explain", "pii.nope"), 2, "no such rule"),
    ("report-missing", nothing, ("report", "nope.json"), 2, "nope.json"),
    ("report-not-json", write("r.json", "x"), ("report", "r.json"), 2, "not JSON"),
    (
        "sign-missing-key",
        write(
            POLICY,
            "version: 1\napprovals: {repository: x, required: {a: 1}}\nroles: {a: [a@example.com]}\n",
        ),
        ("approve", "sign", "W-1", "--key", "/nonexistent", "--principal", "a@example.com"),
        2,
        "",
    ),
    # 3: could not run
    ("git-dubious", chown_away, ("run", "--gate", "pii"), 3, "dubious ownership"),
    (
        "git-timeout",
        nothing,
        ("--git-timeout", "0.000001", "run", "--gate", "pii"),
        3,
        "did not finish",
    ),
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(
        tmp_path / "repo",
        {"app/pay.py": f'CARD = "{PAN}"\n', "app/ok.py": "x = 1\n"},
    )
    (root / "empty").mkdir()
    return root


@pytest.mark.parametrize(
    ("name", "setup", "argv", "code", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_exit_code(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    setup: Setup,
    argv: tuple[str, ...],
    code: int,
    message: str,
) -> None:
    setup(repo)
    got, out = run_cli(repo, *argv)
    err = capsys.readouterr().err
    assert got == code, (out, err)
    assert message in err
    if code == 2:
        assert "Traceback" not in err
        assert out == ""  # no report for a run that could not start


@pytest.mark.usefixtures("plugin_gates")
@pytest.mark.parametrize(
    ("gate", "code"),
    [("boom", 3), ("hang", 3), ("dies", 3), ("garbage", 3), ("badinput", 2), ("interrupt", 130)],
)
def test_gate_outcomes_map_to_codes(
    repo: Path, gate: str, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".release-gates").mkdir()
    (repo / POLICY).write_text("version: 1\ngates:\n  hang: {timeout: 1}\n")
    # A suite started in the background (`pytest &`) inherits SIGINT ignored; the gate's
    # Ctrl-C must find the terminal's default handler, as it does in a shell.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        got, out = run_cli(repo, "run", "--gate", gate)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert got == code, (out, capsys.readouterr().err)


def test_every_documented_code_is_covered() -> None:
    assert {c[3] for c in CASES} == {0, 1, 2, 3}  # 130: test_gate_outcomes_map_to_codes


PARITY = [
    (
        "secrets-regex",
        "version: 1\nextends: fintech-default\ngates: {secrets: {exclude_lines: ['(']}}\n",
    ),
    (
        "pii-regex",
        "version: 1\nextends: fintech-default\ngates: {pii: {extra_patterns: [{id: x, regex: '(', message: m}]}}\n",
    ),
    (
        "sast-rule-file",
        "version: 1\nextends: fintech-default\ngates: {sast: {semgrep: {rules: [nofile.yaml]}}}\n",
    ),
    ("key-file", "version: 1\nextends: fintech-default\nfingerprint_key_file: nokey\n"),
    ("paths-typo", "version: 1\nextends: fintech-default\ngates: {pii: {paths: ['srcc/**']}}\n"),
    (
        "override-typo",
        "version: 1\nextends: fintech-default\noverrides: [{paths: ['servces/**'], gates: {pii: {enabled: false}}}]\n",
    ),
    (
        "roles",
        "version: 1\nextends: fintech-default\napprovals: {repository: x, required: {a: 1}}\nroles: {b: [b@example.com]}\n",
    ),
    (
        "signoff-paths",
        "version: 1\nextends: fintech-default\ngates: {signoff: {protected_paths: []}}\n",
    ),
    ("reconcile-enabled-unconfigured", "version: 1\n"),
    (
        "reconcile-machine",
        "version: 1\nextends: fintech-default\ngates: {reconcile: {state_machine: {states: []}}}\n",
    ),
    ("now-flag-type", "version: 1\nextends: fintech-default\nunsafe_allow_now_in_ci: 'yes'\n"),
    ("tool-timeouts", "version: 1\nextends: fintech-default\ntool_timeouts: {git: 0}\n"),
]


@pytest.mark.parametrize(("name", "policy"), PARITY, ids=[p[0] for p in PARITY])
def test_policy_validate_reports_what_run_would(
    repo: Path, capsys: pytest.CaptureFixture[str], name: str, policy: str
) -> None:
    """One validator: `gates policy validate` fails exactly where `gates run` would."""
    (repo / ".release-gates").mkdir()
    (repo / POLICY).write_text(policy)
    run_code, _ = run_cli(repo, "run", "--no-cache")
    run_err = capsys.readouterr().err
    validate_code, _ = run_cli(repo, "policy", "validate", POLICY)
    validate_err = capsys.readouterr().err
    assert (run_code, validate_code) == (2, 2), (run_err, validate_err)
    assert validate_err == run_err


@pytest.mark.usefixtures("plugin_gates")
def test_a_worker_killed_on_its_timeout_leaves_no_temporary_files(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    (repo / ".release-gates").mkdir()
    (repo / POLICY).write_text("version: 1\ngates:\n  hang: {timeout: 1}\n")
    assert run_cli(repo, "run", "--gate", "hang")[0] == 3
    assert list(scratch.iterdir()) == []  # the run's own temp dir, and the worker's, are gone
    assert tempfile.gettempdir() == str(scratch)  # and the caller's setting is restored
