"""Git object ids and checksums where files pin versions are not secrets; real secrets still are."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.checks.secrets import GATE
from gates.checks.secrets.digests import is_digest, is_pinned_digest
from tests.gatekit import context, make_repo

SHA1 = "5f89187f0433fc84d8387de25220185235d61ed1"  # a git commit id
SHA256 = "0b3a8d3f4c5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d"
SRI = "sha512-Z0kq4ShpPAm2VHlYzOGnd8MQVHBZUcGa8Y6UF0cl4yxnVfyKcc24yjXVrF1HUQd5iXZ8KIc3GKFAq0i+VCzAbg=="
STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"  # Stripe's documented example key shape
PRE_COMMIT = f"""\
repos:
  - repo: https://github.com/acme/release-gates
    rev: {SHA1}
    hooks:
      - id: pii
"""
PACKAGE_LOCK = f"""\
{{
  "name": "shop",
  "lockfileVersion": 3,
  "packages": {{
    "node_modules/left-pad": {{
      "version": "1.3.0",
      "resolved": "git+ssh://git@github.com/acme/left-pad.git#{SHA1}",
      "integrity": "{SRI}"
    }}
  }}
}}
"""
CARGO_LOCK = f"""\
[[package]]
name = "serde"
version = "1.0.200"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "{SHA256}"
"""
WORKFLOW = f"""\
jobs:
  build:
    steps:
      - uses: actions/checkout@{SHA1}
        with:
          ref: main
          commit: "{SHA1}"
"""


def rules(tmp_path: Path, files: dict[str, str]) -> set[tuple[str, str, int]]:
    repo = make_repo(tmp_path / "repo", files)
    return {(f.rule, f.location.path, f.location.line) for f in GATE.run(context("secrets", repo))}


@pytest.mark.parametrize(
    "files",
    [
        {".pre-commit-config.yaml": PRE_COMMIT},
        {"package-lock.json": PACKAGE_LOCK},
        {"Cargo.lock": CARGO_LOCK},
        {".github/workflows/ci.yml": WORKFLOW},
        {"deps.toml": f'[tool]\nsha256 = "{SHA256}"\n'},
        {"pins.json": f'{{"rev": "{SHA1}", "checksum": "{SHA256}"}}\n'},
    ],
    ids=[
        "pre-commit-rev",
        "package-lock",
        "cargo-checksum",
        "workflow-commit",
        "toml-sha256",
        "json",
    ],
)
def test_pinned_digests_are_not_secrets(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules(tmp_path, files) == set()


def test_the_same_digests_under_other_keys_are_still_secrets(tmp_path: Path) -> None:
    found = rules(
        tmp_path,
        {
            "config.yaml": f"api:\n  token: {SHA1}\n",
            "settings.py": f'SIGNING_KEY = "{SHA256}"\n',
        },
    )
    assert found == {
        ("secrets.hex-high-entropy", "config.yaml", 2),
        ("secrets.hex-high-entropy", "settings.py", 1),
    }


def test_real_secrets_in_pinning_files_are_still_found(tmp_path: Path) -> None:
    found = rules(
        tmp_path,
        {
            ".pre-commit-config.yaml": PRE_COMMIT + f"        stripe_key: {STRIPE}\n",
            "Cargo.lock": CARGO_LOCK + f'\n[metadata]\ntoken = "{STRIPE}"\n',
            "package-lock.json": PACKAGE_LOCK.replace(
                '"version": "1.3.0"', f'"version": "1.3.0", "token": "{STRIPE}"'
            ),
        },
    )
    assert {(path, line) for _, path, line in found} == {
        (".pre-commit-config.yaml", 6),
        ("Cargo.lock", 8),
        ("package-lock.json", 6),
    }
    assert {(path, rule) for rule, path, _ in found if rule == "secrets.stripe-key"} == {
        (".pre-commit-config.yaml", "secrets.stripe-key"),
        ("Cargo.lock", "secrets.stripe-key"),
        ("package-lock.json", "secrets.stripe-key"),
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (SHA1, True),
        (SHA256, True),
        (SRI, True),
        (SHA1[:-1], False),  # 39 digits
        (SHA1 + "ab", False),  # 42 digits
        ("sha512-" + "A" * 20, False),  # too short for a sha512 digest
        ("g" * 40, False),
    ],
    ids=["sha1", "sha256", "sri", "39-hex", "42-hex", "short-sri", "not-hex"],
)
def test_is_digest(value: str, expected: bool) -> None:
    assert is_digest(value) is expected


@pytest.mark.parametrize(
    ("path", "line", "expected"),
    [
        (".pre-commit-config.yaml", f"    rev: {SHA1}", True),
        ("x.yaml", f'rev: "{SHA1}"', True),
        ("x.json", f'"commit_sha": "{SHA1}",', True),
        ("x.toml", f'checksum = "{SHA1}"', True),
        (".release-gates/baseline.json", f'      "fingerprint": "{SHA1}",', True),
        ("x.yaml", f"token: {SHA1}", False),
        ("x.yaml", f"previous_rev_token: {SHA1}", False),
        ("go.sum", f"anything {SHA1}", True),
        ("sub/dir/Cargo.lock", f'x = "{SHA1}"', True),
        ("Cargo.lock.bak", f'x = "{SHA1}"', False),
    ],
    ids=[
        "rev",
        "quoted",
        "json-key",
        "toml",
        "baseline-fingerprint",
        "token",
        "suffix-only",
        "go-sum",
        "nested",
        "not-lock",
    ],
)
def test_where_a_digest_stands(path: str, line: str, expected: bool) -> None:
    assert is_pinned_digest(path, line, SHA1) is expected
