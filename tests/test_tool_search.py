"""A change that commits its own `git`, `semgrep` or `bandit` never gets it run, even when the
workflow puts that directory first on PATH (gates/tool_search.py): the change must not choose
the scanner that judges it. Real repositories, the real CLI, real tools; the planted ones would
leave a mark and report nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gates import _proc, tool_search
from gates.errors import GateCannotRun
from tests.gatekit import git, make_repo

ROOT = Path(__file__).resolve().parent.parent
CARD = "4539 1488 0343 6467"
INSECURE = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, verify=False)\n"


def _planted(repo: Path, mark: Path, *tools: str) -> None:
    """Commit `bin/TOOL` for each tool: it leaves `mark` and answers as if all were clean."""
    for tool in tools:
        fake = repo / "bin" / tool
        fake.parent.mkdir(exist_ok=True)
        fake.write_text(
            f'#!/bin/sh\necho {tool} >> "{mark}"\necho \'{{"results": [], "errors": []}}\'\n'
        )
        fake.chmod(0o755)
    git(repo, "add", "bin")
    git(repo, "commit", "-q", "-m", "tools of our own")


def _gates(cwd: Path, path_first: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PATH": f"{path_first}{os.pathsep}{os.environ['PATH']}",
    }
    return subprocess.run(
        [sys.executable, "-m", "gates", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_scanner_the_change_commits_is_never_run(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"svc/fetch.py": INSECURE})
    mark = tmp_path / "ran"
    _planted(repo, mark, "semgrep", "bandit")
    proc = _gates(repo, repo / "bin", "run", "--gate", "sast", "--no-cache", "--format", "json")
    assert not mark.exists(), mark.read_text()
    assert proc.returncode == 1, proc.stderr
    rules = {f["rule"] for f in json.loads(proc.stdout)["findings"]}
    assert "sast.tls-verify-disabled" in rules  # the real semgrep ran and found it


def test_a_git_the_change_commits_is_never_run_even_from_below_its_directory(
    tmp_path: Path,
) -> None:
    """Started in a subdirectory, before git has said where the repository is: the work tree
    around the directory is found by its `.git`, not by asking the planted git."""
    repo = make_repo(tmp_path / "repo", {"app/pay.py": f'CARD = "{CARD}"\n'})
    mark = tmp_path / "ran"
    _planted(repo, mark, "git")
    proc = _gates(repo / "app", repo / "bin", "run", "--gate", "pii", "--format", "json")
    assert not mark.exists(), mark.read_text()
    assert proc.returncode == 1, proc.stderr
    paths = {f["location"]["path"] for f in json.loads(proc.stdout)["findings"]}
    assert "app/pay.py" in paths


@pytest.fixture
def confined(tmp_path: Path) -> object:
    yield
    tool_search.confine()  # nothing off limits again for the tests after this one


def _scanner(directory: Path) -> Path:
    """An executable named `scanner` in `directory` (made if need be)."""
    directory.mkdir(parents=True, exist_ok=True)
    tool = directory / "scanner"
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(0o755)
    return tool


@pytest.mark.usefixtures("confined")
def test_tools_are_looked_up_and_started_without_the_repository_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    outside = tmp_path / "tools"
    for directory in (repo / "bin", outside):
        _scanner(directory)
    path = os.pathsep.join([str(repo / "bin"), "bin", "", str(outside)])
    monkeypatch.setenv("PATH", path)
    monkeypatch.chdir(repo)
    assert _proc.resolve_executable("scanner") == str(repo / "bin" / "scanner")  # not confined yet
    tool_search.confine(repo)
    assert _proc.resolve_executable("scanner") == str(outside / "scanner")
    assert _proc.tool_env()["PATH"].split(os.pathsep)[0] == str(outside)  # relative ones dropped


@pytest.mark.usefixtures("confined")
def test_our_own_scripts_directory_stays_allowed_inside_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A virtualenv the job created inside the checkout holds the semgrep our install put there."""
    repo = tmp_path / "repo"
    venv_bin = repo / ".venv" / "bin"
    tool = _scanner(venv_bin)
    monkeypatch.setenv("PATH", str(venv_bin))
    monkeypatch.setattr(tool_search, "scripts_dir", lambda: str(venv_bin))
    tool_search.confine(repo)
    assert _proc.resolve_executable("scanner") == str(tool)


@pytest.mark.usefixtures("confined")
def test_a_tool_found_only_inside_the_repository_is_named_in_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not "not installed": the user is told which file was refused, and why."""
    repo = tmp_path / "repo"
    tool = _scanner(repo / "bin")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(repo / "bin"))
    monkeypatch.setattr(tool_search, "scripts_dir", lambda: str(empty))
    tool_search.confine(repo)
    with pytest.raises(GateCannotRun) as err:
        _proc.run_tool(
            ["scanner"], gate="sast", cwd=repo, timeout_s=10, install_hint="pip install scanner"
        )
    assert str(tool) in err.value.reason
    assert "inside the repository under scan" in err.value.reason
    assert err.value.fix == "install scanner outside the repository (pip install scanner)"
