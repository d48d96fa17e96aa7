"""docs/evidence.md's recipes, run as written: an auditor's check must not need release-gates."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from gates.attest import NAMESPACE
from gates.cli import main
from tests import sshkit
from tests.gatekit import git, make_repo

ROOT = Path(__file__).resolve().parent.parent
PRINCIPAL = "release-bot@example.com"


def _block(marker: str) -> str:
    text = (ROOT / "docs" / "evidence.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker}:[^>]*-->\n```bash\n(.*?)```", text, re.DOTALL)
    assert found is not None, marker
    return found.group(1)


def _bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def signed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    """(repository, envelope, allowed_signers) of a real run with a JSON report beside it."""
    repo = make_repo(
        tmp_path / "repo",
        {"app/pay.py": "AMOUNT = 100\n", "app/sub dir/x.txt": "a\n", "app-z.txt": "b\n"},
    )
    (repo / "link").symlink_to("app/pay.py")
    git(repo, "add", "link")
    git(repo, "commit", "-qm", "a symlink, never read")
    monkeypatch.chdir(repo)
    key = sshkit.keygen(tmp_path, "bot", "ed25519")
    out = io.StringIO()
    argv = ["run", "--gate", "pii", "--format", f"json={tmp_path / 'run.json'}"]
    argv += ["--evidence", str(tmp_path / "ev.json"), "--sign-key", str(key.path)]
    assert main(argv, out=out) == 0
    signers = tmp_path / "signers"
    signers.write_text(f'{PRINCIPAL} namespaces="{NAMESPACE}" {key.public}\n')
    return repo, tmp_path / "ev.dsse.json", signers


def test_verify_by_hand(signed: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, envelope, signers = signed
    work = tmp_path / "by-hand"
    work.mkdir()
    done = _bash(
        _block("verify-by-hand"),
        work,
        ENVELOPE=str(envelope),
        SIGNERS=str(signers),
        PRINCIPAL=PRINCIPAL,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "true"
    assert (work / "payload.json").read_bytes() == (tmp_path / "ev.json").read_bytes()
    # ... and it fails on a tampered payload
    doc = json.loads(envelope.read_text())
    doc["payload"] = doc["payload"][:-8] + ("A" * 8 if doc["payload"][-8:] != "A" * 8 else "B" * 8)
    envelope.write_text(json.dumps(doc))
    bad = _bash(
        _block("verify-by-hand"),
        work,
        ENVELOPE=str(envelope),
        SIGNERS=str(signers),
        PRINCIPAL=PRINCIPAL,
    )
    assert bad.returncode != 0


def test_subject_by_hand(signed: tuple[Path, Path, Path], tmp_path: Path) -> None:
    repo, _, _ = signed
    done = _bash(_block("subject-by-hand"), repo, REV="HEAD")
    assert done.returncode == 0, done.stderr
    statement = json.loads((tmp_path / "ev.json").read_text())
    tree = next(s for s in statement["subject"] if s["name"] == "tree")
    assert done.stdout.splitlines() == [tree["digest"]["gitTree"], tree["digest"]["sha256"]]
    assert tree["annotations"] == {
        "digestAlgorithm": "release-gates-tree-v1",
        "dirty": False,
        "files": 3,  # the symlink is not a regular file
    }


def test_report_digest_binds_the_json_report(
    signed: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    statement = json.loads((tmp_path / "ev.json").read_text())
    report = (tmp_path / "run.json").read_bytes()
    assert (
        statement["predicate"]["report"]["digest"]["sha256"] == hashlib.sha256(report).hexdigest()
    )
