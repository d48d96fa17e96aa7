"""The demo files this area ships (policies/demo/repo/checkout/) trip the secrets and sast gates."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from gates.checks.sast import GATE as SAST
from gates.checks.secrets import GATE as SECRETS
from tests.gatekit import context, make_repo

DEMO = files("gates") / "policies" / "demo" / "repo" / "checkout"


def test_demo_checkout_app(tmp_path: Path) -> None:
    names = sorted(e.name for e in DEMO.iterdir() if e.name.endswith(".py"))
    repo = make_repo(tmp_path / "demo", {f"checkout/{n}": (DEMO / n).read_text() for n in names})
    found = [*SECRETS.run(context("secrets", repo)), *SAST.run(context("sast", repo))]
    assert {(f.rule, f.location.path, f.location.line) for f in found} == {
        ("secrets.stripe-key", "checkout/settings.py", 10),
        ("secrets.keyword", "checkout/settings.py", 10),
        ("secrets.base64-high-entropy", "checkout/settings.py", 10),
        ("sast.bandit.B105", "checkout/settings.py", 10),
        ("sast.debug-enabled", "checkout/settings.py", 5),
        ("sast.webhook-signature-unverified", "checkout/webhooks.py", 13),
        ("sast.float-money", "checkout/pricing.py", 5),
    }
