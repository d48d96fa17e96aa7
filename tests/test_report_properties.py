"""Any RunResult, any text: every format stays valid, inert and deterministic (hypothesis)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from gates.report import Format, github, json_load, render, step_summary
from tests import reportkit

_SARIF_SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif-2.1.0.schema.json").read_text("utf-8")
)
_SARIF = jsonschema.Draft4Validator(_SARIF_SCHEMA, format_checker=jsonschema.FormatChecker())
_REPORT = jsonschema.Draft202012Validator(
    json.loads(resources.files("gates").joinpath("schemas/report.schema.json").read_text("utf-8"))
)

# Any code point, surrogates and controls included: scanned files can contain anything.
any_text = st.text(alphabet=st.characters(codec=None), max_size=30)
gate_ids = st.sampled_from(["pii", "secrets", "sast", "audit-log"])
hexes = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)


@st.composite
def reported(draw: Any) -> ReportedFinding:
    gate = draw(gate_ids)
    status = draw(st.sampled_from(list(Status)))
    line = draw(st.integers(0, 50))
    return ReportedFinding(
        finding=Finding(
            gate=gate,
            rule=f"{gate}.{draw(st.sampled_from(['a', 'b', 'pan', 'float-money']))}",
            severity=draw(st.sampled_from(list(Severity))),
            message=draw(any_text),
            location=Location(
                path=draw(any_text),
                line=line,
                column=draw(st.integers(0, 9)),
                end_line=draw(st.integers(0, 60)),
                end_column=draw(st.integers(0, 9)),
            ),
            fingerprint=draw(hexes),
            snippet=draw(any_text),
            properties=tuple(draw(st.lists(st.tuples(any_text, any_text), max_size=2))),
            suppression_requests=tuple(draw(st.lists(any_text, max_size=2))),
        ),
        status=status,
        blocking=status is Status.NEW and draw(st.booleans()),
        waiver_id=draw(any_text) if status is Status.WAIVED else "",
        justification=draw(any_text) if status is Status.WAIVED else "",
        signers=tuple(draw(st.lists(any_text, max_size=2))) if status is Status.WAIVED else (),
    )


@st.composite
def results(draw: Any) -> RunResult:
    findings = tuple(draw(st.lists(reported(), max_size=6)))
    errors = tuple(
        draw(
            st.lists(st.builds(GateError, gate=gate_ids, reason=any_text, fix=any_text), max_size=2)
        )
    )
    # the verdict follows from the findings and errors, as the runner decides it
    if errors:
        verdict, code = Verdict.ERROR, ExitCode.GATE_ERROR
    elif any(rf.blocking for rf in findings):
        verdict, code = Verdict.BLOCKED, ExitCode.BLOCKED
    else:
        verdict, code = Verdict.PASS, ExitCode.PASS
    return RunResult(
        verdict=verdict,
        exit_code=code,
        gates=tuple(draw(st.lists(gate_ids, unique=True, max_size=4))),
        findings=findings,
        errors=errors,
        rules=reportkit.RULES,
        skipped=tuple(
            draw(st.lists(st.builds(SkippedFile, path=any_text, reason=any_text), max_size=2))
        ),
        stale_baseline=tuple(draw(st.lists(hexes, max_size=2))),
        approvals=tuple(
            draw(
                st.lists(
                    st.builds(ApprovalNote, id=any_text, state=any_text, reason=any_text),
                    max_size=2,
                )
            )
        ),
        notes=tuple(draw(st.lists(any_text, max_size=2))),
        tool_versions=tuple(draw(st.lists(st.tuples(any_text, any_text), max_size=2))),
        policy_digest=draw(hexes),
        fail_on=draw(st.sampled_from(list(Severity))),
        scanned_files=draw(st.integers(0, 1000)),
    )


_CONTROL = {chr(c) for c in range(0x20) if chr(c) not in "\n"} | {"\x7f", "\u202e", "\u2066"}


# derandomize: the same examples on every run, so CI never goes red by chance
@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(results())
def test_every_format_is_valid_for_any_input(result: RunResult) -> None:
    outputs = {fmt: render(result, fmt) for fmt in Format}
    for fmt, out in outputs.items():
        out.encode("utf-8")  # never a lone surrogate
        assert render(result, fmt) == out  # deterministic
    assert [e.message for e in _SARIF.iter_errors(json.loads(outputs[Format.SARIF]))] == []
    assert [e.message for e in _REPORT.iter_errors(json.loads(outputs[Format.JSON]))] == []
    ET.fromstring(outputs[Format.JUNIT].encode("utf-8"))  # noqa: S314  # our own output
    # people-facing text: no raw control or bidi character, whatever the input held
    for human in (outputs[Format.TEXT], outputs[Format.GITHUB], step_summary(result)):
        assert not _CONTROL & set(human)
        assert len(human.splitlines()) == human.count("\n")  # no line break but \n
    # one workflow command per line, each starting with `::`, then the verdict as plain text
    *commands, verdict = outputs[Format.GITHUB].splitlines()
    assert all(line.startswith("::") for line in commands)
    assert verdict.startswith(f"{result.verdict.value.upper()}: ")
    n_new = sum(1 for rf in result.findings if rf.status is Status.NEW)
    assert len(commands) == n_new + len(result.errors)
    assert github.step_summary(result) == step_summary(result)
    # the JSON report carries everything: loading it back renders the same bytes
    loaded = json_load.loads(outputs[Format.JSON], source="report.json")
    assert render(loaded, Format.JSON) == outputs[Format.JSON]
    assert render(loaded, Format.SARIF) == outputs[Format.SARIF]
