"""No card number or secret reaches a log, a report, the evidence file or the baseline in clear.

Runs the real CLI in a subprocess with the real logging configuration (verbose, JSON logs, debug)
on a repository with planted values, then reads every byte it wrote.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gatekit import make_repo

PAN = "4539148803436467"  # Luhn-valid Visa, not a published test number
PAN_GROUPED = "4539 1488 0343 6467"
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"  # split so this file itself is not a finding
IBAN = "DE89370400440532013000"
SSN = "536-22-1471"
BSN = "111222333"  # Dutch BSN (11-proef), found next to its keyword
CPF = "529.982.247-25"  # Brazilian CPF (mod 11)


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path / "repo",
        {
            "payments/charge.py": (
                "import logging\nlog = logging.getLogger(__name__)\n\n"
                f"CARD = '{PAN_GROUPED}'\n"
                f"STRIPE_KEY = '{STRIPE}'\n"
                "def charge(card_number, amount):\n"
                "    log.info('charging %s', card_number)\n"
            ),
            "fixtures/customers.json": f'{{"iban": "{IBAN}", "ssn": "{SSN}", "card": "{PAN}", '
            f'"bsn": "{BSN}", "cpf": "{CPF}"}}\n',
        },
    )


def _secrets_in(text: str) -> list[str]:
    digits = re.sub(r"[ -]", "", text)
    found = [v for v in (STRIPE, IBAN, SSN, BSN, CPF) if v in text]
    if PAN in digits:
        found.append(PAN)
    if "52998224725" in re.sub(r"[ .-]", "", text):
        found.append(CPF)
    return found


def test_nothing_sensitive_in_any_output(planted: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI"))}
    summary = planted.parent / "summary.md"
    env["GITHUB_STEP_SUMMARY"] = str(summary)
    outputs = planted.parent / "out"
    outputs.mkdir()
    argv = [
        sys.executable,
        "-m",
        "gates",
        "--verbose",
        "--debug",
        "--log-format",
        "json",
        "run",
        "--no-cache",
        "--format",
        f"json={outputs / 'r.json'}",
        "--format",
        f"sarif={outputs / 'r.sarif'}",
        "--format",
        f"junit={outputs / 'r.xml'}",
        "--format",
        f"text={outputs / 'r.txt'}",
        "--format",
        "github",
        "--evidence",
        str(outputs / "evidence.json"),
    ]
    proc = subprocess.run(argv, cwd=planted, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr[-2000:]
    baseline = subprocess.run(
        [sys.executable, "-m", "gates", "--verbose", "baseline", "create", "--no-cache"],
        cwd=planted,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert baseline.returncode == 0, baseline.stderr[-2000:]
    written = {
        "stdout": proc.stdout,
        "stderr": proc.stderr + baseline.stderr,
        "summary": summary.read_text(),
        "baseline": (planted / ".release-gates/baseline.json").read_text(),
        **{p.name: p.read_text() for p in outputs.iterdir()},
    }
    leaks = {name: _secrets_in(text) for name, text in written.items() if _secrets_in(text)}
    assert leaks == {}
    # and the values were found, masked: the test is not passing because nothing was scanned
    report = written["r.json"]
    for expected in (
        "4539 14••",
        "6467",
        '"pii.pan"',
        '"pii.iban"',
        '"secrets.',
        '"pii.nl-bsn"',
        '"pii.br-cpf"',
        "•••••2333",
        "•••••••4725",
    ):
        assert expected in report
