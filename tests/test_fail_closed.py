"""A gate that could not look never passes: git failures and empty selections (holes 2 and 3).

Each test plants a card number a working gate would block on, then breaks how the run finds its
files; the verdict must be an error (exit 2 or 3) with a message naming the cause and the fix,
never "PASS, 0 files scanned".
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.gatekit import git, make_repo, run_cli

PAN = "4539 1488 0343 6467"


def run(root: Path, *argv: str) -> tuple[int, str]:
    return run_cli(root, *argv)


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"app/pay.py": f'CARD = "{PAN}"\n', "README.md": "x\n"})


# --- hole 2: git errors are exit 3, never plain-directory mode --------------------------------


@pytest.mark.parametrize(
    "extra",
    [(), ("--trust-ref", "main"), ("--diff", "main")],
    ids=["plain", "trust-ref", "diff"],
)
def test_dubious_ownership_is_exit_3_with_the_fix(
    planted: Path, extra: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """A checkout owned by another uid (a container): git refuses; we must not scan as a folder."""
    for dirpath, _dirs, files in os.walk(planted):
        os.chown(dirpath, 4321, 4321)
        for name in files:
            os.lchown(os.path.join(dirpath, name), 4321, 4321)
    code, out = run(planted, "run", "--gate", "pii", *extra)
    err = capsys.readouterr().err
    assert code == 3, out
    assert "`git rev-parse --show-toplevel` exit 128" in err
    assert "dubious ownership" in err
    assert "git config --global --add safe.directory" in err
    assert "PASS" not in out


def test_broken_git_directory_is_exit_3(planted: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (planted / ".git/HEAD").write_text("garbage\n")
    code, out = run(planted, "run", "--gate", "pii")
    assert code == 3, out
    assert "gate git: `git rev-parse --show-toplevel`" in capsys.readouterr().err


def test_missing_objects_are_exit_3_not_an_empty_diff(
    planted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(planted, "checkout", "-q", "-b", "pr")
    (planted / "app/more.py").write_text(f'CARD2 = "{PAN}"\n')
    git(planted, "add", "-A")
    git(planted, "commit", "-qm", "more")
    base_tree = git(planted, "rev-parse", "main^{tree}").strip()
    obj = planted / ".git/objects" / base_tree[:2] / base_tree[2:]
    obj.unlink()  # the base commit's tree is gone: git cannot diff against it
    code, _ = run(planted, "run", "--gate", "pii", "--diff", "main")
    assert code == 3
    assert "gate git: `git" in capsys.readouterr().err


def test_git_timeout_is_a_setting(planted: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(planted, "--git-timeout", "0.000001", "run", "--gate", "pii")
    assert code == 3
    assert "git did not finish within 1e-06s" in capsys.readouterr().err


def test_git_timeout_from_the_policy(planted: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (planted / ".release-gates").mkdir()
    (planted / ".release-gates/policy.yaml").write_text(
        "version: 1\ntool_timeouts: {git: 0.000001}\n"
    )
    code, _ = run(planted, "run", "--gate", "pii")
    assert code == 3
    assert "git did not finish within 1e-06s" in capsys.readouterr().err
    # the command line wins over the policy
    code, _ = run(planted, "--git-timeout", "60", "run", "--gate", "pii")
    assert code == 1


def test_missing_git_is_exit_3(
    planted: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = planted.parent / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr("sysconfig.get_path", lambda name: str(empty))
    code, _ = run(planted, "run", "--gate", "pii")
    assert code == 3
    assert "git is not installed" in capsys.readouterr().err


# --- hole 3: nothing scanned is never a pass --------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "argv", "message"),
    [
        (
            lambda r: (r / "empty").mkdir(),
            ("run", "--gate", "pii", "empty"),
            "gates run: files: none of the named paths holds a file to scan",
        ),
        (
            lambda r: None,
            ("run", "--gate", "pii", "no/such/file.py"),
            "command line: no/such/file.py: no such file or directory",
        ),
        (
            lambda r: _write(
                r, ".release-gates/policy.yaml", "version: 1\ngates:\n  pii: {paths: ['srcc/**']}\n"
            ),
            ("run", "--gate", "pii"),
            "$.gates.pii.paths: matches none of the",
        ),
        (
            lambda r: _write(r, ".release-gates/policy.yaml", "version: 1\nexclude: ['**']\n"),
            ("run", "--gate", "pii"),
            "$.exclude: excludes every one of the",
        ),
        (
            lambda r: _write(
                r,
                ".release-gates/policy.yaml",
                "version: 1\noverrides:\n  - paths: ['servces/**']\n    gates: {pii: {enabled: false}}\n",
            ),
            ("run", "--gate", "pii"),
            "$.overrides[0].paths: matches none of the",
        ),
    ],
    ids=["empty-directory", "missing-path", "paths-typo", "exclude-everything", "override-typo"],
)
def test_empty_selection_is_exit_2(
    planted: Path,
    setup: object,
    argv: tuple[str, ...],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert callable(setup)
    setup(planted)
    code, out = run(planted, *argv)
    err = capsys.readouterr().err
    assert code == 2, out
    assert message in err
    assert out == ""


def _write(root: Path, rel: str, text: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text)


def test_repository_without_commits_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(tmp_path / "fresh", {}, commit=False)
    code, _ = run(root, "run", "--gate", "pii")
    assert code == 2
    assert "the repository tracks no files" in capsys.readouterr().err
    code, out = run(root, "run", "--gate", "pii", "--allow-empty")
    assert code == 0
    assert "--allow-empty accepted it" in out


def test_directory_argument_expands_to_its_tracked_files(planted: Path) -> None:
    (planted / "app/untracked.py").write_text(f'OTHER = "{PAN}"\n')
    code, out = run(planted, "run", "--gate", "pii", "--format", "json", "app")
    assert code == 1
    assert '"path": "app/pay.py"' in out
    assert "untracked.py" not in out
    assert '"scanned_files": 1' in out


def test_dot_expands_to_the_whole_repository(planted: Path) -> None:
    code, out = run(planted, "run", "--gate", "pii", ".")
    assert code == 1
    assert "2 files scanned" in out


def test_diff_with_no_change_is_exit_2(planted: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(planted, "run", "--gate", "pii", "--diff", "main")
    assert code == 2
    assert "no change to review" in capsys.readouterr().err


def test_diff_that_only_deletes_files_passes_with_a_note(planted: Path) -> None:
    git(planted, "checkout", "-q", "-b", "pr")
    git(planted, "rm", "-q", "README.md")
    git(planted, "commit", "-qm", "drop readme")
    code, out = run(planted, "run", "--gate", "pii", "--diff", "main")
    assert code == 0, out
    assert "the change only deletes files" in out


def test_plain_directory_still_works_and_says_so(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.py").write_text(f'CARD = "{PAN}"\n')
    code, out = run(plain, "run", "--gate", "pii")
    assert code == 1
    assert "not a git repository" in out
