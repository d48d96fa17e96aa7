"""The GitHub Action as GitHub runs it: `action.yml`'s steps under `bash -e` in a simulated runner.

Each `run:` step is executed as GitHub does (`bash -e {file}`), with its `env:` expressions
evaluated from the inputs, in a `GITHUB_WORKSPACE` that is a real repository with a base branch,
with `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY` and a `pull_request` event payload. The install step
is checked for syntax only (installing the package again would take minutes): its venv is a link
to the one running these tests.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.gatekit import git, make_repo

ROOT = Path(__file__).resolve().parent.parent
PAN = "4539 1488 0343 6467"
_EXPR = re.compile(r"\$\{\{\s*([a-z_.-]+)\s*\}\}")


def action() -> dict[str, Any]:
    doc = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def _evaluate(value: str, inputs: dict[str, str], action_path: Path) -> str:
    def one(m: re.Match[str]) -> str:
        expr = m.group(1)
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        if expr == "github.action_path":
            return str(action_path)
        raise AssertionError(f"unsupported expression in action.yml env: {expr}")

    return _EXPR.sub(one, value)


def run_step(
    step: dict[str, Any], inputs: dict[str, str], env: dict[str, str], tmp: Path
) -> subprocess.CompletedProcess[str]:
    assert "${{" not in step["run"], "inputs reach scripts through env:, never inline"
    script = tmp / f"step-{step.get('id', 'x')}.sh"
    script.write_text(step["run"], encoding="utf-8")
    step_env = {k: _evaluate(str(v), inputs, ROOT) for k, v in step.get("env", {}).items()}
    return subprocess.run(
        ["bash", "-e", str(script)],
        cwd=env["GITHUB_WORKSPACE"],
        env={**env, **step_env},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.fixture
def runner(tmp_path: Path) -> dict[str, str]:
    temp = tmp_path / "runner-temp"
    (temp / "release-gates-venv" / "bin").mkdir(parents=True)
    (temp / "release-gates-venv" / "bin" / "gates").symlink_to(
        Path(sys.executable).parent / "gates"
    )
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "base": {"ref": "main"}}}))
    (tmp_path / "output").touch()
    (tmp_path / "summary.md").touch()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    base.pop("CI", None)
    return {
        **base,
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_BASE_REF": "main",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "RUNNER_TEMP": str(temp),
    }


def _workspace(tmp_path: Path, pr_files: dict[str, str]) -> Path:
    root = make_repo(tmp_path / "ws", {"app/pay.py": "AMOUNT = 100\n"})
    git(root, "update-ref", "refs/remotes/origin/main", "main")
    git(root, "checkout", "-q", "-b", "pr")
    for rel, text in pr_files.items():
        (root / rel).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "the pull request")
    return root


def _outputs(env: dict[str, str]) -> dict[str, str]:
    lines = Path(env["GITHUB_OUTPUT"]).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def _inputs(**given: str) -> dict[str, str]:
    spec = action()["inputs"]
    return {
        name: given.get(name.replace("-", "_"), str(s.get("default", "")))
        for name, s in spec.items()
    }


@pytest.mark.parametrize(
    ("files", "fail_on_blocked", "step_code", "exit_code"),
    [
        ({"app/other.py": "X = 2\n"}, "true", 0, "0"),
        ({"app/other.py": f'CARD = "{PAN}"\n'}, "true", 1, "1"),
        ({"app/other.py": f'CARD = "{PAN}"\n'}, "false", 0, "1"),
    ],
    ids=["pass", "blocked", "blocked-not-failing"],
)
def test_run_step_writes_outputs_sarif_and_summary(
    tmp_path: Path,
    runner: dict[str, str],
    files: dict[str, str],
    fail_on_blocked: str,
    step_code: int,
    exit_code: str,
) -> None:
    ws = _workspace(tmp_path, files)
    env = {**runner, "GITHUB_WORKSPACE": str(ws)}
    steps = action()["runs"]["steps"]
    install = next(s for s in steps if s["name"].startswith("Install"))
    check = subprocess.run(["bash", "-n"], input=install["run"], text=True, check=False)
    assert check.returncode == 0
    step = next(s for s in steps if s.get("id") == "gates")
    inputs = _inputs(gates="pii", fail_on_blocked=fail_on_blocked)
    done = run_step(step, inputs, env, tmp_path)
    assert done.returncode == step_code, done.stderr
    outputs = _outputs(env)
    assert outputs == {
        "sarif-file": "release-gates.sarif",
        "exit-code": exit_code,
        "evidence-file": "",
        "signed-evidence-file": "",
    }
    sarif = json.loads((ws / "release-gates.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert [r["automationDetails"]["id"] for r in sarif["runs"]] == ["release-gates/pii/"]
    assert '"$schema"' not in done.stdout  # the SARIF went to its file, not the step log
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.startswith("## release-gates: ")
    if exit_code == "1":
        assert "::error file=app/other.py,line=1" in done.stdout
        assert "pii.pan" in json.dumps(sarif)
    else:
        assert "::error" not in done.stdout


def test_run_step_reports_invalid_input_with_outputs(
    tmp_path: Path, runner: dict[str, str]
) -> None:
    ws = _workspace(tmp_path, {"app/other.py": "X = 2\n"})
    env = {**runner, "GITHUB_WORKSPACE": str(ws)}
    step = next(s for s in action()["runs"]["steps"] if s.get("id") == "gates")
    done = run_step(step, _inputs(gates="pi", fail_on_blocked="false"), env, tmp_path)
    assert done.returncode == 2
    assert _outputs(env)["exit-code"] == "2"
    assert "no installed gate has this id" in done.stderr


def test_run_step_signs_the_evidence_with_the_key_input(
    tmp_path: Path, runner: dict[str, str]
) -> None:
    ws = _workspace(tmp_path, {"app/other.py": f'CARD = "{PAN}"\n'})
    env = {**runner, "GITHUB_WORKSPACE": str(ws)}
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "ci")], check=True
    )
    public = (tmp_path / "ci.pub").read_text().split()
    signers = tmp_path / "allowed_signers"
    signers.write_text(
        f'ci@example.com namespaces="release-gates-evidence@v1" {public[0]} {public[1]}\n'
    )
    step = next(s for s in action()["runs"]["steps"] if s.get("id") == "gates")
    inputs = _inputs(gates="pii", evidence_signing_key=(tmp_path / "ci").read_text().strip())
    done = run_step(step, inputs, env, tmp_path)
    assert done.returncode == 1, done.stderr
    assert _outputs(env) == {
        "sarif-file": "release-gates.sarif",
        "exit-code": "1",
        "evidence-file": "release-gates.evidence.json",
        "signed-evidence-file": "release-gates.evidence.dsse.json",
    }
    assert not (Path(env["RUNNER_TEMP"]) / "release-gates-evidence-key").exists()
    verify = subprocess.run(
        [
            str(Path(sys.executable).parent / "gates"),
            "evidence",
            "verify",
            "release-gates.evidence.dsse.json",
            "--allowed-signers",
            str(signers),
            "--repo",
            ".",
        ],
        cwd=ws,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert verify.stdout.endswith(
        "valid: release-gates.evidence.dsse.json; subject matches HEAD in .\n"
    )


def test_inputs_reach_scripts_only_through_env() -> None:
    for step in action()["runs"]["steps"]:
        assert "${{" not in step["run"]


def test_every_input_used_is_declared_and_every_output_set() -> None:
    """Every input the scripts use is declared, and every declared output is set."""
    doc = action()
    declared = set(doc["inputs"])
    used = {
        m.group(1).removeprefix("inputs.")
        for m in _EXPR.finditer((ROOT / "action.yml").read_text())
        if m.group(1).startswith("inputs.")
    }
    assert used <= declared
    step = next(s for s in doc["runs"]["steps"] if s.get("id") == "gates")
    for name in doc["outputs"]:
        assert f"{name}=" in step["run"]
