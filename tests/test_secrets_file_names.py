"""A file's name never hides a key from the secrets gate (real CLI, real git repository).

detect-secrets skips some names unread: extensions it guesses are not text (.css, .svg, .map,
.lock, .sum, .prefs), lockfile names, and any path containing "swagger". The workspace tells text
from binary by content, so a key in such a file is found like anywhere else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.gatekit import make_repo, run_cli

KEY = "AKIA" + "ZXCVBNMASDFGHJKL"  # split so this file is not itself a finding


@pytest.mark.parametrize(
    "name",
    ["web/theme.css", "deploy.lock", "static/bundle.js.map", "icons.svg", "tools/go.sum",
     "conf/app.prefs", "clients/swagger_client.py", "Gemfile.lock"],
)  # fmt: skip
def test_a_file_name_never_hides_a_key(tmp_path: Path, name: str) -> None:
    root = make_repo(tmp_path / "repo", {name: f'aws_access_key_id = "{KEY}"\n'})
    code, out = run_cli(root, "run", "--gate", "secrets", "--no-cache", "--format", "json")
    assert code == 1, out
    found = [(f["rule"], f["location"]["path"]) for f in json.loads(out)["findings"]]
    assert ("secrets.aws-key", name) in found
    assert KEY not in out
