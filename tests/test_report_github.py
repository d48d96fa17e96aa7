"""GitHub output: workflow commands escaped as the Actions toolkit does, and the step summary."""

from __future__ import annotations

import dataclasses

import pytest

from gates.model import Location, ReportedFinding, Severity, Status
from gates.report import Format, github, render, step_summary
from tests import reportkit


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("k: v", "k: v", "k%3A v"),
        ("a,b", "a,b", "a%2Cb"),
        ("%0A", "%250A", "%250A"),
        ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
    ],
    ids=["plain", "percent", "crlf", "colon", "comma", "pre-escaped", "command-in-value"],
)
def test_escaping_table(raw: str, data: str, prop: str) -> None:
    assert github.escape_data(raw) == data
    assert github.escape_property(raw) == prop


def test_annotations_for_new_findings_and_gate_errors_only() -> None:
    assert render(reportkit.sample(), Format.GITHUB) == (
        "::error title=gate audit-log could not run::policy names no payment-state changes. "
        "Fix: list them under gates.audit-log.changes\n"
        "::error file=src/billing/charge.py,line=12,col=9,title=pii.pan (critical%2C blocking)"
        "::Visa card number 4111 11•• •••• 1111"
        "%0ASuppression requested, not applied: # gates: allow pii"
        f"%0AFingerprint: {reportkit.FP_PAN}\n"
        "::notice file=tests/test_charge.py,line=3,title=pii.test-pan (low)"
        f"::Public test card 4242 42•• •••• 4242%0AFingerprint: {reportkit.FP_TEST_PAN}\n"
        "ERROR: 1 blocking finding, 1 gate error (4 findings: 2 new, 1 baselined, 1 waived; "
        "fail on high; 42 files scanned; 1 skipped)\n"
    )


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        (Severity.CRITICAL, "error"),
        (Severity.HIGH, "error"),
        (Severity.MEDIUM, "warning"),
        (Severity.LOW, "notice"),
    ],
    ids=["critical", "high", "medium", "low"],
)
def test_level_by_severity(severity: Severity, level: str) -> None:
    assert github.annotation_level(severity) == level


def _one(message: str, loc: Location) -> str:
    rf = ReportedFinding(
        finding=dataclasses.replace(
            reportkit.finding("sast", "sast.float-money", Severity.MEDIUM, "x", 0, "0" * 64),
            message=message,
            location=loc,
        ),
        status=Status.NEW,
        blocking=False,
    )
    return render(dataclasses.replace(reportkit.empty(), findings=(rf,)), Format.GITHUB)


def test_scanned_text_cannot_inject_a_workflow_command() -> None:
    out = _one(
        "x\n::add-mask::y\r\n::set-env name=A::1",
        Location(path="dir,name:1/a.py", line=4, column=2, end_line=4, end_column=7),
    )
    command, verdict = out.splitlines()  # one command, one line; then the verdict
    assert command == (
        "::warning file=dir%2Cname%3A1/a.py,line=4,col=2,endColumn=7,"
        "title=sast.float-money (medium)::x\\n::add-mask::y\\r\\n::set-env name=A::1"
        f"%0AFingerprint: {'0' * 64}"
    )
    assert verdict.startswith("PASS: no blocking findings")


@pytest.mark.parametrize(
    ("loc", "props"),
    [
        (Location(path="a.py"), "file=a.py,"),
        (Location(path=""), ""),
        (Location(path="a.py", line=2, end_line=5), "file=a.py,line=2,endLine=5,"),
        (Location(path="a.py", line=2, column=9, end_column=3), "file=a.py,line=2,col=9,"),
        (
            Location(path="a.py", line=2, column=1, end_line=3, end_column=3),
            "file=a.py,line=2,endLine=3,col=1,",
        ),
    ],
    ids=["whole-file", "repository", "line-range", "end-before-start", "multi-line-columns"],
)
def test_annotation_position(loc: Location, props: str) -> None:
    assert _one("m", loc).startswith(f"::warning {props}title=sast.float-money (medium)::m")


