"""Reading a JSON report back into a RunResult: strict parse, schema check, typed values.

For tools that start from a saved report (re-rendering it in another format, `gates approve new
--from report.json`). Duplicate keys, a file over the size limit, or anything report.schema.json
rejects is InvalidInput naming the file, the JSON path and the fix; nothing is guessed. Rendering
a loaded report as JSON gives back the same bytes (properties withheld as sensitive were never
written, so they don't come back), and a file whose counts, order or verdicts disagree with its
own findings (including a verdict the findings and errors don't give) is rejected as edited.
This is a consistency check, not an integrity check: whoever can rewrite the file can rewrite it
consistently. Bind a report to its run with the evidence statement's report digest.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from gates.errors import InvalidInput
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
from gates.report import json_report, view

MAX_BYTES = 256 * 1024 * 1024
# What a finished run's verdict allows as its exit code (2 and 130 never leave a report).
_EXIT_CODES = {
    Verdict.PASS: (ExitCode.PASS,),
    Verdict.BLOCKED: (ExitCode.BLOCKED,),
    Verdict.ERROR: (ExitCode.GATE_ERROR, ExitCode.INVALID_INPUT),
}
_FIX = "use a report written by `gates run --format json` (schema_version 1), unmodified"


def _no_duplicates(source: str) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise InvalidInput(source, f"key {key!r}", "appears twice in one object", _FIX)
            out[key] = value
        return out

    return hook


def _schema() -> dict[str, Any]:
    text = resources.files("gates").joinpath("schemas/report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _json_path(parts: Any) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _finding(doc: dict[str, Any]) -> ReportedFinding:
    waiver = doc["waiver"] or {"id": "", "justification": "", "signers": []}
    return ReportedFinding(
        finding=Finding(
            gate=doc["gate"],
            rule=doc["rule"],
            severity=Severity(doc["severity"]),
            message=doc["message"],
            location=_location(doc["location"]),
            fingerprint=doc["fingerprint"],
            snippet=doc["snippet"],
            properties=tuple((p["name"], p["value"]) for p in doc["properties"]),
            suppression_requests=tuple(doc["suppression_requests"]),
            magnitude=doc.get("magnitude"),
            related=tuple((_location(r["location"]), r["message"]) for r in doc.get("related", ())),
        ),
        status=Status(doc["status"]),
        blocking=doc["blocking"],
        waiver_id=waiver["id"],
        justification=waiver["justification"],
        signers=tuple(waiver["signers"]),
    )


def loads(text: str, *, source: str) -> RunResult:
    """The RunResult a JSON report describes. `source` names the file in error messages."""
    if len(text) > MAX_BYTES:
        raise InvalidInput(source, "$", f"larger than {MAX_BYTES} bytes", _FIX)
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates(source))
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            source, f"line {exc.lineno} column {exc.colno}", f"not JSON ({exc.msg})", _FIX
        ) from exc
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        raise InvalidInput(source, _json_path(first.absolute_path), first.message, _FIX)
    result = RunResult(
        verdict=Verdict(doc["verdict"]),
        exit_code=ExitCode(doc["exit_code"]),
        gates=tuple(g["id"] for g in doc["gates"]),
        findings=tuple(_finding(f) for f in doc["findings"]),
        errors=tuple(
            GateError(gate=e["gate"], reason=e["reason"], fix=e["fix"]) for e in doc["errors"]
        ),
        rules=tuple(
            RuleInfo(
                id=r["id"],
                name=r["name"],
                summary=r["summary"],
                help=r["help"],
                default_severity=Severity(r["default_severity"]),
                tags=tuple(r["tags"]),
            )
            for r in doc["rules"]
        ),
        skipped=tuple(SkippedFile(path=s["path"], reason=s["reason"]) for s in doc["skipped"]),
        stale_baseline=tuple(doc["stale_baseline"]),
        approvals=tuple(
            ApprovalNote(id=a["id"], state=a["state"], reason=a["reason"]) for a in doc["approvals"]
        ),
        notes=tuple(doc["notes"]),
        tool_versions=tuple((t["name"], t["version"]) for t in doc["tool_versions"]),
        policy_digest=doc["policy_digest"],
        fail_on=Severity(doc["fail_on"]),
        scanned_files=doc["scanned_files"],
        clock=doc.get("clock", {}).get("time", ""),  # reports from before the clock was recorded
        clock_source=doc.get("clock", {}).get("source", ""),
    )
    _check_consistent(doc, result, source)
    return result


def _check_consistent(doc: dict[str, Any], result: RunResult, source: str) -> None:
    """The derived parts (order, counts, per-gate verdicts) must be what the findings give.

    A hand-edited count or a reordered list means the file is not what `gates run` wrote.
    """
    whole = view.total(result)
    if whole.verdict is not result.verdict or result.exit_code not in _EXIT_CODES[whole.verdict]:
        raise InvalidInput(
            source,
            "$.verdict",
            f"{result.verdict.value} (exit {int(result.exit_code)}) does not follow from "
            f"{whole.blocking} blocking findings and {len(result.errors)} gate errors",
            _FIX,
        )
    expected = json.loads(json_report.render(result))
    for key in sorted(set(expected) | set(doc)):
        if key != "tool" and expected.get(key) != doc.get(key):
            raise InvalidInput(
                source, f"$.{key}", "disagrees with the findings it summarises (edited?)", _FIX
            )


def load(path: Path) -> RunResult:
    """Read and parse a JSON report file (size-limited, UTF-8)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InvalidInput(str(path), "$", f"larger than {MAX_BYTES} bytes", _FIX)
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(str(path), "$", f"cannot read it ({exc})", _FIX) from exc
    return loads(text, source=str(path))


def _location(loc: Any) -> Location:
    return Location(
        path=loc["path"],
        line=loc["line"],
        column=loc["column"],
        end_line=loc["end_line"],
        end_column=loc["end_column"],
    )
