"""The clock, hostile input files and side effects (holes 8, 9 and 10 of the trust issue).

8: the time a run judges expiry by is recorded, `--now` is refused under CI unless the trusted
   policy allows it, and a system clock behind the protected base's commit is refused.
9: every input that can relax a verdict is opened only as a regular file inside the repository,
   with a size cap: a FIFO never hangs the run, `/dev/zero` never eats memory.
10: a run leaves the repository byte-identical, and the evidence names what was scanned.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import pytest

from gates.cli import main
from tests.gatekit import git, make_repo, run_cli

PAN = "4539 1488 0343 6467"
POLICY = ".release-gates/policy.yaml"


def run(root: Path, *argv: str) -> tuple[int, str]:
    return run_cli(root, *argv)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"app/pay.py": "AMOUNT = 100\n"})


# --- hole 8: the clock ---------------------------------------------------------------------


def test_reports_record_the_clock_and_its_source(repo: Path) -> None:
    code, text = run(repo, "run", "--gate", "pii")
    assert code == 0
    assert "(system clock)" in text
    code, out = run(
        repo, "run", "--gate", "pii", "--now", "2026-01-31T12:00:00Z", "--format", "json"
    )
    assert code == 0
    assert json.loads(out)["clock"] == {"time": "2026-01-31T12:00:00Z", "source": "--now"}


@pytest.mark.parametrize("var", ["CI", "GITHUB_ACTIONS", "GITLAB_CI"])
def test_now_is_refused_under_ci(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], var: str
) -> None:
    monkeypatch.setenv(var, "true")
    code, out = run(repo, "run", "--gate", "pii", "--now", "2020-01-01T00:00:00Z")
    assert code == 2
    assert out == ""
    assert "setting the clock is refused under CI" in capsys.readouterr().err


def test_now_under_ci_needs_the_trusted_policy_to_allow_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    git(repo, "checkout", "-q", "-b", "pr")
    (repo / ".release-gates").mkdir()
    (repo / POLICY).write_text("version: 1\nunsafe_allow_now_in_ci: true\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the PR allows itself to set the clock")
    # The PR's own policy does not count: main's (the shipped default) refuses.
    code, _ = run(
        repo, "run", "--gate", "pii", "--trust-ref", "main", "--now", "2027-01-01T00:00:00Z"
    )
    assert code == 2
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "pr")
    code, out = run(
        repo, "run", "--gate", "pii", "--trust-ref", "main", "--now", "2027-01-01T00:00:00Z"
    )
    assert code == 0, out
    assert "(--now)" in out


def test_a_clock_behind_the_protected_base_is_refused(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The base commit exists, so real time is past it: a clock before it was set back."""
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2099-01-01T00:00:00Z")
    (repo / "README.md").write_text("later\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a commit from the future, as the clock would have it")
    monkeypatch.delenv("GIT_COMMITTER_DATE")
    code, _ = run(repo, "run", "--gate", "pii", "--trust-ref", "main")
    assert code == 2
    assert "the system clock is earlier than the commit time of main" in capsys.readouterr().err


# --- hole 9: inputs that hang or exhaust memory ------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory", "outside"])
def test_hostile_baseline_is_exit_2_without_hanging(
    repo: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = repo / ".release-gates/baseline.json"
    target.parent.mkdir()
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "dev-zero":
        target.symlink_to("/dev/zero")
    elif kind == "directory":
        target.mkdir()
    argv = ["run", "--gate", "pii"]
    if kind == "outside":
        outside = repo.parent / "baseline.json"
        outside.write_text('{"version": 1, "findings": []}')
        argv += ["--baseline", str(outside)]
    code, out = run(repo, *argv)
    err = capsys.readouterr().err
    assert code == 2, out
    assert "baseline" in err
    assert out == ""


def test_oversized_baseline_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = repo / ".release-gates/baseline.json"
    target.parent.mkdir()
    with target.open("wb") as fh:
        fh.truncate(17 << 20)  # sparse: 17 MiB of zeros, over the 16 MiB cap
    code, _ = run(repo, "run", "--gate", "pii")
    assert code == 2
    assert "limit" in capsys.readouterr().err


def test_fifo_statement_is_rejected_not_waited_on(repo: Path) -> None:
    folder = repo / ".release-gates/approvals/W-1"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "statement.json")
    (repo / "app/pay.py").write_text(f'CARD = "{PAN}"\n')
    code, out = run(repo, "run", "--gate", "pii")
    assert code == 1
    assert "W-1" in out


