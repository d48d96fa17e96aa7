"""Importing a real `.secrets.baseline` made by the detect-secrets CLI into our findings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gates.checks.secrets import GATE, import_detect_secrets_baseline
from gates.checks.secrets.rules import SUPERSEDED_TYPES
from gates.errors import InvalidInput
from tests.gatekit import context, make_repo

STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
FILES = {
    "app/settings.py": f'STRIPE_KEY = "{STRIPE}"\ndb_password = "Tr0ub4dor&3horse"\n',
    "deploy/.env": "PASSWORD=hunter2hunter2\n",
    "other.py": 'token = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"\n',
}
DETECT_SECRETS = str(Path(sys.executable).parent / "detect-secrets")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("dsb") / "repo", FILES)
    out = subprocess.run(
        [DETECT_SECRETS, "scan", "app/settings.py", "deploy/.env"],
        cwd=root, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    (root / ".secrets.baseline").write_text(out)
    return root


def test_imports_exactly_the_audited_secrets(repo: Path) -> None:
    ctx = context("secrets", repo)
    imported = import_detect_secrets_baseline(repo / ".secrets.baseline", ctx)
    baseline = json.loads((repo / ".secrets.baseline").read_text())
    listed = {
        (path, SUPERSEDED_TYPES.get(e["type"], e["type"]))
        for path, entries in baseline["results"].items()
        for e in entries
    }
    assert {(f.location.path, dict(f.properties)["secret_type"]) for f in imported} == listed
    assert {f.location.path for f in imported} == {"app/settings.py", "deploy/.env"}
    current = {f.fingerprint for f in GATE.run(ctx)}
    assert {f.fingerprint for f in imported} <= current
    others = {f.fingerprint for f in GATE.run(ctx) if f.location.path == "other.py"}
    assert others.isdisjoint({f.fingerprint for f in imported})
    assert all(STRIPE not in f.message + f.snippet for f in imported)


def test_changed_secret_is_not_imported(repo: Path, tmp_path: Path) -> None:
    baseline = json.loads((repo / ".secrets.baseline").read_text())
    for entries in baseline["results"].values():
        for entry in entries:
            entry["hashed_secret"] = "0" * 40
    path = tmp_path / "b.json"
    path.write_text(json.dumps(baseline))
    assert import_detect_secrets_baseline(path, context("secrets", repo)) == ()


def _write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / ".secrets.baseline"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


ENTRY = {"type": "Secret Keyword", "hashed_secret": "a" * 40, "line_number": 1}
NO_TYPE = {"hashed_secret": "a" * 40}
BAD_HASH = {**ENTRY, "hashed_secret": "xyz"}


@pytest.mark.parametrize(
    ("doc", "field", "problem"),
    [
        ("{not json", "$", "not valid JSON"),
        ('{"results": {}, "results": {}}', "$", "duplicate key 'results'"),
        ([], "$", "expected a JSON object"),
        ({"version": "1.5.0"}, "$.results", "missing or not an object"),
        ({"results": {"../etc/passwd": [ENTRY]}}, "$.results['../etc/passwd']", "outside"),
        ({"results": {"/abs.py": [ENTRY]}}, "$.results['/abs.py']", "outside"),
        ({"results": {"a.py": {}}}, "$.results['a.py']", "expected a list"),
        ({"results": {"a.py": [NO_TYPE]}}, "$.results['a.py'][0].type", "missing"),
        ({"results": {"a.py": [BAD_HASH]}}, "$.results['a.py'][0].hashed_secret", "40 lowercase"),
    ],
    ids=["not-json", "duplicate-key", "not-object", "no-results", "dotdot", "absolute",
         "entries-not-list", "no-type", "bad-hash"],
)  # fmt: skip
def test_malformed_baselines_are_invalid_input(
    repo: Path, tmp_path: Path, doc: Any, field: str, problem: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        import_detect_secrets_baseline(_write(tmp_path, doc), context("secrets", repo))
    assert err.value.field == field
    assert problem in err.value.problem
    assert "detect-secrets scan" in err.value.fix


def test_missing_file_is_invalid_input(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        import_detect_secrets_baseline(tmp_path / "nope", context("secrets", repo))