EXPECTED_SUMMARY = """\
## release-gates: ⛔ error

1 blocking finding · 1 gate error · 4 findings in all · 42 files scanned · fail on high · 1 skipped

| Gate | Verdict | Critical | High | Medium | Low | Blocking | New | Baselined | Waived |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| pii | ❌ blocked | 1 | 0 | 0 | 1 | 1 | 2 | 0 | 0 |
| secrets | ✅ pass | 0 | 1 | 0 | 0 | 0 | 0 | 1 | 0 |
| sast | ✅ pass | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 1 |
| audit\\-log | ⛔ error | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| signoff | ✅ pass | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |

### pii: ❌ blocked

| Severity | Rule | Location | Status | Message |
| --- | --- | --- | --- | --- |
| critical | pii.pan | src/billing/charge.py:12:9 | new, blocking | \
Visa card number 4111 11•• •••• 1111 |
| low | pii.test\\-pan | tests/test\\_charge.py:3 | new | Public test card 4242 42•• •••• 4242 |

### secrets: ✅ pass

| Severity | Rule | Location | Status | Message |
| --- | --- | --- | --- | --- |
| high | secrets.aws\\-key | config/settings.py:4 | baselined | \
AWS access key AKIA••••••••••••MPLE |

### sast: ✅ pass

| Severity | Rule | Location | Status | Message |
| --- | --- | --- | --- | --- |
| medium | sast.float\\-money | src/billing/charge.py:30 | waived | amount is a float |

### audit\\-log: ⛔ error

**Could not run:** policy names no payment\\-state changes. \
**Fix:** list them under gates.audit\\-log.changes

### Notes

- 1 file skipped, not scanned (listed in every report)
- 1 stale baseline entry: run `gates baseline update` to drop them
- approval W\\-2026\\-003 unused: matched no finding
- fingerprint key derived from root commit 0123456789ab
"""


def test_exact_step_summary() -> None:
    assert step_summary(reportkit.sample()) == EXPECTED_SUMMARY


def test_summary_cells_cannot_break_the_table_or_inject_html() -> None:
    assert github.md("a|b\nc <img src=x> [l](u) `c`") == (
        "a\\|b\\\\nc \\<img src=x\\> \\[l\\]\\(u\\) \\`c\\`"
    )


def test_summary_caps_rows_per_gate() -> None:
    findings = tuple(
        ReportedFinding(
            finding=reportkit.finding("pii", "pii.pan", Severity.HIGH, "a.py", i + 1, f"{i:064x}"),
            status=Status.NEW,
            blocking=True,
        )
        for i in range(github.SUMMARY_ROWS_PER_GATE + 5)
    )
    out = step_summary(dataclasses.replace(reportkit.empty(), findings=findings))
    assert out.count("| high | pii.pan |") == github.SUMMARY_ROWS_PER_GATE
    assert "… and 5 more (see the JSON or SARIF report)" in out


def test_blocking_annotations_come_first() -> None:
    def rf(path: str, blocking: bool) -> ReportedFinding:
        return ReportedFinding(
            finding=reportkit.finding("pii", "pii.pan", Severity.HIGH, path, 1, path * 64),
            status=Status.NEW,
            blocking=blocking,
        )

    result = dataclasses.replace(
        reportkit.empty(), findings=(rf("a", False), rf("b", True), rf("c", False), rf("d", True))
    )
    files = [line.split(",")[0] for line in render(result, Format.GITHUB).splitlines()[:-1]]
    assert files == ["::error file=b", "::error file=d", "::error file=a", "::error file=c"]


def test_clean_run_prints_only_the_verdict() -> None:
    assert render(reportkit.empty(), Format.GITHUB) == (
        "PASS: no blocking findings (0 findings; fail on high; 3 files scanned)\n"
    )


def test_summary_links_findings_to_the_file_at_the_commit() -> None:
    from gates.report import step_summary
    from gates.report.github import blob_url

    env = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/pay",
        "GITHUB_SHA": "a" * 40,
    }
    base = blob_url(env)
    assert base == f"https://github.com/acme/pay/blob/{'a' * 40}/"
    text = step_summary(reportkit.sample(), blob_url=base)
    assert f"[src/billing/charge.py:12:9]({base}src/billing/charge.py#L12)" in text
    assert blob_url({**env, "GITHUB_SHA": "main"}) is None  # only a commit id is a stable link


def test_annotations_past_the_limit_end_with_one_that_says_how_many() -> None:
    import dataclasses

    from gates.report.github import PER_LEVEL, annotation_lines

    sample = reportkit.sample()
    pan = next(rf for rf in sample.findings if rf.finding.rule == "pii.pan")
    many = tuple(
        dataclasses.replace(
            pan,
            finding=dataclasses.replace(
                pan.finding,
                location=dataclasses.replace(pan.finding.location, path=f"f{i:02}.py"),
                fingerprint=f"{i:064x}",
            ),
        )
        for i in range(25)
    )
    lines = annotation_lines(dataclasses.replace(sample, findings=many))
    errors = [line for line in lines if line.startswith("::error")]
    assert len(errors) == PER_LEVEL
    assert "file=f00.py" in errors[0]
    assert "16 more error-level findings are not annotated" in errors[-1]
