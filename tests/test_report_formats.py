"""Every format: handled, deterministic, order-independent, and never leaking sensitive values."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources
from pathlib import Path

import pytest

from gates.commands.emit import FORMATS
from gates.model import (
    ApprovalNote,
    GateError,
    ReportedFinding,
    RunResult,
    Severity,
    SkippedFile,
    Status,
)
from gates.report import Format, evidence, render, step_summary
from tests import reportkit

PLANTED_PAN = "4111111111111111"
PLANTED_TOKEN = "ghp_R3leaseGatesPlantedToken0000000000"


def _all_outputs(result: RunResult) -> dict[str, str]:
    outputs = {fmt.value: render(result, fmt) for fmt in Format}
    outputs["text-color"] = render(result, Format.TEXT, color=True)
    outputs["step-summary"] = step_summary(result)
    outputs["evidence"] = evidence.render(result, (evidence.git_commit("repo", "ab" * 20),))
    return outputs


@pytest.mark.parametrize("fmt", list(Format), ids=[f.value for f in Format])
def test_every_format_renders(fmt: Format) -> None:
    out = render(reportkit.sample(), fmt)
    assert out.endswith("\n")
    assert out.strip()
    out.encode("utf-8")
    assert fmt.suffix.startswith(".")
    if fmt is not Format.TEXT:
        assert render(reportkit.sample(), fmt, color=True) == out  # colour is text-only


def test_format_values_are_the_cli_names() -> None:
    assert [f.value for f in Format] == [
        "text", "json", "sarif", "junit", "github", "gitlab-sast", "gitlab-secrets", "codequality"
    ]  # fmt: skip
    assert tuple(f.value for f in Format) == FORMATS


def test_rendering_twice_gives_identical_bytes() -> None:
    assert _all_outputs(reportkit.sample()) == _all_outputs(reportkit.sample())


def test_input_order_does_not_change_any_output() -> None:
    base = reportkit.sample()
    result = dataclasses.replace(
        base,
        errors=(*base.errors, GateError(gate="audit-log", reason="also this", fix="that")),
        skipped=(*base.skipped, SkippedFile(path="a/big.csv", reason="too large")),
        approvals=(*base.approvals, ApprovalNote(id="W-1", state="expired", reason="old")),
        stale_baseline=(*base.stale_baseline, "01" * 32),
    )
    shuffled = dataclasses.replace(
        result,
        findings=tuple(reversed(result.findings)),
        rules=tuple(reversed(result.rules)),
        tool_versions=tuple(reversed(result.tool_versions)),
        errors=tuple(reversed(result.errors)),
        skipped=tuple(reversed(result.skipped)),
        approvals=tuple(reversed(result.approvals)),
        stale_baseline=tuple(reversed(result.stale_baseline)),
    )
    assert _all_outputs(shuffled) == _all_outputs(result)


def test_sensitive_properties_never_reach_any_output() -> None:
    result = reportkit.sample()
    first = result.findings[-1]  # the PAN finding
    planted = dataclasses.replace(
        first,
        finding=dataclasses.replace(
            first.finding,
            properties=(
                ("issuer", "visa"),
                ("sensitive.match", PLANTED_PAN),
                ("Sensitive.Raw", PLANTED_PAN),
                ("card.pan", PLANTED_PAN),
                ("github_token", PLANTED_TOKEN),
                ("client_secret", PLANTED_TOKEN),
            ),
        ),
    )
    leaky = dataclasses.replace(result, findings=(*result.findings[:-1], planted))
    for name, out in _all_outputs(leaky).items():
        assert PLANTED_PAN not in out, name
        assert PLANTED_TOKEN not in out, name
        assert "sensitive" not in out.lower(), name
    assert "issuer" in render(leaky, Format.JSON)


def test_no_absolute_paths() -> None:
    for name, out in _all_outputs(reportkit.sample()).items():
        assert str(Path.cwd()) not in out, name
        assert str(Path.home()) not in out, name


def test_gate_that_reported_without_being_asked_still_appears() -> None:
    stray = ReportedFinding(
        finding=reportkit.finding("zz-plugin", "zz-plugin.rule", Severity.LOW, "a.py", 1, "0" * 64),
        status=Status.NEW,
        blocking=False,
    )
    result = dataclasses.replace(reportkit.empty(), findings=(stray,))
    sarif_runs = json.loads(render(result, Format.SARIF))["runs"]
    assert [r["tool"]["driver"]["name"] for r in sarif_runs] == [
        "release-gates/pii",
        "release-gates/zz-plugin",
    ]
    assert [g["id"] for g in json.loads(render(result, Format.JSON))["gates"]] == [
        "pii",
        "zz-plugin",
    ]


def _undescribed(node: object, path: str) -> list[str]:
    missing: list[str] = []
    if isinstance(node, dict):
        for key in ("properties", "$defs"):
            for name, sub in node.get(key, {}).items():
                if isinstance(sub, dict) and "description" not in sub:
                    missing.append(f"{path}/{key}/{name}")
        for key, sub in node.items():
            missing.extend(_undescribed(sub, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            missing.extend(_undescribed(sub, f"{path}/{i}"))
    return missing


@pytest.mark.parametrize(
    "name", ["report.schema.json", "evidence.schema.json"], ids=["report", "evidence"]
)
def test_every_shipped_schema_property_is_described(name: str) -> None:
    schema = json.loads(resources.files("gates").joinpath(f"schemas/{name}").read_text("utf-8"))
    assert schema["description"]
    assert _undescribed(schema, "#") == []
