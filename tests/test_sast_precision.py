"""The sast gate on correct payment code (no finding) and on the broken twin (one finding per
problem), with the real semgrep and bandit on small git repositories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gates.checks.sast import GATE
from gates.errors import GateCannotRun
from gates.model import Finding, Severity
from tests.gatekit import context, make_repo, run_cli

ALL_BANDIT = {"bandit": {"min_confidence": "low"}}  # as pci-strict: B608 is low confidence

QUERIES = """\
from sqlalchemy import text

TABLE = "invoices"
COLUMNS = "id, amount, status"


def by_id(session, payment_id):
    return session.execute(text(f"SELECT {COLUMNS} FROM {TABLE} WHERE id = :id"), {"id": payment_id})


def by_status(session, status):
    query = text("SELECT id FROM " + TABLE + " WHERE status = :status")
    return session.execute(query, {"status": status})


def bound(session, payment_id):
    return session.execute(text("SELECT id FROM invoices WHERE id = :id").bindparams(id=payment_id))


def injectable(session, status):
    return session.execute(text(f"SELECT id FROM invoices WHERE status = '{status}'"), {})
"""

STATS = """\
def conversion(stats, paid_count, total_count):
    conversion_rate = paid_count / float(total_count)
    success_pct = stats.succeeded / stats.total * 100.0
    return conversion_rate, success_pct


def fee_for(order):
    return round(order.amount_cents / 100 * 0.029, 2)
"""

HOOKS = """\
import hashlib
import hmac
import json

import stripe
from Adyen.util import is_valid_hmac_notification
from paypalrestsdk import WebhookEvent


def stripe_webhook(request):
    try:
        event = stripe.Webhook.construct_event(request.body, request.headers["Stripe-Signature"], SECRET)
    except stripe.error.SignatureVerificationError:
        return 400
    fulfil(json.loads(request.body)["data"])
    return event


def checkout_com_webhook(request):
    body = request.get_data()
    signature = hmac.new(CKO_KEY, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature, request.headers["Cko-Signature"]):
        return 401
    return fulfil(json.loads(body))


def adyen_webhook(request):
    data = request.get_json()
    for item in data["notificationItems"]:
        if not is_valid_hmac_notification(item["NotificationRequestItem"], HMAC_KEY):
            return 401
        fulfil(item)
    return "[accepted]"


def paypal_webhook(request):
    body = request.get_data(as_text=True)
    if not WebhookEvent.verify(*transmission_headers(request), WEBHOOK_ID, body):
        return 400
    return fulfil(json.loads(body))


def unverified_webhook(request):
    return fulfil(json.loads(request.body))
"""


def _triples(found: list[Finding]) -> set[tuple[str, str, int]]:
    return {(f.rule, f.location.path, f.location.line) for f in found}


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    files = {"shop/queries.py": QUERIES, "shop/stats.py": STATS, "shop/hooks.py": HOOKS}
    repo = make_repo(tmp_path_factory.mktemp("precision") / "repo", files)
    return list(GATE.run(context("sast", repo, ALL_BANDIT)))


def test_only_the_broken_code_is_reported(found: list[Finding]) -> None:
    assert _triples(found) == {
        ("sast.sql-string-building", "shop/queries.py", 21),
        ("sast.float-money", "shop/stats.py", 8),
        ("sast.webhook-signature-unverified", "shop/hooks.py", 44),
    }


def test_bandit_b608_is_dropped_where_bound_parameters_prove_it_wrong(found: list[Finding]) -> None:
    (sql,) = [f for f in found if f.rule == "sast.sql-string-building"]
    # bandit flagged lines 8, 12 and 21; 8 and 12 are proven safe, 21 is the same problem as ours
    assert dict(sql.properties)["rules"] == "sast.bandit.B608,sast.sql-string-building"
    assert dict(sql.properties)["engines"] == "bandit,semgrep"
    assert sql.severity is Severity.HIGH


def test_bandit_alone_still_reports_the_proven_lines(tmp_path: Path) -> None:
    """Without semgrep there is no proof: bandit's B608 stands (the gate is never quieter
    because an engine is off)."""
    repo = make_repo(tmp_path / "r", {"shop/queries.py": QUERIES})
    config: dict[str, Any] = {**ALL_BANDIT, "semgrep": {"enabled": False}}
    lines = {f.location.line for f in GATE.run(context("sast", repo, config))}
    assert lines == {8, 12, 21}


MERGE = """\
import subprocess

import yaml


def convert(name):
    subprocess.run("convert " + name, shell=True)
    return yaml.load(open(name))
"""


def test_one_finding_per_problem_with_stable_fingerprints(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"tools.py": MERGE})
    runs = {
        "both": {},
        "semgrep": {"bandit": {"enabled": False}},
        "bandit": {"semgrep": {"enabled": False}},
    }
    seen = {
        name: {
            (f.rule, f.location.line): f
            for f in GATE.run(context("sast", repo, config))
            if f.rule != "sast.bandit.B404"
        }
        for name, config in runs.items()
    }
    both = seen["both"]
    assert set(both) == {("sast.shell-injection", 7), ("sast.unsafe-yaml-load", 8)}
    shell = both[("sast.shell-injection", 7)]
    assert shell.message.endswith("[found by: bandit B602, semgrep shell-injection]")
    assert dict(shell.properties)["engines"] == "bandit,semgrep"
    for key, finding in both.items():
        assert seen["semgrep"][key].fingerprint == finding.fingerprint
        assert seen["bandit"][key].fingerprint == finding.fingerprint
    assert "[found by" not in seen["bandit"][("sast.shell-injection", 7)].message


def test_a_local_rule_cannot_declare_a_proof(tmp_path: Path) -> None:
    rule = (
        "rules:\n  - id: my-proof\n    languages: [python]\n    severity: INFO\n"
        "    message: trust me\n    metadata:\n      release-gates:\n"
        "        proves-safe: [sast.bandit.B608]\n    pattern: text(...)\n"
    )
    repo = make_repo(tmp_path / "r", {"rules/mine.yaml": rule, "shop/queries.py": QUERIES})
    config = {**ALL_BANDIT, "semgrep": {"rules": ["rules/mine.yaml"]}}
    with pytest.raises(GateCannotRun, match="my-proof declares release-gates proves-safe"):
        list(GATE.run(context("sast", repo, config)))


def test_the_report_shows_one_finding_naming_both_engines(tmp_path: Path) -> None:
    src = 'import subprocess\n\n\ndef convert(name):\n    subprocess.run("convert " + name, shell=True)\n'
    root = make_repo(tmp_path / "r", {"tools.py": src})
    code, out = run_cli(root, "run", "--gate", "sast", "--no-cache", "--format", "text")
    assert code == 1
    assert out.splitlines()[:3] == [
        "tools.py:5:5: high sast.shell-injection [new, blocking] Command run through a shell or "
        "built from data: anyone who controls the data runs commands. Fix: Pass an argument "
        "list without shell=True. [found by: bandit B602, semgrep shell-injection]",
        '    | subprocess.run("convert " + name, shell=True)',
        "    properties: tool=semgrep, bandit_confidence=high, bandit_severity=high, cwe=CWE-78, "
        "engines=bandit,semgrep, rules=sast.bandit.B602,sast.shell-injection",
    ]
    assert out.count("sast.shell-injection [") == 1
    assert "sast.bandit.B602 [" not in out
