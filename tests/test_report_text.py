"""The text report: exact output, colour only on request, inert untrusted text."""

from __future__ import annotations

import dataclasses
import re

import pytest

from gates.model import Location, ReportedFinding, Severity, Status
from gates.report import Format, render, text
from tests import reportkit

EXPECTED = """\
src/billing/charge.py:12:9: critical pii.pan [new, blocking] Visa card number 4111 11•• •••• 1111
    | card = "4111 11•• •••• 1111"
    properties: issuer=visa
    suppression requested, not applied: # gates: allow pii
    fingerprint: a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1
config/settings.py:4: high secrets.aws-key [baselined] AWS access key AKIA••••••••••••MPLE
    fingerprint: b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2
src/billing/charge.py:30: medium sast.float-money [waived] amount is a float
    suppression requested, not applied: # nosec
    waived: Legacy report export, replaced in Q1 (PAY-1234); waiver W-2026-007; \
signed by alice@example.com, bob@example.com
    fingerprint: c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3
tests/test_charge.py:3: low pii.test-pan [new] Public test card 4242 42•• •••• 4242
    fingerprint: d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4

How to fix:
  pii.pan: A primary account number in a repository leaks cardholder data. \
Remove it and use a tokenised test value.
  pii.test-pan: A well-known test card number; allowed in test paths.

Gate errors (each blocks the release):
  audit-log: policy names no payment-state changes. Fix: list them under gates.audit-log.changes

Skipped files (1, not scanned):
  assets/logo.png: binary

Stale baseline entries (1, matched nothing):
  f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6
  Fix: run `gates baseline update` to drop them

Approvals:
  W-2026-003 unused: matched no finding

Notes:
  fingerprint key derived from root commit 0123456789ab

Tools: bandit 1.8.0, semgrep 1.100.0

Gates:
  pii        BLOCKED  2 findings (critical 1, low 1; new 2), 1 blocking
  secrets    PASS     1 finding (high 1; baselined 1)
  sast       PASS     1 finding (medium 1; waived 1)
  audit-log  ERROR    0 findings, could not run
  signoff    PASS     0 findings

ERROR: 1 blocking finding, 1 gate error \
(4 findings: 2 new, 1 baselined, 1 waived; fail on high; 42 files scanned; 1 skipped)
"""


def test_exact_text_for_a_small_run() -> None:
    assert render(reportkit.sample(), Format.TEXT) == EXPECTED


def test_clean_run_is_a_short_pass() -> None:
    assert render(reportkit.empty(), Format.TEXT) == (
        "Gates:\n"
        "  pii  PASS     0 findings\n"
        "\n"
        "PASS: no blocking findings (0 findings; fail on high; 3 files scanned)\n"
    )


def test_colour_only_when_asked() -> None:
    plain = render(reportkit.sample(), Format.TEXT)
    coloured = render(reportkit.sample(), Format.TEXT, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1m\x1b[31mERROR\x1b[0m: 1 blocking finding" in coloured
    assert "\x1b[1m\x1b[35mcritical\x1b[0m pii.pan" in coloured
    # stripping the escapes gives the plain report back: colour adds nothing else
    assert re.sub("\x1b\\[[0-9;]*m", "", coloured) == plain


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("evil\x1b]0;pwned\x07 title", "evil\\x1b]0;pwned\\x07 title"),
        ("two\nlines\r", "two\\nlines\\r"),
        ("admin\u202e txt.exe", "admin\\u202e txt.exe"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("line\u2028separator", "line\\u2028separator"),
        ("c1\x9bcontrol", "c1\\x9bcontrol"),
        ("bad byte \udcff", "bad byte \\udcff"),
    ],
    ids=[
        "osc-escape",
        "newlines",
        "bidi-override",
        "zero-width",
        "line-separator",
        "c1-csi",
        "lone-surrogate",
    ],
)
def test_untrusted_text_is_inert(message: str, shown: str) -> None:
    rf = ReportedFinding(
        finding=reportkit.finding(
            "sast", "sast.float-money", Severity.LOW, "a.py", 1, "0" * 64, message=message
        ),
        status=Status.NEW,
        blocking=False,
    )
    result = dataclasses.replace(reportkit.empty(), gates=("sast",), findings=(rf,))
    out = render(result, Format.TEXT)
    assert f"a.py:1: low sast.float-money [new] {shown}\n" in out
    out.encode("utf-8")  # always encodable, even with undecodable input


def test_multiline_snippet_is_one_quoted_line_each() -> None:
    rf = ReportedFinding(
        finding=reportkit.finding(
            "sast",
            "sast.float-money",
            Severity.LOW,
            "a.py",
            1,
            "0" * 64,
            snippet="x = 1.0\n\x1b[2Jy = 2.0\n\tz = 3.0",
        ),
        status=Status.NEW,
        blocking=False,
    )
    result = dataclasses.replace(reportkit.empty(), gates=("sast",), findings=(rf,))
    assert "    | x = 1.0\n    | \\x1b[2Jy = 2.0\n    |     z = 3.0\n" in render(
        result, Format.TEXT
    )


@pytest.mark.parametrize(
    ("loc", "shown"),
    [
        (Location(path="a.py"), "a.py"),
        (Location(path="a.py", line=3), "a.py:3"),
        (Location(path="a.py", line=3, column=7), "a.py:3:7"),
        (Location(path="a.py", column=7), "a.py"),
        (Location(path=""), "(repository)"),
    ],
    ids=["whole-file", "line", "line-col", "col-without-line", "repository"],
)
def test_location(loc: Location, shown: str) -> None:
    assert text.location(loc) == shown
