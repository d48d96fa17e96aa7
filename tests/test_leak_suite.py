"""Leak suite (issue #12): planted values in every position, every output, zero in clear.

A generated repository plants card numbers, IBANs, SSNs and secrets where they used to leak: a
SAST-flagged line and its `# nosec` comment, a PII line that also holds a key and a secrets line
that also holds a card number, fixtures, reconciliation data with card-shaped payment ids. The
real CLI runs in subprocesses (the real logging set-up: `-v --debug`, `--log-format json`) through
every gate and every format, warm and cold, re-renders the saved report, triggers the error paths
that echo input, and runs `gates reconcile` with every output file. Then every byte written
(stdout, stderr, reports, evidence, step summary, reconcile files, the cache directory and the
cache key's directory) is searched for each planted value: in clear, compact, grouped, base64 and
URL-encoded. Parquet is compressed, so it is also searched decoded.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.gatekit import make_repo
from tests.reconcile_data import jsonl, lifecycle, rep, report_csv

# Generated, Luhn-valid, non-test numbers; secrets split so this file is not itself a finding.
PAN_LINE = "4539148803436467"  # Visa, on a line with a Stripe key
PAN_NOSEC = "5191230000000076"  # Mastercard, inside a `# nosec` comment
PAN_FIXTURE = "4916338506082832"  # Visa, in a JSON fixture
PAN_PAYMENT_ID = "4485275742308327"  # Visa, as a reconciliation payment id
PAN_ERROR = "4532015112830366"  # Visa, in a policy value that fails validation
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
STRIPE_SAST = "sk_live_" + "9xQ2mV7pLk3Rt8Wz5Yb1Nc4d"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
PASSWORD = "Zt9-" + "qLm4-Rw8x-Pv2k"
IBAN = "DE89370400440532013000"
SSN = "536-22-1471"
NINO = "AB 12 34 56 C"  # UK National Insurance number, in the JSON fixture
NINO_COMPACT = "AB123456C"
BSN = "111222333"  # Dutch BSN, after its keyword in the JSON fixture

PLANTED = (
    PAN_LINE,
    PAN_NOSEC,
    PAN_FIXTURE,
    PAN_PAYMENT_ID,
    PAN_ERROR,
    STRIPE,
    STRIPE_SAST,
    GITHUB,
    PASSWORD,
    IBAN,
    SSN,
    NINO,
    NINO_COMPACT,
    BSN,
)


def _grouped(digits: str) -> str:
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


CHARGE = f"""\
import logging
import requests

log = logging.getLogger(__name__)
CARD = "{_grouped(PAN_LINE)}"; STRIPE_KEY = "{STRIPE}"


def charge(card_number, amount):
    log.info("charging %s", card_number)
    requests.post("https://api.example.com/charge", verify=False, headers={{"Authorization": "Bearer {STRIPE_SAST}"}})
    requests.get("https://api.example.com/refund", verify=False)  # nosec B501 card {PAN_NOSEC} is fine
    return amount
