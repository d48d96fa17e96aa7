"""The git history of a change (gates.history) on real repositories, through the CLI.

Every key and card number is assembled at run time; the raw values never appear in any output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.gatekit import commit_files, git, make_repo, run_cli

STRIPE = "sk_" + "live_" + "51H8xKqLyjWDarjtT1zdp7dcAbQ93kfXm2"
PAN = "4539 1488 " + "0343 6467"
POLICY = "version: 1\nextends: fintech-default\ngates:\n  reconcile: {enabled: false}\n"
GATES = ("--gate", "secrets", "--gate", "pii", "--no-cache")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RELEASE_GATES_FINGERPRINT_KEY", "k" * 32)
    root = make_repo(
        tmp_path / "repo",
        {".release-gates/policy.yaml": POLICY, "app/settings.py": "DEBUG = False\n"},
    )
    git(root, "checkout", "-q", "-b", "feature")
    return root


def _json(root: Path, *argv: str) -> tuple[int, dict[str, object]]:
    out = root.parent / "report.json"
    code, _ = run_cli(root, "run", *argv, "--format", f"json={out}")
    return code, json.loads(out.read_text())


def _found(report: dict[str, object]) -> set[tuple[str, str, int, str]]:
    found = set()
    for item in report["findings"]:  # type: ignore[attr-defined]  # JSON report shape
        props = {p["name"]: p["value"] for p in item.get("properties", [])}
        loc = item["location"]
        found.add((item["rule"], loc["path"], loc.get("line", 0), props.get("commit", "")[:12]))
    return found


def test_added_then_removed_secret_and_pan_block_under_diff(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    added = commit_files(
        repo,
        {"app/settings.py": f'DEBUG = False\nSTRIPE_KEY = "{STRIPE}"\ncard = "{PAN}"\n'},
        "add settings",
    )
    commit_files(repo, {"app/settings.py": "DEBUG = False\n", "app/other.py": "x = 1\n"}, "remove")
    code, out = run_cli(repo, "run", "--diff", "main", *GATES)
    assert code == 1
    assert f"added in commit {added[:12]} to app/settings.py" in out
    assert "secrets.stripe-key" in out
    assert "pii.pan" in out
    assert "4539 14•• •••• 6467" in out
    assert "[stripe-key ••••fXm2]" in out
    everything = out + capsys.readouterr().err
    assert STRIPE not in everything
    assert PAN not in everything
    assert PAN.replace(" ", "") not in everything
    code, report = _json(repo, "--diff", "main", *GATES)
    assert {f for f in _found(report) if f[0] in ("secrets.stripe-key", "pii.pan")} == {
        ("secrets.stripe-key", "app/settings.py", 2, added[:12]),
        ("pii.pan", "app/settings.py", 3, added[:12]),
    }
    assert STRIPE not in json.dumps(report)


def test_change_whose_commits_cancel_out_is_still_scanned(repo: Path) -> None:
    """The tree equals the merge base, but the key passed through the history."""
    commit_files(repo, {"app/settings.py": f'STRIPE_KEY = "{STRIPE}"\n'}, "add")
    commit_files(repo, {"app/settings.py": "DEBUG = False\n"}, "remove")
    code, out = run_cli(repo, "run", "--diff", "main", *GATES)
    assert code == 1
    assert "secrets.stripe-key" in out
    assert "commit(s) are scanned for secrets and card numbers" in out


def test_clean_history_passes(repo: Path) -> None:
    commit_files(repo, {"app/settings.py": "DEBUG = True\n"}, "one")
    commit_files(repo, {"app/views.py": "def index():\n    return 'ok'\n"}, "two")
    code, out = run_cli(repo, "run", "--diff", "main", *GATES)
    assert code == 0, out
    assert "added in commit" not in out


def test_secret_still_in_the_tree_is_reported_once(repo: Path) -> None:
    commit_files(repo, {"app/settings.py": f'STRIPE_KEY = "{STRIPE}"\n'}, "add")
    commit_files(repo, {"app/views.py": "x = 1\n"}, "more")
    code, report = _json(repo, "--diff", "main", *GATES)
    assert code == 1
    stripe = [f for f in _found(report) if f[0] == "secrets.stripe-key"]
    assert stripe == [("secrets.stripe-key", "app/settings.py", 1, "")]  # the tree's finding


def test_fingerprint_is_commit_independent(tmp_path: Path, repo: Path) -> None:
    """The same value at the same path has one fingerprint, in the tree or in any commit: an
    approval (or baseline entry) for it covers it wherever it shows up."""
    commit_files(repo, {"app/settings.py": f'STRIPE_KEY = "{STRIPE}"\n'}, "add")
    _, at_head = _json(repo, "--diff", "main", *GATES)
    commit_files(repo, {"app/settings.py": "DEBUG = False\n"}, "remove")
    _, in_history = _json(repo, "--diff", "main", *GATES)
    commit_files(repo, {"app/settings.py": f'X = 1\nSTRIPE_KEY = "{STRIPE}"\n'}, "again")
    commit_files(repo, {"app/settings.py": "DEBUG = False\n"}, "remove again")
    _, twice = _json(repo, "--diff", "main", *GATES)

    def fps(report: dict[str, object]) -> list[str]:
        return [
            f["fingerprint"]
            for f in report["findings"]  # type: ignore[attr-defined]  # JSON report shape
            if f["rule"] == "secrets.stripe-key"
        ]

    assert len(fps(at_head)) == 1
    assert fps(at_head) == fps(in_history) == fps(twice)


def test_merge_commit_content_is_scanned(repo: Path) -> None:
    """A merge resolution that adds a key (an "evil merge") is found, named by the merge."""
    commit_files(repo, {"app/a.py": "a = 1\n"}, "feature work")
    git(repo, "checkout", "-q", "-b", "side", "main")
    commit_files(repo, {"app/b.py": "b = 1\n"}, "side work")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "--no-ff", "--no-commit", "side")
    (repo / "app/b.py").write_text(f'b = 1\nKEY = "{STRIPE}"\n', encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "merge side")
    merge = git(repo, "rev-parse", "HEAD").strip()
    commit_files(repo, {"app/b.py": "b = 1\n"}, "remove")
    code, report = _json(repo, "--diff", "main", *GATES)
    assert code == 1
    assert ("secrets.stripe-key", "app/b.py", 2, merge[:12]) in _found(report)


def test_clean_merge_adds_nothing(repo: Path) -> None:
    commit_files(repo, {"app/a.py": "a = 1\n"}, "feature work")
    git(repo, "checkout", "-q", "-b", "side", "main")
    commit_files(repo, {"app/b.py": "b = 1\n"}, "side work")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge side", "side")
    code, out = run_cli(repo, "run", "--diff", "main", *GATES)
    assert code == 0, out


def test_rename_reports_the_new_path(repo: Path) -> None:
    git(repo, "mv", "app/settings.py", "app/config.py")
    renamed = commit_files(
        repo, {"app/config.py": f'DEBUG = False\nSTRIPE_KEY = "{STRIPE}"\n'}, "rename + key"
    )
    commit_files(repo, {"app/config.py": "DEBUG = False\n"}, "remove")
    code, report = _json(repo, "--diff", "main", *GATES)
    assert code == 1
    assert ("secrets.stripe-key", "app/config.py", 2, renamed[:12]) in _found(report)


def test_binary_diff_is_ignored_safely(repo: Path) -> None:
    blob = b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 4
    commit_files(repo, {"static/logo.png": blob}, "logo")
    commit_files(repo, {"static/logo.png": blob[::-1]}, "new logo")
    code, out = run_cli(repo, "run", "--diff", "main", *GATES)
    assert code == 0, out


def test_history_flag_scans_commits_before_the_base(repo: Path) -> None:
    """--diff reads only the change's commits; --history every commit reachable from HEAD."""
    git(repo, "checkout", "-q", "main")
    old = commit_files(repo, {"app/settings.py": f'STRIPE_KEY = "{STRIPE}"\n'}, "old leak")
    commit_files(repo, {"app/settings.py": "DEBUG = False\n"}, "old removal")
    git(repo, "checkout", "-q", "-B", "feature")
    commit_files(repo, {"app/views.py": "x = 1\n"}, "feature")
    assert run_cli(repo, "run", "--diff", "main", *GATES)[0] == 0
    code, report = _json(repo, "--history", *GATES)
    assert code == 1
    assert ("secrets.stripe-key", "app/settings.py", 1, old[:12]) in _found(report)


