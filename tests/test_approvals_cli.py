"""`gates approve new|sign|verify` end to end: reports in, statements and signatures out."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest
import yaml

from gates.approvals.reports import parse_report
from gates.approvals.statements import Kind, parse_waiver
from gates.commands import approve
from gates.errors import InvalidInput
from gates.model import Severity
from tests.gatekit import make_repo
from tests.sshkit import Key, keygen

NOW = "2026-11-25T12:00:00Z"
FP1 = "1" * 64
FP2 = "2" * 64
REASON = "Test card numbers in fixtures, replaced by tokens in PAY-9."


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Key]:
    d = tmp_path_factory.mktemp("approve-keys")
    return {n: keygen(d, n, "ed25519") for n in ("alice", "bob", "carol", "mallory")}


def repo(tmp_path: Path, keys: dict[str, Key]) -> Path:
    ns = Kind.WAIVER.namespace
    policy = {
        "version": 1,
        "approvals": {
            "repository": "github.com/acme/payments",
            "required": {"security": 1},
            "warn_days": 7,
        },
        "roles": {"security": ["alice@example.com", "bob@example.com"]},
    }
    signers = "".join(
        f'{n}@example.com namespaces="{ns}" {keys[n].public}\n' for n in ("alice", "bob", "carol")
    )
    return make_repo(
        tmp_path / "repo",
        {
            ".release-gates/policy.yaml": yaml.safe_dump(policy),
            ".release-gates/allowed_signers": signers,
            "README.md": "x\n",
        },
    )


def cli(root: Path, *argv: str, now: str = NOW) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="gates")
    sub = parser.add_subparsers(dest="command", required=True)
    approve.add_parser(sub)
    args = parser.parse_args(["approve", *argv, "--repo", str(root), "--now", now])
    out = io.StringIO()
    code = args.handler(args, out)
    return code, out.getvalue()


def sarif(tmp_path: Path) -> Path:
    results = [
        {
            "ruleId": "pii.pan",
            "level": "error",
            "partialFingerprints": {"releaseGates/v1": FP1},
            "properties": {"severity": "high"},
        },
        {
            "ruleId": "pii.pan",
            "level": "error",
            "partialFingerprints": {"releaseGates/v1": FP1},
            "properties": {"severity": "high"},
        },
        {
            "ruleId": "sast.float-money",
            "level": "warning",
            "partialFingerprints": {"releaseGates/v1": FP2},
        },
        {
            "ruleId": "pii.pan",
            "level": "error",
            "partialFingerprints": {"releaseGates/v1": "3" * 64},
            "suppressions": [{"kind": "external", "status": "accepted"}],
        },
    ]
    path = tmp_path / "gates.sarif"
    path.write_text(json.dumps({"version": "2.1.0", "runs": [{"results": results}]}))
    return path


def test_report_parsing_sarif_and_json(tmp_path: Path) -> None:
    named = parse_report(sarif(tmp_path).read_bytes(), "gates.sarif")
    assert [(n.rule, n.fingerprint, n.severity, n.occurrences) for n in named] == [
        ("pii.pan", FP1, Severity.HIGH, 2),
        ("sast.float-money", FP2, Severity.MEDIUM, 1),
    ]
    report = {
        "findings": [
            {"gate": "pii", "rule": "pii.pan", "fingerprint": FP1, "severity": "critical"},
            {"finding": {"gate": "pii", "rule": "pii.pan", "fingerprint": FP2}, "status": "new"},
            {"gate": "pii", "rule": "pii.pan", "fingerprint": FP1, "status": "waived"},
        ]
    }
    named = parse_report(json.dumps(report).encode(), "gates.json")
    assert [(n.fingerprint, n.severity, n.occurrences) for n in named] == [
        (FP1, Severity.CRITICAL, 1),
        (FP2, Severity.CRITICAL, 1),  # severity unknown: assume the worst for the lifetime cap
    ]


@pytest.mark.parametrize(
    ("doc", "error"),
    [
        ({"runs": [{"results": [{"ruleId": "pii.pan"}]}]}, "no ruleId or partialFingerprints"),
        ({"findings": [{"gate": "pii"}]}, "needs gate, rule and fingerprint"),
        ({"something": 1}, "neither SARIF"),
    ],
    ids=["sarif-no-fingerprint", "json-incomplete", "unknown-shape"],
)
def test_report_errors(doc: object, error: str) -> None:
    with pytest.raises(InvalidInput, match=error):
        parse_report(json.dumps(doc).encode(), "r.json")


def test_new_sign_verify_round_trip(tmp_path: Path, keys: dict[str, Key]) -> None:
    root = repo(tmp_path, keys)
    report = sarif(tmp_path)
    code, out = cli(
        root,
        "new",
        "--report",
        str(report),
        "--rule",
        "pii.pan",
        "--reason",
        REASON,
        "--ticket",
        "PAY-9",
        "--requested-by",
        "carol@example.com",
        "--id",
        "W-9",
    )
    assert code == 0
    assert out == (
        "created: .release-gates/approvals/W-9/statement.json\n"
        "next: signers (1 security; not carol@example.com) run\n"
        "  gates approve sign W-9 --key ~/.ssh/id_ed25519 --principal <them>\n"
    )
    data = (root / ".release-gates/approvals/W-9/statement.json").read_bytes()
    st = parse_waiver(data, "W-9")
    assert (st.expires_at - st.issued_at).days == 30  # the policy's default cap for high
    assert [(f.rule, f.max_occurrences) for f in st.findings] == [("pii.pan", 2)]
    assert data == json.dumps(json.loads(data), sort_keys=True, indent=2).encode() + b"\n"

    code, out = cli(root, "verify", "--report", str(report))
    assert (code, out) == (
        1,
        "ID   STATE     EXPIRES               DETAIL\n"
        "W-9  rejected                        no signatures\n",
    )
    code, out = cli(
        root, "sign", "W-9", "--key", str(keys["alice"].path), "--principal", "alice@example.com"
    )
    assert (code, out) == (0, "signed: .release-gates/approvals/W-9/alice@example.com.sig\n")
    code, out = cli(root, "verify", "--report", str(report))
    assert (code, out) == (
        0,
        "ID   STATE     EXPIRES               DETAIL\n"
        "W-9  valid     2026-12-25T12:00:00Z  signed by alice@example.com\n",
    )
    code, out = cli(root, "verify", "--report", str(report), now="2026-12-20T12:00:00Z")
    assert (code, out) == (
        0,
        "ID   STATE     EXPIRES               DETAIL\n"
        "W-9  expiring  2026-12-25T12:00:00Z  renew it; signed by alice@example.com\n",
    )
    code, out = cli(root, "verify", now="2026-12-26T00:00:00Z")
    assert code == 1
    assert "W-9  expired" in out
    other = tmp_path / "other.json"
    other.write_text(
        json.dumps({"findings": [{"gate": "pii", "rule": "pii.pan", "fingerprint": FP2}]})
    )
    code, out = cli(root, "verify", "--report", str(other))
    assert out.splitlines()[1] == (
        "W-9  unused    2026-12-25T12:00:00Z  matches no finding: pii.pan 111111111111"
    )


def test_new_from_fingerprint_and_limits(tmp_path: Path, keys: dict[str, Key]) -> None:
    root = repo(tmp_path, keys)
    common = ("--reason", REASON, "--ticket", "PAY-9", "--requested-by", "carol@example.com")
    with pytest.raises(InvalidInput, match="the policy allows 1 to 14 days for critical findings"):
        cli(
            root,
            "new",
            "--finding",
            f"pii:pii.pan:{FP1}",
            "--severity",
            "critical",
            "--days",
            "15",
            *common,
        )
    with pytest.raises(InvalidInput, match=r"signoff\.missing: cannot be waived"):
        cli(
            root,
            "new",
            "--finding",
            f"signoff:signoff.missing:{FP1}",
            "--severity",
            "high",
            *common,
        )
    with pytest.raises(InvalidInput, match=r"with --severity"):
        cli(root, "new", "--finding", f"pii:pii.pan:{FP1}", *common)
    with pytest.raises(InvalidInput, match="shorter than 20 characters"):
        cli(
            root,
            "new",
            "--finding",
            f"pii:pii.pan:{FP1}:3",
            "--severity",
            "low",
            "--reason",
            "short",
            "--ticket",
            "T",
            "--requested-by",
            "carol@example.com",
        )
    code, out = cli(root, "new", "--finding", f"pii:pii.pan:{FP1}:3", "--severity", "low", *common)
    assert code == 0
    sid = out.split("/")[2]
    assert sid.startswith("W-")
    assert len(sid) == 14  # derived from the content
    with pytest.raises(InvalidInput, match="already exists"):
        cli(root, "new", "--finding", f"pii:pii.pan:{FP1}:3", "--severity", "low", *common)


def test_sign_refuses_keys_that_would_not_count(tmp_path: Path, keys: dict[str, Key]) -> None:
    root = repo(tmp_path, keys)
    cli(
        root,
        "new",
        "--finding",
        f"pii:pii.pan:{FP1}",
        "--severity",
        "high",
        "--reason",
        REASON,
        "--ticket",
        "PAY-9",
        "--requested-by",
        "carol@example.com",
        "--id",
        "W-1",
    )
    with pytest.raises(InvalidInput, match=r"is not in \.release-gates/allowed_signers"):
        cli(
            root,
            "sign",
            "W-1",
            "--key",
            str(keys["mallory"].path),
            "--principal",
            "mallory@example.com",
        )
    with pytest.raises(InvalidInput, match=r"is not listed for principal bob@example\.com"):
        cli(root, "sign", "W-1", "--key", str(keys["alice"].path), "--principal", "bob@example.com")
    with pytest.raises(InvalidInput, match=r"statement\.json is missing"):
        cli(
            root,
            "sign",
            "W-404",
            "--key",
            str(keys["alice"].path),
            "--principal",
            "alice@example.com",
        )
    assert sorted(p.name for p in (root / ".release-gates/approvals/W-1").iterdir()) == [
        "statement.json"
    ]


def test_reads_the_reports_gates_run_writes() -> None:
    from gates.model import (
        ExitCode,
        Finding,
        Location,
        ReportedFinding,
        RuleInfo,
        RunResult,
        Status,
        Verdict,
    )
    from gates.report import json_report, sarif

    def reported(fp: str, status: Status) -> ReportedFinding:
        finding = Finding(
            gate="pii",
            rule="pii.pan",
            severity=Severity.HIGH,
            message="card number",
            location=Location(path="a.py", line=3),
            fingerprint=fp,
        )
        return ReportedFinding(finding=finding, status=status, blocking=status is Status.NEW)

    result = RunResult(
        verdict=Verdict.BLOCKED,
        exit_code=ExitCode.BLOCKED,
        gates=("pii",),
        findings=(
            reported(FP1, Status.NEW),
            reported(FP1, Status.NEW),
            reported(FP2, Status.BASELINED),
        ),
        errors=(),
        rules=(
            RuleInfo(
                id="pii.pan", name="pan", summary="s", help="h", default_severity=Severity.HIGH
            ),
        ),
    )
    for text in (sarif.render(result), json_report.render(result)):
        (named,) = parse_report(text.encode(), "report")
        assert (named.gate, named.rule, named.fingerprint, named.severity, named.occurrences) == (
            "pii",
            "pii.pan",
            FP1,
            Severity.HIGH,
            2,
        )
