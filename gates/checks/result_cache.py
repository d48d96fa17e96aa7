"""Warm result cache: per-file findings keyed by content, rules/policy digest and tool version.

A scanner whose findings for a file depend only on that file's bytes (detect-secrets, semgrep
without cross-file analysis, bandit) stores them here, so a rerun with nothing changed rescans
nothing. The key is `sha256(namespace ‖ path ‖ sha256(content))`, where the namespace digest covers
everything else the answer depends on (rules, policy section, tool versions, fingerprint key id):
any change there is a different key, never a stale hit. Entries are written atomically and carry
their own key and a checksum; anything unreadable, mismatched or malformed is a miss (and gets
rewritten), never trusted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gates.atomic import staged
from gates.model import Finding, Location, Severity

_FORMAT = "release-gates-cache-v1"


def digest(*parts: str) -> str:
    """A stable digest of strings (policy sections as canonical JSON, versions, rule bytes)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\x1f")
    return h.hexdigest()


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def finding_to_json(f: Finding) -> dict[str, Any]:
    loc = f.location
    return {
        "gate": f.gate,
        "rule": f.rule,
        "severity": f.severity.value,
        "message": f.message,
        "location": [loc.path, loc.line, loc.column, loc.end_line, loc.end_column],
        "fingerprint": f.fingerprint,
        "snippet": f.snippet,
        "properties": [list(p) for p in f.properties],
        "suppression_requests": list(f.suppression_requests),
    }


def finding_from_json(raw: Mapping[str, Any]) -> Finding:
    """Rebuild a Finding; raises (KeyError, TypeError, ValueError) on any malformed field."""
    path, line, column, end_line, end_column = raw["location"]
    props = tuple((str(k), str(v)) for k, v in raw["properties"])
    for value in (line, column, end_line, end_column):
        if not isinstance(value, int):
            raise TypeError("location numbers must be integers")
    return Finding(
        gate=_str(raw["gate"]),
        rule=_str(raw["rule"]),
        severity=Severity(raw["severity"]),
        message=_str(raw["message"]),
        location=Location(
            path=_str(path), line=line, column=column, end_line=end_line, end_column=end_column
        ),
        fingerprint=_str(raw["fingerprint"]),
        snippet=_str(raw["snippet"]),
        properties=props,
        suppression_requests=tuple(_str(s) for s in raw["suppression_requests"]),
    )


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class ResultCache:
    """Findings per (path, content) under one namespace digest, stored below `root`."""

    root: Path
    namespace: str  # digest of rules + policy section + tool versions + key id

    def key(self, path: str, content: bytes) -> str:
        return digest(_FORMAT, self.namespace, path, hashlib.sha256(content).hexdigest())

    def _file(self, key: str) -> Path:
        return self.root / key[:2] / f"{key[2:]}.json"

    def get(self, key: str) -> tuple[Finding, ...] | None:
        """The cached findings, or None on a miss or any corrupt/mismatched entry."""
        try:
            raw = json.loads(self._file(key).read_text(encoding="utf-8"))
            if not isinstance(raw, dict) or raw.get("key") != key:
                return None
            body = raw["findings"]
            if raw.get("check") != digest(canonical_json(body)) or not isinstance(body, list):
                return None
            return tuple(finding_from_json(item) for item in body)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, findings: Iterable[Finding]) -> None:
        body = [finding_to_json(f) for f in findings]
        doc = {"key": key, "check": digest(canonical_json(body)), "findings": body}
        target = self._file(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with staged(target) as tmp:
            tmp.write_text(canonical_json(doc), encoding="utf-8")