def test_git_failure_in_history_fails_closed(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A blob only the history holds is missing: the run cannot know what the change added
    (exit 3, the error names the git command); the gates that ran still report."""
    commit_files(repo, {"app/leak.py": f'KEY = "{STRIPE}"\n'}, "add")
    blob = git(repo, "rev-parse", "HEAD:app/leak.py").strip()
    commit_files(repo, {"app/leak.py": "KEY = None\n", "app/pay.py": f'card = "{PAN}"\n'}, "remove")
    (repo / ".git/objects" / blob[:2] / blob[2:]).unlink()
    code, out = run_cli(repo, "run", "--diff", "main", *GATES)
    assert code == 3
    assert "the git history could not be scanned" in out
    assert "log -p" in out
    assert "pii.pan" in out  # the pii gate's own finding at HEAD
    assert STRIPE not in out + capsys.readouterr().err


def test_history_with_file_names_is_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run_cli(repo, "run", "--history", *GATES, "app/settings.py")
    assert code == 2
    assert "cannot be combined with file names" in capsys.readouterr().err


def test_history_outside_git_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "a.py").write_text("x = 1\n", encoding="utf-8")
    code, _ = run_cli(folder, "run", "--history", *GATES)
    assert code == 2
    assert "not a git repository" in capsys.readouterr().err


def test_baseline_accepts_a_history_finding(repo: Path) -> None:
    """History findings go through the one filtering path: a baseline entry (or a waiver, by
    the same fingerprint) accepts them, and a later commit adding the same value at the same
    path is still covered."""
    commit_files(repo, {"app/settings.py": f'STRIPE_KEY = "{STRIPE}"\n'}, "add")
    commit_files(repo, {"app/settings.py": "DEBUG = False\n"}, "remove")
    assert run_cli(repo, "run", "--history", *GATES)[0] == 1
    assert run_cli(repo, "baseline", "create", "--history", *GATES)[0] == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "accept the rotated key")
    commit_files(repo, {"app/settings.py": f'X = 2\nSTRIPE_KEY = "{STRIPE}"\n'}, "again")
    commit_files(repo, {"app/settings.py": "DEBUG = False\n"}, "remove again")
    code, report = _json(repo, "--history", *GATES)
    assert code == 0
    statuses = {(f["rule"], f["status"]) for f in report["findings"]}  # type: ignore[attr-defined]  # JSON
    assert statuses == {
        ("secrets.stripe-key", "baselined"),
        ("secrets.base64-high-entropy", "baselined"),
    }


def test_history_follows_the_policy_per_path(repo: Path) -> None:
    """Per-path overrides, gate paths/exclude and severities apply to history findings as to the
    gates' own: the runner would give that path the same settings."""
    policy = (
        POLICY + "  secrets:\n    exclude: ['docs/**']\n"
        "overrides:\n"
        "  - paths: ['sandbox/**']\n"
        "    gates:\n"
        "      secrets: {severity: {secrets.stripe-key: low, secrets.base64-high-entropy: low}}\n"
        "  - paths: ['legacy/**']\n"
        "    gates:\n"
        "      secrets: {enabled: false}\n"
    )
    commit_files(repo, {".release-gates/policy.yaml": policy}, "policy")
    git(repo, "branch", "-f", "main", "HEAD")
    key_line = f'STRIPE_KEY = "{STRIPE}"\n'
    commit_files(
        repo,
        {"sandbox/a.py": key_line, "legacy/b.py": key_line, "docs/c.py": key_line},
        "add",
    )
    commit_files(repo, {"sandbox/a.py": "", "legacy/b.py": "", "docs/c.py": ""}, "remove")
    code, report = _json(repo, "--diff", "main", *GATES)
    found = {
        (f["rule"], f["location"]["path"], f["severity"])
        for f in report["findings"]  # type: ignore[attr-defined]  # JSON report shape
    }
    assert found == {
        ("secrets.stripe-key", "sandbox/a.py", "low"),
        ("secrets.base64-high-entropy", "sandbox/a.py", "low"),
    }
    assert code == 0
