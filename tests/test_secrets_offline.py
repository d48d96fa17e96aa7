"""detect-secrets runs without `requests` (gates/checks/secrets/offline.py): faster, and unable to
reach the network. Each test runs in a fresh interpreter, where nothing has imported either yet."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.gatekit import make_repo

_CHECK = """
import sys
from gates.checks.secrets import offline
offline.preload()
assert "requests" not in sys.modules, "the stand-in stayed, or the real requests was imported"
import detect_secrets.plugins.stripe as stripe_plugin
from detect_secrets.settings import get_plugins, transient_settings
try:
    stripe_plugin.requests.get("https://api.stripe.com")
except offline.OfflineError:
    pass
else:
    raise AssertionError("the network call went through")
with transient_settings({"plugins_used": [{"name": "StripeDetector"}]}):
    names = [type(p).__name__ for p in get_plugins()]
assert names == ["StripeDetector"], names
import requests  # anyone else still gets the real package
assert hasattr(requests, "Session") and requests is not stripe_plugin.requests
print("ok")
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), check=False
    )


def test_detect_secrets_is_imported_with_the_offline_stand_in() -> None:
    proc = _python(_CHECK)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_a_detect_secrets_that_needs_more_of_requests_imports_as_usual() -> None:
    """A detect-secrets release that touches more of `requests` on import than the stand-in has
    must still scan: the half-imported modules are dropped and the real requests is used."""
    code = (
        "import sys\n"
        "from gates.checks.secrets import offline\n"
        "real = offline.stand_in\n"
        "def lacking():\n"
        "    requests, exceptions = real()\n"
        "    del requests.Response  # ibm_cos_hmac's annotation needs it\n"
        "    return requests, exceptions\n"
        "offline.stand_in = lacking\n"
        "offline.preload()\n"
        "assert not any(m.startswith('detect_secrets') for m in sys.modules)\n"
        "assert 'requests' not in sys.modules\n"
        "import detect_secrets.plugins.ibm_cos_hmac as p\n"
        "assert hasattr(p.requests, 'Session')\n"
        "print('ok')\n"
    )
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_the_gate_finds_provider_keys_without_importing_requests(tmp_path: Path) -> None:
    """The gate's own run, in a fresh process as pre-commit starts it: every plugin loaded under
    the stand-in still finds its secret, and `requests` is never imported."""
    root = make_repo(
        tmp_path / "repo",
        {
            "app/keys.py": (
                'STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"\n'
                'AWS = "AKIAIOSFODNN7EXAMPLA"\n'
                'password = "Wq9v-Tz4!kP2#rLm"\n'
            )
        },
    )
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gates", "run", "--no-cache", "--gate",
         "secrets", "--format", "json", "--output", "report.json", "app/keys.py"],
        capture_output=True, text=True, env=_env(), cwd=root, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr[-2000:]
    # -X importtime is inherited by the forked gate worker, which imports detect-secrets (its
    # lines and the parent's share stderr, so look for names, not whole lines)
    assert re.search(r"\|\s+detect_secrets\.plugins\.\w+$", proc.stderr, re.MULTILINE)
    assert not re.search(r"\|\s+(?:requests|urllib3|certifi)(?:\.\w+)*$", proc.stderr, re.MULTILINE)
    offline = _findings(root / "report.json")
    assert offline == [
        ("secrets.aws-key", 2),
        ("secrets.base64-high-entropy", 1),
        ("secrets.keyword", 3),
        ("secrets.stripe-key", 1),
    ]
    # the same run with the real requests imported first (preload then does nothing): same findings
    code = (
        "import requests, sys\n"
        "from gates.cli import main\n"
        "sys.exit(main(['run', '--no-cache', '--gate', 'secrets', '--format', 'json',"
        " '--output', 'online.json', 'app/keys.py']))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), cwd=root
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert _findings(root / "online.json") == offline


def _findings(report: Path) -> list[tuple[str, int]]:
    doc = json.loads(report.read_text())
    return sorted((f["rule"], f["location"]["line"]) for f in doc["findings"])


def test_a_run_where_only_a_binary_needs_detect_secrets_stays_offline(tmp_path: Path) -> None:
    """Text files proved clean skip detect-secrets; a binary's printable strings (rawscan) still
    get it, imported with the stand-in."""
    root = make_repo(
        tmp_path / "repo",
        {"app/ok.py": "x = 1\n", "assets/blob.bin": b"\x00\x01AWS=AKIAIOSFODNN7EXAMPLA\x00\x02"},
    )
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gates", "run", "--no-cache", "--gate",
         "secrets", "--format", "json", "--output", "report.json"],
        capture_output=True, text=True, env=_env(), cwd=root, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert not re.search(r"\|\s+(?:requests|urllib3|certifi)(?:\.\w+)*$", proc.stderr, re.MULTILINE)
    assert [r for r, _ in _findings(root / "report.json")] == ["secrets.aws-key"]