def test_fifo_allowed_signers_is_exit_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".release-gates").mkdir()
    (repo / POLICY).write_text(
        "version: 1\napprovals: {repository: acme/pay, required: {security: 1}}\n"
        "roles: {security: [alice@example.com]}\n"
    )
    os.mkfifo(repo / ".release-gates/allowed_signers")
    folder = repo / ".release-gates/approvals/W-1"
    folder.mkdir(parents=True)
    (folder / "statement.json").write_text("{}")
    code, _ = run(repo, "run", "--gate", "pii")
    assert code == 2
    assert "not a regular file (a FIFO)" in capsys.readouterr().err


# --- hole 10: side effects and what the evidence names -----------------------------------------


def _tree_digest(root: Path) -> dict[str, str]:
    """Every file under the repository (`.git` included) with its bytes' digest and mtime."""
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath, name)
            if path.is_symlink():
                continue
            st = path.stat()
            out[str(path.relative_to(root))] = (
                hashlib.sha256(path.read_bytes()).hexdigest() + f":{st.st_mtime_ns}"
            )
    return out


@pytest.mark.parametrize(
    "extra",
    [(), ("--diff", "main"), ("--trust-ref", "main"), ("--diff", "main", "--trust-ref", "main")],
    ids=["full", "diff", "trust-ref", "both"],
)
def test_a_run_leaves_the_repository_byte_identical(repo: Path, extra: tuple[str, ...]) -> None:
    git(repo, "checkout", "-q", "-b", "pr")
    (repo / "app/more.py").write_text(f'CARD = "{PAN}"\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "more")
    (repo / "app/pay.py").write_text("AMOUNT = 200\n")  # a dirty working tree: index is stale
    os.utime(repo / "app/pay.py", ns=(1, 1))
    before = _tree_digest(repo)
    code, _ = run(repo, "run", "--gate", "pii", "--gate", "signoff", *extra)
    assert code == 1
    assert _tree_digest(repo) == before


def test_evidence_names_the_scanned_files_and_a_dirty_tree(repo: Path) -> None:
    evidence = repo.parent / "evidence.json"
    code, _ = run(repo, "run", "--gate", "pii", "--evidence", str(evidence))
    assert code == 0
    clean = json.loads(evidence.read_text())
    assert clean["predicate"]["workingTree"] == "clean"
    (repo / "app/pay.py").write_text("AMOUNT = 300\n")
    code, _ = run(repo, "run", "--gate", "pii", "--evidence", str(evidence))
    dirty = json.loads(evidence.read_text())
    assert dirty["predicate"]["workingTree"] == "dirty"
    scanned = {s["name"]: s for s in dirty["subject"]}
    before = {s["name"]: s for s in clean["subject"]}
    assert scanned["release"] == before["release"]  # same HEAD ...
    assert scanned["tree"]["digest"]["gitTree"] == before["tree"]["digest"]["gitTree"]
    assert (
        scanned["tree"]["digest"]["sha256"] != before["tree"]["digest"]["sha256"]
    )  # ... other bytes
    assert (before["tree"]["annotations"]["dirty"], scanned["tree"]["annotations"]["dirty"]) == (
        False,
        True,
    )


def test_the_demo_runs_under_ci_on_its_own_fixed_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's first command runs in CI too: its clock judges only its embedded data."""
    monkeypatch.setenv("CI", "true")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert main(["demo", "--format", "json"], out=out) == 0
    assert json.loads(out.getvalue())["clock"]["source"] == "the demo's fixed date"