"""

SETTINGS = f"""\
DB_PASSWORD = "{PASSWORD}"
GITHUB_TOKEN = "{GITHUB}"
"""

FIXTURE = json.dumps(
    {"iban": IBAN, "ssn": SSN, "card": PAN_FIXTURE, "name": "Jane Roe", "ni": NINO, "bsn": BSN},
    sort_keys=True,
)

EVENTS = jsonl(
    lifecycle(PAN_PAYMENT_ID, ["created", "authorized", "captured"])
    + lifecycle("p-2", ["created", "authorized", "captured"])
)
REPORT = report_csv([rep(PAN_PAYMENT_ID, "pending"), rep("p-2", "completed")])

POLICY = "version: 1\nextends: reconcile-card-lifecycle\n"


def _forms(value: str) -> set[bytes]:
    """Every spelling of a planted value that counts as a leak."""
    forms = {value}
    if value.replace("-", "").isdigit():
        compact = value.replace("-", "")
        forms |= {compact, _grouped(compact), "-".join(compact[i : i + 4] for i in range(0, 16, 4))}
    encoded = {urllib.parse.quote(f, safe="") for f in forms}
    b64 = {base64.b64encode(f.encode()).decode().rstrip("=") for f in forms}
    return {f.encode() for f in forms | encoded | b64 if len(f) >= 9}


def _leaks(name: str, raw: bytes) -> list[str]:
    return [f"{name}: {value}" for value in PLANTED if any(f in raw for f in _forms(value))]


@dataclass(frozen=True, slots=True, kw_only=True)
class World:
    base: Path
    repo: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    base = tmp_path_factory.mktemp("leak")
    repo = make_repo(
        base / "repo",
        {
            ".release-gates/policy.yaml": POLICY,
            "payments/charge.py": CHARGE,
            "payments/settings.py": SETTINGS,
            "fixtures/customers.json": FIXTURE + "\n",
            "data/events/part-1.jsonl": EVENTS,
            "data/report.csv": REPORT,
        },
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI"))}
    env["XDG_CACHE_HOME"] = str(base / "cache")
    env["XDG_STATE_HOME"] = str(base / "state")
    env["GITHUB_STEP_SUMMARY"] = str(base / "summary.md")
    return World(base=base, repo=repo, env=env)


def _gates(world: World, *argv: str) -> subprocess.CompletedProcess[bytes]:
    cmd = [sys.executable, "-m", "gates", "-v", "--debug", "--log-format", "json", *argv]
    return subprocess.run(
        cmd, cwd=world.repo, env=world.env, capture_output=True, timeout=900, check=False
    )


@pytest.fixture(scope="module")
def written(world: World) -> dict[str, bytes]:
    """Every byte every run wrote, by where it went."""
    base = world.base
    out = base / "out"
    out.mkdir()
    fmts = {"json": "r.json", "sarif": "r.sarif", "junit": "r.xml", "text": "r.txt"}
    argv = [x for f, name in fmts.items() for x in ("--format", f"{f}={out / name}")]
    cold = _gates(world, "run", *argv, "--format", "github", "--evidence", str(out / "ev.json"))
    assert cold.returncode == 1, cold.stderr[-3000:]
    warm = _gates(world, "run", "--format", "json", "--format", "text=/dev/null")
    assert warm.returncode == 1, warm.stderr[-3000:]
    again = _gates(world, "report", str(out / "r.json"), "--format", "sarif")
    runs = {"cold": cold, "warm": warm, "report": again}
    # error paths that used to echo the offending value
    bad = base / "bad"
    bad.mkdir()
    (bad / "policy.yaml").write_text(
        f"version: 1\nextends: fintech-default\nfail_on: '{PAN_ERROR}'\n"
    )
    (bad / "baseline.json").write_text(json.dumps({"version": 1, "findings": [STRIPE]}))
    runs["bad-policy"] = _gates(world, "run", "--policy", str(bad / "policy.yaml"))
    runs["bad-baseline"] = _gates(world, "run", "--baseline", str(bad / "baseline.json"))
    runs["bad-now"] = _gates(world, "run", "--now", PAN_ERROR)
    runs["bad-gate"] = _gates(world, "run", "--gate", STRIPE)
    runs["bad-output"] = _gates(
        world, "run", "--output", str(bad / "a.json"), "--output", f"{PAN_ERROR}.json"
    )
    runs["bad-report"] = _gates(world, "report", str(bad / "baseline.json"))
    recon = base / "recon"
    runs["reconcile"] = _gates(world, "reconcile", "--out", str(recon))
    files: dict[str, bytes] = {}
    for name, proc in runs.items():
        files[f"{name}.stdout"] = proc.stdout
        files[f"{name}.stderr"] = proc.stderr
        files[f"{name}.rc"] = str(proc.returncode).encode()
    for folder in (out, recon, base / "cache", base / "state"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                files[str(path.relative_to(base))] = path.read_bytes()
    files["summary.md"] = (base / "summary.md").read_bytes()
    import pyarrow.parquet as pq

    table = pq.read_table(recon / "discrepancies.parquet")
    files["discrepancies.parquet (decoded)"] = json.dumps(table.to_pylist()).encode()
    return files


def test_zero_planted_values_in_clear_anywhere(written: dict[str, bytes]) -> None:
    leaks = [leak for name, raw in written.items() for leak in _leaks(name, raw)]
    assert leaks == [], "\n".join(leaks)


def test_the_suite_saw_every_position(written: dict[str, bytes]) -> None:
    """Not passing because nothing ran: each planted value was found and shown masked."""
    report = written["out/r.json"].decode()
    rules = {f["rule"] for f in json.loads(report)["findings"]}
    assert {"pii.pan", "pii.iban", "pii.ssn", "pii.uk-nino", "pii.nl-bsn"} <= rules
    assert "secrets.stripe-key" in rules
    assert any(r.startswith("sast.") for r in rules)
    assert any(r.startswith("reconcile.") for r in rules)
    assert "4539 14•• •••• 6467" in report
    assert "[stripe-key ••••p7dc]" in report
    assert any(name.startswith("cache/") for name in written)
    assert written["discrepancies.parquet (decoded)"].count(b"4485 27") >= 1
    assert "•••-••-1471" in report


@pytest.mark.parametrize(
    ("run", "code"),
    [
        ("bad-policy", 2),
        ("bad-baseline", 2),
        ("bad-now", 2),
        ("bad-gate", 2),
        ("bad-output", 2),
        ("bad-report", 2),
    ],
)
def test_error_paths_ran_and_still_name_the_problem(
    written: dict[str, bytes], run: str, code: int
) -> None:
    assert written[f"{run}.rc"] == str(code).encode()
    assert "gates: " in written[f"{run}.stderr"].decode()
