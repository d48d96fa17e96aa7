"""The JUnit XML report: gates as test suites, for CI systems that display test results.

One `<testsuite>` per gate. Each finding is a `<testcase>`: a `<failure>` when it blocks, a
`<skipped>` when it is waived or baselined, passing (with the finding in `<system-out>`) when it
is new but below `fail_on`. A gate error is a testcase with an `<error>`; a gate that ran gets a
passing `completed` testcase, so a clean gate never shows as an empty suite. Files not (fully)
scanned get a last suite, `unscanned files`: one skipped testcase each, with the reason. No
timestamps or durations are written (deterministic bytes). Text from scanned files is made inert first (see
inert.py), and any character XML 1.0 cannot carry (most C0 controls, lone surrogates,
U+FFFE/U+FFFF) is written as a visible escape; markup characters are escaped by the serializer.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import assert_never

from gates.model import ReportedFinding, RunResult, Status
from gates.report import view
from gates.report.inert import inert
from gates.report.text import location

# Everything outside XML 1.0's Char production.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def xml_text(text: str) -> str:
    """`text` with every character XML 1.0 cannot represent shown as an escape."""
    return _NOT_XML.sub(_xml_escape_char, text)


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        child.text = xml_text(text)
    return child


def _details(rf: ReportedFinding) -> str:
    f = rf.finding
    lines = [
        f"{location(f.location)}: {f.severity.value} {inert(f.rule)} [{view.status_label(rf)}]",
        inert(f.message),
    ]
    lines.extend("| " + inert(line.expandtabs(4)) for line in f.snippet.splitlines())
    lines.extend(f"{inert(k)}: {inert(v)}" for k, v in view.public_properties(rf))
    lines.extend(f"suppression requested, not applied: {inert(r)}" for r in f.suppression_requests)
    lines.append(f"fingerprint: {f.fingerprint}")
    return "\n".join(lines)


def _testcase(suite: ET.Element, rf: ReportedFinding) -> tuple[int, int]:
    """Add one finding; returns (failures, skipped) it adds."""
    f = rf.finding
    case = _el(
        suite,
        "testcase",
        classname=f"{f.gate}.{f.rule}" if not f.rule.startswith(f.gate + ".") else f.rule,
        name=f"{location(f.location)} {f.fingerprint[:12]}",
        file=f.location.path,
        line=str(f.location.line),
    )
    if rf.blocking:
        _el(case, "failure", _details(rf), message=inert(f.message), type=f.rule)
        return 1, 0
    match rf.status:
        case Status.WAIVED:
            _el(case, "skipped", message=f"waived: {view.waiver_justification(rf)}")
            return 0, 1
        case Status.BASELINED:
            _el(case, "skipped", message="baselined: accepted pre-existing finding")
            return 0, 1
        case Status.NEW:
            _el(case, "system-out", _details(rf))
            return 0, 0
        case _:
            assert_never(rf.status)


def _unscanned(root: ET.Element, result: RunResult) -> tuple[int, int, int, int]:
    """Files not (fully) scanned, one skipped test case each with the reason."""
    suite = _el(root, "testsuite", name="unscanned files")
    items = sorted(result.skipped, key=lambda s: (s.path, s.reason))
    for item in items:
        case = _el(suite, "testcase", classname="unscanned", name=inert(item.path))
        _el(case, "skipped", message=inert(item.reason))
    counts = (len(items), 0, 0, len(items))
    for name, value in zip(("tests", "failures", "errors", "skipped"), counts, strict=True):
        suite.set(name, str(value))
    return counts


def render(result: RunResult) -> str:
    root = ET.Element("testsuites", {"name": view.TOOL_NAME})
    totals = [0, 0, 0, 0]  # tests, failures, errors, skipped
    for summary in view.gate_summaries(result):
        suite = _el(root, "testsuite", name=summary.gate)
        failures = skipped = 0
        for rf in summary.findings:
            fail, skip = _testcase(suite, rf)
            failures += fail
            skipped += skip
        for err in summary.errors:
            case = _el(suite, "testcase", classname=summary.gate, name="gate could not run")
            _el(
                case,
                "error",
                f"{inert(err.reason)}. Fix: {inert(err.fix)}",
                message=inert(err.reason),
                type="GateError",
            )
        if not summary.errors:
            _el(suite, "testcase", classname=summary.gate, name="completed")
        tests = len(summary.findings) + max(len(summary.errors), 1)
        counts = (tests, failures, len(summary.errors), skipped)
        for name, value in zip(("tests", "failures", "errors", "skipped"), counts, strict=True):
            suite.set(name, str(value))
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    if result.skipped:
        totals = [a + b for a, b in zip(totals, _unscanned(root, result), strict=True)]
    for name, value in zip(("tests", "failures", "errors", "skipped"), totals, strict=True):
        root.set(name, str(value))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
