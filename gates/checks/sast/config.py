"""The sast gate's policy section: JSON Schema and typed form.

Keys (all optional):
- `semgrep.enabled` (true), `semgrep.rules`: extra local rule files (repo-relative YAML), run
  with the bundled pack; `semgrep.exclude_rules`: rule ids to leave out; `semgrep.timeout_per_file`:
  semgrep's per-file, per-rule limit in seconds (30).
- `bandit.enabled` (true): bandit's checks; `bandit.engine`: who runs them (bandit_pack.py):
  `auto` (default: the bundled semgrep pack inside the one semgrep run when it covers every test
  the policy enables, and no bandit process; otherwise bandit runs them all), `semgrep` (the pack
  for the tests it covers, bandit `-t` for the rest) or `bandit` (bandit runs every test).
  `bandit.skip`: test ids to skip (`B101`); `bandit.min_confidence`:
  drop findings below it (`low` here; the shipped `fintech-default` sets `medium`, `pci-strict`
  `low`); `bandit.severity`: bandit severity -> ours (default low->low, medium->medium,
  high->high), then one step lower when bandit's confidence is low (never below low);
  `bandit.test_paths`: globs of test files (default: gates.testpaths, as the pii gate's);
  `bandit.skip_in_tests`: test ids not reported in those files (`[B101]`: pytest asserts).
- `tool_timeout`: seconds each tool process may run before the gate fails closed (900).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from gates.errors import InvalidInput
from gates.globs import GlobSet
from gates.model import Severity
from gates.record import record
from gates.testpaths import TEST_PATHS

_LEVELS = ("low", "medium", "high")
_SEVERITIES = [s.value for s in Severity]
_BY_RANK = {s.rank: s for s in Severity}
DEFAULT_TEST_PATHS = TEST_PATHS  # the same test paths as the pii gate (gates.testpaths)
DEFAULT_SKIP_IN_TESTS = ("B101",)
ENGINES = ("auto", "semgrep", "bandit")  # bandit.engine: who runs bandit's checks

SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "semgrep": {
            "type": "object",
            "additionalProperties": False,
            "description": "semgrep with the bundled offline rule pack (plus local rule files).",
            "properties": {
                "enabled": {"type": "boolean", "description": "Run semgrep (default true)."},
                "rules": {
                    "type": "array",
                    "items": {"type": "string", "pattern": r"^[^/\\].*\.ya?ml$"},
                    "uniqueItems": True,
                    "description": "Extra local semgrep rule files (repo-relative .yaml paths); "
                    "registry configs (p/...) are not allowed.",
                },
                "exclude_rules": {
                    "type": "array",
                    "items": {"type": "string", "minLength": 1},
                    "uniqueItems": True,
                    "description": "semgrep rule ids to leave out.",
                },
                "timeout_per_file": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 3600,
                    "description": "semgrep's per-file, per-rule timeout in seconds (30); a "
                    "timeout is a gate error.",
                },
            },
        },
        "bandit": {
            "type": "object",
            "additionalProperties": False,
            "description": "bandit over the Python files.",
            "properties": {
                "enabled": {"type": "boolean", "description": "Run bandit (default true)."},
                "engine": {
                    "enum": list(ENGINES),
                    "description": "Who runs bandit's checks: auto (default: the bundled semgrep "
                    "pack of bandit's checks, in the one semgrep run, when it covers every test "
                    "the policy enables, so bandit is not started; otherwise bandit runs them "
                    "all), semgrep (the pack for the tests it covers, bandit only for the rest) "
                    "or bandit (the bandit process runs every test).",
                },
                "skip": {
                    "type": "array",
                    "items": {"type": "string", "pattern": "^B[0-9]{3}$"},
                    "uniqueItems": True,
                    "description": "bandit test ids to skip, e.g. B101.",
                },
                "min_confidence": {
                    "enum": list(_LEVELS),
                    "description": "Drop bandit findings below this confidence (default low; "
                    "fintech-default sets medium, pci-strict low).",
                },
                "test_paths": {
                    "type": "array",
                    "items": {"type": "string", "minLength": 1},
                    "uniqueItems": True,
                    "description": "Globs of test files, where skip_in_tests applies (default "
                    "**/tests/**, **/test/**, test_*.py, *_test.py, conftest.py).",
                },
                "skip_in_tests": {
                    "type": "array",
                    "items": {"type": "string", "pattern": "^B[0-9]{3}$"},
                    "uniqueItems": True,
                    "description": "bandit test ids not reported in test files (default [B101]: "
                    "assert is how pytest tests check; [] reports them).",
                },
                "severity": {
                    "type": "object",
                    "additionalProperties": False,
                    "description": "Map bandit severities (low/medium/high) to ours.",
                    "properties": {
                        level: {"enum": _SEVERITIES, "description": f"Our severity for {level}."}
                        for level in _LEVELS
                    },
                },
            },
        },
        "tool_timeout": {
            "type": "integer",
            "minimum": 1,
            "description": "Seconds each semgrep/bandit process may run (900); then a gate error.",
        },
    },
}


@record
class SastConfig:
    semgrep: bool = True
    local_rules: tuple[str, ...] = ()
    exclude_rules: tuple[str, ...] = ()
    timeout_per_file: int = 30
    bandit: bool = True
    bandit_engine: str = "auto"
    bandit_skip: tuple[str, ...] = ()
    min_confidence: str = "low"
    test_paths: tuple[str, ...] = DEFAULT_TEST_PATHS
    skip_in_tests: tuple[str, ...] = DEFAULT_SKIP_IN_TESTS
    severity_map: tuple[tuple[str, Severity], ...] = (
        ("low", Severity.LOW),
        ("medium", Severity.MEDIUM),
        ("high", Severity.HIGH),
    )
    tool_timeout: int = 900

    def severity_for(self, bandit_severity: str, bandit_confidence: str = "high") -> Severity:
        """Our severity for a bandit issue: the policy's map of bandit's severity, one step
        lower when bandit itself has low confidence in the issue (never below low)."""
        mapped = dict(self.severity_map)[bandit_severity.lower()]
        if bandit_confidence.lower() == "low":
            return _BY_RANK[max(1, mapped.rank - 1)]
        return mapped

    def skipped_in(self, test_id: str, path: str) -> bool:
        """True when `test_id` is not reported in `path` because it is a test file."""
        return test_id in self.skip_in_tests and GlobSet.of(self.test_paths).matches(path)

    def confident_enough(self, bandit_confidence: str) -> bool:
        return _LEVELS.index(bandit_confidence.lower()) >= _LEVELS.index(self.min_confidence)


def parse(config: Mapping[str, Any], *, source: str = "policy") -> SastConfig:
    sg = config.get("semgrep", {})
    bd = config.get("bandit", {})
    rules = tuple(str(r) for r in sg.get("rules", ()))
    for i, rule in enumerate(rules):
        pure = PurePosixPath(rule)
        if pure.is_absolute() or ".." in pure.parts or re.match(r"^[a-z]+:", rule):
            raise InvalidInput(
                source,
                f"$.gates.sast.semgrep.rules[{i}]",
                f"{rule!r} is not a repo-relative rule file",
                "give a path to a .yaml file inside the repository (registry configs are not "
                "allowed: the gate runs offline)",
            )
    mapping = {**{lvl: lvl for lvl in _LEVELS}, **bd.get("severity", {})}
    engine = bd.get("engine", "auto")
    if engine not in ENGINES:  # the schema says so first; parse() is also called without it
        raise InvalidInput(
            source,
            "$.gates.sast.bandit.engine",
            f"unknown engine {engine!r}",
            "write engine: auto (the default), semgrep or bandit",
        )
    parsed = SastConfig(
        semgrep=bool(sg.get("enabled", True)),
        local_rules=rules,
        exclude_rules=tuple(sorted(str(r) for r in sg.get("exclude_rules", ()))),
        timeout_per_file=int(sg.get("timeout_per_file", 30)),
        bandit=bool(bd.get("enabled", True)),
        bandit_engine=str(engine),
        bandit_skip=tuple(sorted(str(s) for s in bd.get("skip", ()))),
        min_confidence=str(bd.get("min_confidence", "low")),
        test_paths=tuple(str(g) for g in bd.get("test_paths", DEFAULT_TEST_PATHS)),
        skip_in_tests=tuple(sorted(str(t) for t in bd.get("skip_in_tests", DEFAULT_SKIP_IN_TESTS))),
        severity_map=tuple((lvl, Severity(mapping[lvl])) for lvl in _LEVELS),
        tool_timeout=int(config.get("tool_timeout", 900)),
    )
    if not parsed.semgrep and not parsed.bandit:
        raise InvalidInput(
            source,
            "$.gates.sast",
            "both semgrep and bandit are disabled, so the gate would check nothing",
            "enable one of them, or disable the sast gate itself",
        )
    return parsed
