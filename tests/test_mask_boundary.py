"""The masking boundary is structural: every renderer, the writer and every log path mask.

A RunResult with a planted value in every string field it has goes through every `Format`, the
step summary, the evidence file and the JSON report's reload; the real log configuration (JSON and
console, every level, exceptions, standard-library records) gets the same values. A value only a
gate knows (no generic shape) is masked wherever it appears once a finding carries it.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from gates import log, redact
from gates.commands import emit
from gates.model import (
    ApprovalNote,
    ExitCode,
    Finding,
    GateError,
    Location,
    ReportedFinding,
    RunResult,
    Severity,
    SkippedFile,
    Status,
    Verdict,
)
from gates.report import Format, render, step_summary

PAN = "4539148803436467"
PAN2 = "5191230000000076"
IBAN = "DE89370400440532013000"
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
# Shapeless: no generic rule can know this is a secret; only the finding that found it does.
CUSTOM = "correct" + "horsebatterystaple"
PLANTED = (PAN, PAN2, IBAN, STRIPE, CUSTOM)


def _everywhere(tag: str) -> str:
    return f"{tag} {PAN} {PAN2} {IBAN} {STRIPE} {CUSTOM}"


def planted_result() -> RunResult:
    secret = Finding(
        gate="secrets",
        rule="secrets.keyword",
        severity=Severity.HIGH,
        message="Secret Keyword hard-coded: [keyword ••••aple]",
        location=Location(path="app/settings.py", line=2),
        fingerprint="b2" * 32,
        snippet="[keyword ••••aple]",
        properties=((redact.VALUE_KEY, CUSTOM), (redact.KIND_KEY, "secret:keyword")),
    )
    everywhere = Finding(
        gate="sast",
        rule="sast.tls-verify-off",
        severity=Severity.CRITICAL,
        message=_everywhere("message"),
        location=Location(path="app/pay.py", line=7, column=1),
        fingerprint="a1" * 32,
        snippet=_everywhere("snippet"),
        properties=(("tool", "semgrep"), ("detail", _everywhere("property"))),
        suppression_requests=(_everywhere("nosec"),),
    )
    return RunResult(
        verdict=Verdict.ERROR,
        exit_code=ExitCode.GATE_ERROR,
        gates=("sast", "secrets", "reconcile"),
        findings=(
            ReportedFinding(finding=secret, status=Status.NEW, blocking=True),
            ReportedFinding(
                finding=everywhere,
                status=Status.WAIVED,
                blocking=False,
                waiver_id="W-1",
                justification=_everywhere("justification"),
                signers=("alice@example.com",),
            ),
        ),
        errors=(GateError(gate="reconcile", reason=_everywhere("reason"), fix=_everywhere("fix")),),
        rules=(),
        skipped=(SkippedFile(path="big.bin", reason=_everywhere("skipped")),),
        approvals=(ApprovalNote(id="W-2", state="rejected", reason=_everywhere("approval")),),
        notes=(_everywhere("note"),),
        tool_versions=(("semgrep", "1.96.0"),),
        policy_digest="e5" * 32,
    )


def _clear(text: str) -> list[str]:
    return [v for v in PLANTED if v in text or v in text.replace(" ", "")]


@pytest.mark.parametrize("fmt", list(Format), ids=str)
def test_every_format_masks_every_field(fmt: Format) -> None:
    out = render(planted_result(), fmt)
    assert _clear(out) == []
    if fmt is not Format.GITLAB_SECRETS:  # that report holds the secrets gate's findings only
        assert "4539 14•• •••• 6467" in out  # masked, not dropped


def test_step_summary_masks() -> None:
    assert _clear(step_summary(planted_result())) == []


def test_writer_masks_every_file_and_stdout(tmp_path: Path) -> None:
    pairs = [(f.value, str(tmp_path / f"r{f.suffix}.{f.value}")) for f in Format]
    stdout = io.StringIO()
    emit.emit(
        planted_result(),
        [*pairs, ("text", None)],
        stdout,
        evidence=str(tmp_path / "evidence.json"),
        release_commit="0123456789abcdef0123456789abcdef01234567",
    )
    texts = {p.name: p.read_text() for p in tmp_path.iterdir()}
    assert len(texts) == len(Format) + 1
    texts["stdout"] = stdout.getvalue()
    assert {name: _clear(t) for name, t in texts.items() if _clear(t)} == {}
    # the masked JSON report is still a report `gates report` accepts, bound by the evidence
    from gates.report import json_load

    report = next(tmp_path.glob("*.json.json"))
    assert json_load.load(report).findings


def test_the_view_never_carries_sensitive_properties() -> None:
    _, view = redact.masked_view(planted_result())
    for rf in view.findings:
        assert not [k for k, _ in rf.finding.properties if k.startswith("sensitive.")]


@pytest.mark.parametrize("fmt", [log.LogFormat.JSON, log.LogFormat.CONSOLE], ids=str)
def test_every_log_level_and_path_masks(fmt: log.LogFormat) -> None:
    stream = io.StringIO()
    log.configure(fmt, stream=stream, verbose=True)
    log.learn(redact.for_result(planted_result()))
    try:
        logger = log.get("test")
        logger.debug(_everywhere("debug"), value=_everywhere("kw"), nested={"k": [PAN]})
        logger.info("info", value=_everywhere("info"))
        logger.warning("warning", value=_everywhere("warning"))
        logger.error("error", value=_everywhere("error"))
        try:
            raise ValueError(_everywhere("exception"))
        except ValueError:
            logger.exception("boom")
        logging.getLogger("a.library").warning("stdlib %s", _everywhere("stdlib"))
    finally:
        log.learn(redact.DEFAULT)
    text = stream.getvalue()
    assert _clear(text) == []
    for tag in ("debug", "kw", "info", "warning", "error", "exception", "stdlib"):
        assert tag in text  # every line was written, masked
    if fmt is log.LogFormat.JSON:
        # every line is JSON, the libraries' records too: a collector parses the whole stream
        lines = [json.loads(line) for line in text.splitlines()]
        assert len(lines) == 6
        [library] = [line for line in lines if line.get("logger") == "a.library"]
        assert library["level"] == "warning"
        assert library["event"].startswith("stdlib ")
    else:
        assert "WARNING a.library: stdlib" in text


def test_cli_errors_are_masked(capsys: pytest.CaptureFixture[str]) -> None:
    from gates.cli import main

    assert main(["run", "--now", PAN]) == 2
    assert main(["run", "--gate", STRIPE, "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert _clear(err) == []
    assert "4539 14•• •••• 6467" in err
