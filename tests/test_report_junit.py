"""The JUnit report: one suite per gate, failures/skips/errors as CI tools expect, valid XML."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest

from gates.model import ReportedFinding, Severity, Status
from gates.report import Format, junit, render
from tests import reportkit


def _parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))  # noqa: S314  # our own output, not untrusted


def test_suites_cases_and_counts() -> None:
    root = _parse(render(reportkit.sample(), Format.JUNIT))
    assert root.tag == "testsuites"
    assert dict(root.attrib) == {
        "name": "release-gates",
        "tests": "10",
        "failures": "1",
        "errors": "1",
        "skipped": "3",
    }
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["pii", "secrets", "sast", "audit-log", "signoff", "unscanned files"]
    # Every file not scanned is listed, with the reason, as in every other format.
    unscanned = [
        (c.get("name"), [(k.tag, k.get("message")) for k in c])
        for c in suites["unscanned files"].findall("testcase")
    ]
    assert unscanned == [("assets/logo.png", [("skipped", "binary")])]
    table = {
        name: (s.get("tests"), s.get("failures"), s.get("errors"), s.get("skipped"))
        for name, s in suites.items()
    }
    assert table == {
        "pii": ("3", "1", "0", "0"),
        "secrets": ("2", "0", "0", "1"),
        "sast": ("2", "0", "0", "1"),
        "audit-log": ("1", "0", "1", "0"),
        "signoff": ("1", "0", "0", "0"),
        "unscanned files": ("1", "0", "0", "1"),
    }
    cases = [
        (c.get("classname"), c.get("name"), [child.tag for child in c])
        for s in root.findall("testsuite")
        for c in s.findall("testcase")
    ]
    assert cases == [
        ("pii.pan", f"src/billing/charge.py:12:9 {reportkit.FP_PAN[:12]}", ["failure"]),
        ("pii.test-pan", f"tests/test_charge.py:3 {reportkit.FP_TEST_PAN[:12]}", ["system-out"]),
        ("pii", "completed", []),
        ("secrets.aws-key", f"config/settings.py:4 {reportkit.FP_KEY[:12]}", ["skipped"]),
        ("secrets", "completed", []),
        ("sast.float-money", f"src/billing/charge.py:30 {reportkit.FP_FLOAT[:12]}", ["skipped"]),
        ("sast", "completed", []),
        ("audit-log", "gate could not run", ["error"]),
        ("signoff", "completed", []),
        ("unscanned", "assets/logo.png", ["skipped"]),
    ]
    failure = suites["pii"].find("testcase/failure")
    assert failure is not None
    assert failure.get("type") == "pii.pan"
    assert failure.text == (
        "src/billing/charge.py:12:9: critical pii.pan [new, blocking]\n"
        "Visa card number 4111 11•• •••• 1111\n"
        '| card = "4111 11•• •••• 1111"\n'
        "issuer: visa\n"
        "suppression requested, not applied: # gates: allow pii\n"
        f"fingerprint: {reportkit.FP_PAN}"
    )
    skipped = suites["sast"].find("testcase/skipped")
    assert skipped is not None
    assert skipped.get("message") == (
        "waived: Legacy report export, replaced in Q1 (PAY-1234); waiver W-2026-007; "
        "signed by alice@example.com, bob@example.com"
    )
    error = suites["audit-log"].find("testcase/error")
    assert error is not None
    assert error.text == (
        "policy names no payment-state changes. Fix: list them under gates.audit-log.changes"
    )


@pytest.mark.parametrize(
    ("message", "parsed"),
    [
        ('a < b & "c" > d', 'a < b & "c" > d'),
        ("line1\nline2\ttab\rcr", "line1\\nline2\\ttab\\rcr"),
        ("bidi \u202e override", "bidi \\u202e override"),
        ("nul\x00 bell\x07 esc\x1b", "nul\\x00 bell\\x07 esc\\x1b"),
        ("lone \udcff surrogate", "lone \\udcff surrogate"),
        ("nonchar \ufffe\uffff", "nonchar \\ufffe\\uffff"),
        ("emoji 💳 and ]]> cdata end", "emoji 💳 and ]]> cdata end"),
    ],
    ids=["markup", "whitespace", "bidi", "c0-controls", "surrogate", "nonchars", "astral-cdata"],
)
def test_any_character_gives_well_formed_xml(message: str, parsed: str) -> None:
    rf = ReportedFinding(
        finding=reportkit.finding("pii", "pii.pan", Severity.HIGH, "a.py", 1, "0" * 64),
        status=Status.NEW,
        blocking=True,
    )
    rf = dataclasses.replace(rf, finding=dataclasses.replace(rf.finding, message=message))
    result = dataclasses.replace(reportkit.empty(), findings=(rf,))
    root = _parse(render(result, Format.JUNIT))
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == parsed
    assert failure.text is not None
    assert failure.text.splitlines()[1] == parsed


def test_xml_text_escapes_only_what_xml_cannot_carry() -> None:
    assert junit.xml_text("ok\t\n\r é 💳") == "ok\t\n\r é 💳"
    assert junit.xml_text("\x01\x7f\ud800") == "\\x01\x7f\\ud800"


def test_attribute_whitespace_survives_a_round_trip() -> None:
    rf = ReportedFinding(
        finding=reportkit.finding("pii", "pii.pan", Severity.HIGH, 'odd\n\t"name".py', 1, "0" * 64),
        status=Status.NEW,
        blocking=True,
    )
    root = _parse(render(dataclasses.replace(reportkit.empty(), findings=(rf,)), Format.JUNIT))
    case = root.find("testsuite/testcase")
    assert case is not None
    assert case.get("file") == 'odd\n\t"name".py'  # the real path, for tools that open it
    assert case.get("name") == f'odd\\n\\t"name".py:1 {"0" * 12}'  # the display form
