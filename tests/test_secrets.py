"""The secrets gate on real repositories: what it finds, what it ignores, what it never prints."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from gates.checks.secrets import GATE
from gates.errors import GateCannotRun, InvalidInput
from gates.fingerprint import FingerprintKey
from gates.model import Finding
from tests.gatekit import context, git, make_repo

STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"  # Stripe's documented example key shape
GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIICXgIBAAKBgQC6gGVshvPX5xWZMp41QPaRz2rjHWyhjrk18ut2Yf5+a7G8J9bZ\n"
    "q2VZ3yqW9lq0b8cCAwEAAQ==\n"
    "-----END RSA PRIVATE KEY-----\n"
)
NOTEBOOK = json.dumps(
    {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Charge a card\n"]},
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 1,
                "outputs": [],
                "source": ["import stripe\n", f'stripe.api_key = "{STRIPE}"\n'],
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    },
    indent=1,
)
FILES: dict[str, str] = {
    "app/settings.py": (
        "import os\n"
        f'STRIPE_SECRET_KEY = "{STRIPE}"\n'
        'db_password = "Tr0ub4dor&3horse"\n'
        f'GITHUB_TOKEN = "{GITHUB}"  # pragma: allowlist secret\n'
    ),
    ".env": "STRIPE_WEBHOOK_SECRET=whsec_Zx81kQm2Lp0aRt5vNc7dEe9f\nPASSWORD=hunter2hunter2\n",
    "deploy/values.yaml": "db:\n  host: db.internal\n  password: s3cr3t-Pa55w0rd-9x\n",
    "deploy/keys/signing.pem": PEM,
    "notebooks/charge.ipynb": NOTEBOOK,
    # Placeholders: none of these is a finding.
    "app/placeholders.py": (
        "import os\n"
        'STRIPE_KEY = "sk_live_xxx"\n'
        'api_key = os.environ["API_KEY"]\n'
        'secret = "${STRIPE_KEY}"\n'
        'password = "<your-key>"\n'
        'password = "changeme"\n'
        'api_key = "your-api-key-here"\n'
    ),
    ".env.example": (
        "API_KEY=${API_KEY}\nPASSWORD=changeme\nSTRIPE_KEY=sk_live_XXXXXXXXXXXXXXXXXXXXXXXX\n"
    ),
    "config/app.json": '{"api_key": "REPLACE_ME", "password": "{{ db_password }}"}\n',
    "README.md": "Set `STRIPE_KEY` to your key, e.g. `sk_live_...`.\n",
}
EXPECTED = {
    ("secrets.base64-high-entropy", "app/settings.py", 2),
    ("secrets.stripe-key", "app/settings.py", 2),
    ("secrets.keyword", "app/settings.py", 2),
    ("secrets.base64-high-entropy", "app/settings.py", 4),
    ("secrets.keyword", "app/settings.py", 3),
    ("secrets.github-token", "app/settings.py", 4),
    ("secrets.keyword", ".env", 1),
    ("secrets.stripe-webhook-secret", ".env", 1),
    ("secrets.keyword", ".env", 2),
    ("secrets.keyword", "deploy/values.yaml", 3),
    ("secrets.private-key", "deploy/keys/signing.pem", 1),
    ("secrets.base64-high-entropy", "notebooks/charge.ipynb", 17),
    ("secrets.keyword", "notebooks/charge.ipynb", 17),
    ("secrets.stripe-key", "notebooks/charge.ipynb", 17),
}
CLEAR_VALUES = (
    STRIPE,
    GITHUB,
    "Tr0ub4dor&3horse",
    "hunter2hunter2",
    "s3cr3t-Pa55w0rd-9x",
    "whsec_Zx81kQm2Lp0aRt5vNc7dEe9f",
    "MIICXgIBAAKBgQC6gGVshvPX5xWZMp41QPaRz2rjHWyhjrk18ut2Yf5",
)


def _triples(findings: list[Finding]) -> set[tuple[str, str, int]]:
    return {(f.rule, f.location.path, f.location.line) for f in findings}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("secrets") / "repo", FILES)


@pytest.fixture(scope="module")
def found(repo: Path) -> list[Finding]:
    return list(GATE.run(context("secrets", repo)))


def test_finds_exactly_the_planted_secrets(found: list[Finding]) -> None:
    assert _triples(found) == EXPECTED
    assert found == sorted(found, key=Finding.sort_key)


def test_notebook_line_points_into_the_ipynb(repo: Path) -> None:
    line = (repo / "notebooks/charge.ipynb").read_text().splitlines()[16]
    assert "stripe.api_key" in line


def test_no_secret_in_clear_anywhere(found: list[Finding]) -> None:
    """Only the in-memory `sensitive.` properties (never rendered, never cached) hold values."""
    public = [
        dataclasses.replace(
            f, properties=tuple(p for p in f.properties if not p[0].startswith("sensitive."))
        )
        for f in found
    ]
    rendered = json.dumps([dataclasses.asdict(f) for f in public], ensure_ascii=False)
    known = {dict(f.properties)["sensitive.value"] for f in found}
    assert all(any(value in k for k in known) for value in CLEAR_VALUES)
    for value in CLEAR_VALUES:
        assert value not in rendered
        assert value[4:-4] not in rendered


@pytest.mark.parametrize(
    ("rule", "path", "snippet", "message"),
    [
        (
            "secrets.stripe-key",
            "app/settings.py",
            "[stripe-key ••••p7dc]",
            "Stripe Secret Key hard-coded: [stripe-key ••••p7dc]",
        ),
        (
            "secrets.keyword",
            "deploy/values.yaml",
            "[keyword ••••d-9x]",
            "Secret Keyword hard-coded: [keyword ••••d-9x]",
        ),
        (
            "secrets.private-key",
            "deploy/keys/signing.pem",
            "[private-key ••••]",
            "Private Key hard-coded: [private-key ••••]",
        ),
    ],
    ids=["long-value", "short-value", "private-key"],
)
def test_masked_forms(
    found: list[Finding], rule: str, path: str, snippet: str, message: str
) -> None:
    (f,) = [f for f in found if f.rule == rule and f.location.path == path]
    assert (f.snippet, f.message) == (snippet, message)


def test_allowlist_pragma_is_a_request_that_still_reports(found: list[Finding]) -> None:
    requested = {(f.rule, f.location.line) for f in found if f.suppression_requests}
    assert requested == {("secrets.github-token", 4), ("secrets.base64-high-entropy", 4)}
    (f,) = [f for f in found if f.rule == "secrets.github-token"]
    assert f.suppression_requests == ("pragma: allowlist secret",)


def test_fingerprints_are_keyed_and_ignore_line_moves(tmp_path: Path) -> None:
    src = f'KEY = "{STRIPE}"\n'
    one = make_repo(tmp_path / "one", {"a.py": src})
    two = make_repo(tmp_path / "two", {"a.py": "\n\n# moved\n" + src + src})
    fp1 = {
        f.fingerprint for f in GATE.run(context("secrets", one)) if f.rule == "secrets.stripe-key"
    }
    found2 = [f for f in GATE.run(context("secrets", two)) if f.rule == "secrets.stripe-key"]
    assert [f.location.line for f in found2] == [4, 5]
    assert {f.fingerprint for f in found2} == fp1  # same secret, same file: one fingerprint
    other_key = dataclasses.replace(
        context("secrets", one),
        fingerprint_key=FingerprintKey(key=b"o" * 32, source="t", derived=False),
    )
    fp_other = {f.fingerprint for f in GATE.run(other_key) if f.rule == "secrets.stripe-key"}
    assert fp_other.isdisjoint(fp1)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"plugins": ["StripeDetector"]}, {("secrets.stripe-key", 1)}),
        ({"plugins": ["Base64HighEntropyString"], "base64_limit": 5.5}, set()),
        (
            {"plugins": ["Base64HighEntropyString"], "base64_limit": 3.0},
            {("secrets.base64-high-entropy", 1), ("secrets.base64-high-entropy", 2)},
        ),
        ({"exclude_secrets": ["^sk_live_4eC"]}, {("secrets.keyword", 2)}),
        ({"exclude_lines": ["STRIPE"]}, {("secrets.keyword", 2)}),
        (
            {"placeholders": ["horsebattery"]},
            {("secrets.stripe-key", 1), ("secrets.base64-high-entropy", 1)},
        ),
    ],
    ids=[
        "plugins",
        "entropy-high",
        "entropy-low",
        "exclude-secrets",
        "exclude-lines",
        "placeholder-word",
    ],
)
def test_policy_settings(
    tmp_path: Path, config: dict[str, object], expected: set[tuple[str, int]]
) -> None:
    root = make_repo(tmp_path / "r", {"a.py": f'STRIPE = "{STRIPE}"\npassword = "horsebattery"\n'})
    assert {
        (f.rule, f.location.line) for f in GATE.run(context("secrets", root, config))
    } == expected


def test_bad_regex_is_invalid_input(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    with pytest.raises(
        InvalidInput, match=r"\$\.gates\.secrets\.exclude_lines\[0\]: not a valid regex"
    ):
        list(GATE.run(context("secrets", root, {"exclude_lines": ["("]})))


def test_no_files_fails_closed(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    ctx = dataclasses.replace(context("secrets", root), files=())
    with pytest.raises(GateCannotRun, match="no files to scan"):
        list(GATE.run(ctx))


def test_parallel_equals_sequential(tmp_path: Path) -> None:
    files = {f"pkg/m{i:02d}.py": f'x = {i}\nAPI_KEY = "{STRIPE[:-2]}{i:02d}"\n' for i in range(30)}
    root = make_repo(tmp_path / "r", files)
    seq = list(GATE.run(context("secrets", root)))
    par = list(GATE.run(dataclasses.replace(context("secrets", root), jobs=2)))
    assert par == seq
    assert len({f.location.path for f in seq}) == 30


def test_warm_cache_reuses_and_rejects_corrupt_entries(
    tmp_path: Path, found: list[Finding], repo: Path
) -> None:
    cache = tmp_path / "cache"
    cold = list(GATE.run(context("secrets", repo, cache_dir=cache)))
    assert cold == found
    entries = sorted(cache.rglob("*.json"))
    assert len(entries) == len(FILES)
    warm = list(GATE.run(context("secrets", repo, cache_dir=cache)))
    assert warm == cold
    for entry in entries:  # corrupt every entry: each is ignored, rescanned and rewritten
        entry.write_text('{"key": "forged", "findings": []}')
    assert list(GATE.run(context("secrets", repo, cache_dir=cache))) == cold
    assert all("forged" not in e.read_text() for e in entries)
    list(GATE.run(context("secrets", repo, {"hex_limit": 3.5}, cache_dir=cache)))
    assert len(sorted(cache.rglob("*.json"))) == 2 * len(FILES)  # new settings: new namespace


def test_cache_hit_does_not_depend_on_the_scanner(tmp_path: Path, repo: Path) -> None:
    """An entry written under the machine key is used as is: proves warm runs skip scanning
    (and that only the authenticated writer can make one, see tests/test_result_cache.py)."""
    from gates import cachekey
    from gates.checks import result_cache

    cache = tmp_path / "cache"
    list(GATE.run(context("secrets", repo, cache_dir=cache)))
    entry = next(p for p in cache.rglob("*.json") if "deploy/values.yaml" in p.read_text())
    doc = json.loads(entry.read_text())
    assert len(doc["findings"]) == 1
    writer = result_cache.ResultCache(root=cache, namespace="unused", secret=cachekey.machine_key())
    writer.put(doc["key"], [], "")
    warm = list(GATE.run(context("secrets", repo, cache_dir=cache)))
    assert "deploy/values.yaml" not in {f.location.path for f in warm}


def test_scans_a_git_revision(tmp_path: Path) -> None:
    from gates import workspace

    root = make_repo(tmp_path / "r", {"a.py": f'K = "{STRIPE}"\n'})
    (root / "a.py").write_text("K = None\n")
    git(root, "commit", "-qam", "remove key")
    ws = workspace.at_revision(root.resolve(), "HEAD~1", {"a.py": "a.py"})
    ctx = dataclasses.replace(context("secrets", root), workspace=ws, files=ws.files)
    assert {f.rule for f in GATE.run(ctx)} == {"secrets.stripe-key", "secrets.base64-high-entropy"}
