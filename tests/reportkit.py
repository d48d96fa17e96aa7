"""RunResult values for report tests: one small run that exercises every part of a report."""

from __future__ import annotations

from gates.model import (
    ApprovalNote,
    ExitCode,
    Finding,
    GateError,
    Location,
    ReportedFinding,
    RuleInfo,
    RunResult,
    Severity,
    SkippedFile,
    Status,
    Verdict,
)

FP_PAN = "a1" * 32
FP_KEY = "b2" * 32
FP_FLOAT = "c3" * 32
FP_TEST_PAN = "d4" * 32
POLICY_DIGEST = "e5" * 32

RULES = (
    RuleInfo(
        id="pii.pan",
        name="pan",
        summary="Card number (PAN) in source",
        help="A primary account number in a repository leaks cardholder data. "
        "Remove it and use a tokenised test value.",
        default_severity=Severity.CRITICAL,
        tags=("CWE-312", "PCI-DSS-3.4"),
    ),
    RuleInfo(
        id="pii.test-pan",
        name="test-pan",
        summary="Public test card number",
        help="A well-known test card number; allowed in test paths.",
        default_severity=Severity.LOW,
    ),
    RuleInfo(
        id="secrets.aws-key",
        name="aws-key",
        summary="AWS access key",
        help="Rotate the key and load it from the environment.",
        default_severity=Severity.HIGH,
        tags=("CWE-798",),
    ),
    RuleInfo(
        id="sast.float-money",
        name="float-money",
        summary="Money held in a float",
        help="Floats round; use Decimal or integer minor units.",
        default_severity=Severity.MEDIUM,
        tags=("CWE-681",),
    ),
)


def finding(
    gate: str,
    rule: str,
    severity: Severity,
    path: str,
    line: int,
    fingerprint: str,
    *,
    message: str = "",
    column: int = 0,
    snippet: str = "",
    properties: tuple[tuple[str, str], ...] = (),
    requests: tuple[str, ...] = (),
) -> Finding:
    return Finding(
        gate=gate,
        rule=rule,
        severity=severity,
        message=message or f"{rule} matched",
        location=Location(path=path, line=line, column=column),
        fingerprint=fingerprint,
        snippet=snippet,
        properties=properties,
        suppression_requests=requests,
    )


def sample() -> RunResult:
    """pii blocked (PAN, plus a low test PAN), secrets baselined, sast waived, audit-log error."""
    pan = ReportedFinding(
        finding=finding(
            "pii",
            "pii.pan",
            Severity.CRITICAL,
            "src/billing/charge.py",
            12,
            FP_PAN,
            column=9,
            message="Visa card number 4111 11•• •••• 1111",
            snippet='card = "4111 11•• •••• 1111"',
            properties=(("issuer", "visa"), ("sensitive.hmac", "deadbeef"), ("pan", "leak")),
            requests=("# gates: allow pii",),
        ),
        status=Status.NEW,
        blocking=True,
    )
    test_pan = ReportedFinding(
        finding=finding(
            "pii",
            "pii.test-pan",
            Severity.LOW,
            "tests/test_charge.py",
            3,
            FP_TEST_PAN,
            message="Public test card 4242 42•• •••• 4242",
        ),
        status=Status.NEW,
        blocking=False,
    )
    key = ReportedFinding(
        finding=finding(
            "secrets",
            "secrets.aws-key",
            Severity.HIGH,
            "config/settings.py",
            4,
            FP_KEY,
            message="AWS access key AKIA••••••••••••MPLE",
        ),
        status=Status.BASELINED,
        blocking=False,
    )
    money = ReportedFinding(
        finding=finding(
            "sast",
            "sast.float-money",
            Severity.MEDIUM,
            "src/billing/charge.py",
            30,
            FP_FLOAT,
            message="amount is a float",
            requests=("# nosec",),
        ),
        status=Status.WAIVED,
        blocking=False,
        waiver_id="W-2026-007",
        justification="Legacy report export, replaced in Q1 (PAY-1234)",
        signers=("alice@example.com", "bob@example.com"),
    )
    return RunResult(
        verdict=Verdict.ERROR,
        exit_code=ExitCode.GATE_ERROR,
        gates=("pii", "secrets", "sast", "audit-log", "signoff"),
        findings=(money, key, test_pan, pan),  # deliberately unsorted
        errors=(
            GateError(
                gate="audit-log",
                reason="policy names no payment-state changes",
                fix="list them under gates.audit-log.changes",
            ),
        ),
        rules=RULES,
        skipped=(SkippedFile(path="assets/logo.png", reason="binary"),),
        stale_baseline=("f6" * 32,),
        approvals=(ApprovalNote(id="W-2026-003", state="unused", reason="matched no finding"),),
        notes=("fingerprint key derived from root commit 0123456789ab",),
        tool_versions=(("semgrep", "1.100.0"), ("bandit", "1.8.0")),
        policy_digest=POLICY_DIGEST,
        fail_on=Severity.HIGH,
        scanned_files=42,
    )


def empty() -> RunResult:
    """A clean run: one gate, nothing found."""
    return RunResult(
        verdict=Verdict.PASS,
        exit_code=ExitCode.PASS,
        gates=("pii",),
        findings=(),
        errors=(),
        rules=(),
        policy_digest=POLICY_DIGEST,
        scanned_files=3,
    )
