"""Findings named in a report, for `gates approve new --report`: SARIF 2.1.0 or our JSON.

Tolerant in what it reads (already waived or baselined results are skipped): SARIF results need `ruleId` and `partialFingerprints["releaseGates/v1"]`
(the gate is the rule id's prefix; severity from `properties.severity`, else from `level`, with
`error` read as critical because SARIF levels are coarser than our severities and the lifetime
cap must not be loosened by a guess); JSON reports need `findings: [{gate, rule, fingerprint}]`
(optionally `severity`, and `status`: already waived or baselined findings are skipped). Identical
(gate, rule, fingerprint) occurrences are counted.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from gates.errors import InvalidInput
from gates.model import Severity
from gates.record import record

MAX_REPORT_BYTES = 64 * 1_048_576
SARIF_KEY = "releaseGates/v1"
_LEVELS = {"error": Severity.CRITICAL, "warning": Severity.MEDIUM, "note": Severity.LOW}


@record
class Named:
    gate: str
    rule: str
    fingerprint: str
    severity: Severity
    occurrences: int


def parse_report(data: bytes, source: str) -> tuple[Named, ...]:
    if len(data) > MAX_REPORT_BYTES:
        raise InvalidInput(source, "$", "report is too large", "filter it with --rule")
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            source, "$", f"not JSON ({exc})", "pass a SARIF or JSON report"
        ) from None
    if isinstance(doc, dict) and "runs" in doc:
        found = list(_sarif(doc, source))
    elif isinstance(doc, dict) and isinstance(doc.get("findings"), list):
        found = list(_json(doc, source))
    else:
        raise InvalidInput(
            source,
            "$",
            "neither SARIF (runs) nor a release-gates JSON report (findings)",
            "pass the file written by `gates run --format sarif|json`",
        )
    counts = Counter(found)
    return tuple(
        Named(gate=g, rule=r, fingerprint=f, severity=s, occurrences=n)
        for (g, r, f, s), n in sorted(counts.items())
    )


def _severity(value: Any, fallback: Severity) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        return fallback


def _sarif(doc: Mapping[str, Any], source: str) -> list[tuple[str, str, str, Severity]]:
    out = []
    for run in doc.get("runs") or ():
        for i, result in enumerate((run or {}).get("results") or ()):
            if not isinstance(result, dict) or result.get("suppressions"):
                continue
            status = (result.get("properties") or {}).get("status")
            if status in ("waived", "baselined"):
                continue
            rule = result.get("ruleId")
            fp = (result.get("partialFingerprints") or {}).get(SARIF_KEY)
            if not isinstance(rule, str) or "." not in rule or not isinstance(fp, str):
                raise InvalidInput(
                    source,
                    f"$.runs[].results[{i}]",
                    f"no ruleId or partialFingerprints[{SARIF_KEY!r}]",
                    "use a SARIF report written by release-gates",
                )
            level = _LEVELS.get(str(result.get("level", "warning")), Severity.MEDIUM)
            sev = _severity((result.get("properties") or {}).get("severity"), level)
            out.append((rule.split(".", 1)[0], rule, fp, sev))
    return out


def _json(doc: Mapping[str, Any], source: str) -> list[tuple[str, str, str, Severity]]:
    out = []
    for i, item in enumerate(doc["findings"]):
        if not isinstance(item, dict):
            raise InvalidInput(source, f"$.findings[{i}]", "not an object", "pass our JSON report")
        nested = item.get("finding")
        inner: dict[str, Any] = nested if isinstance(nested, dict) else item
        if item.get("status") in ("waived", "baselined"):
            continue
        gate, rule, fp = (inner.get(k) for k in ("gate", "rule", "fingerprint"))
        if not (isinstance(gate, str) and isinstance(rule, str) and isinstance(fp, str)) or not (
            gate and rule and fp
        ):
            raise InvalidInput(
                source,
                f"$.findings[{i}]",
                "needs gate, rule and fingerprint",
                "pass our JSON report",
            )
        out.append((gate, rule, fp, _severity(inner.get("severity"), Severity.CRITICAL)))
    return out
