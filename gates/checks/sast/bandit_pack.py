"""bandit's checks as semgrep rules: which bandit tests the bundled pack covers, and its hits as
bandit's own findings.

`policies/semgrep-bandit/bandit-checks.yaml` holds one or more semgrep rules per covered bandit
test; each rule's metadata says which test it stands for and the severity and confidence bandit
gives that case (`bandit: {test: B602, severity: high, confidence: high}`; a test bandit reports
at several levels has one rule per level). Who runs the tests the policy enables (`plan`):

- `bandit.engine: auto` (default): the pack, in the gate's one semgrep run, when it covers every
  enabled test, and no bandit process at all; otherwise bandit runs every test, as before.
  Splitting does not pay: on the stripe sdist the pack adds about as much semgrep matching CPU
  as bandit spends on the tests it covers, and `bandit -t <the rest>` still parses and walks
  every file, so pack + `bandit -t` cost ~15% more CPU than bandit alone, while the pack alone
  cost ~20% less (bench/README.md). With bandit given only the files its tests can fire on
  (bandit_triggers.py), splitting still costs more: the pack's matching over every file
  exceeds what bandit spends on the files only the covered tests would send it;
- `semgrep`: the pack for the tests it covers, `bandit -t <the others>` for the rest;
- `bandit`: bandit for every test.

A pack hit becomes exactly the hit bandit's JSON would have given (bandit.py `_hit`): rule
`sast.bandit.<test>`, bandit's severity and confidence in the properties, the policy's
severity map, min_confidence, skip and skip_in_tests applied. Its `tool` is "bandit" (it is
bandit's check: `# nosec` requests and the merge with our own rules treat it as before) and it
carries `bandit_engine: semgrep`. Parity with bandit is tested against the real tool
(tests/test_sast_bandit_parity.py), including the cases where the pack is a documented superset.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from gates.checks.sast import rule_files
from gates.checks.sast.bandit_tests import TESTS
from gates.checks.sast.config import SastConfig
from gates.checks.sast.hits import ToolHit
from gates.record import record

FOLDER = "semgrep-bandit"  # under policies/, beside our own packs in policies/semgrep/
FILE = "bandit-checks.yaml"
_LEVELS = ("low", "medium", "high")
# The bandit tests the pack reports, as its rules' metadata says (tests/test_sast_bandit_parity.py
# checks they agree): planning a run needs only this, so a run the pack does not serve (the
# shipped policies enable tests it lacks) never parses its 2,600 lines of YAML (~35 ms).
COVERED: frozenset[str] = frozenset(
    {
        *("B101", "B102", "B104", "B106", "B107", "B110", "B112"),
        *(f"B{n}" for n in (301, 302, 303, 304, 305, 306, 307, 308, 310, 311, 312, 313, 314)),
        *(f"B{n}" for n in (315, 316, 317, 318, 319, 321, 323, 324)),
        *(f"B{n}" for n in (401, 402, 403, 404, 405, 406, 407, 408, 409, 411, 412, 413, 415)),
        *("B501", "B612", "B702"),
    }
)
_CWE = {test_id: cwe for test_id, _name, cwe, _section, _sev, _conf in TESTS}
_TOP_CONFIDENCE = {test_id: conf for test_id, _name, _cwe, _section, _sev, conf in TESTS}


@record
class PackRule:
    """What one pack rule stands for: a bandit test at one severity and confidence."""

    test: str
    severity: str
    confidence: str


def load(path: Path) -> dict[str, PackRule]:
    """`sast.<semgrep rule id>` -> PackRule for every rule of the pack file; a rule without
    well-formed `bandit` metadata is a ValueError (the pack is ours: a broken one is a bug)."""
    rules = rule_files.load(path)
    if not rules:
        raise ValueError(f"{path.name} has no rules")
    out: dict[str, PackRule] = {}
    for rule in rules:
        meta = rule.get("metadata", {}).get("bandit") if isinstance(rule, dict) else None
        if not isinstance(meta, dict):
            raise ValueError(f"{path.name}: rule {rule!r:.80} has no bandit metadata")
        parsed = PackRule(
            test=str(meta.get("test")),
            severity=str(meta.get("severity")),
            confidence=str(meta.get("confidence")),
        )
        if (
            parsed.test not in _CWE
            or parsed.severity not in _LEVELS
            or parsed.confidence not in _LEVELS
        ):
            raise ValueError(f"{path.name}: rule {rule.get('id')} has bad metadata {meta!r}")
        out[f"sast.{rule['id']}"] = parsed
    return out


def covered(rules: dict[str, PackRule]) -> frozenset[str]:
    """The bandit test ids the pack reports."""
    return frozenset(r.test for r in rules.values())


def enabled_tests(cfg: SastConfig) -> frozenset[str]:
    """The bandit tests the policy leaves on: not skipped, and able to report at or above
    min_confidence (their highest confidence, bandit_tests.TESTS); none when bandit is off."""
    if not cfg.bandit:
        return frozenset()
    floor = _LEVELS.index(cfg.min_confidence)
    return frozenset(
        test_id
        for test_id, confidence in _TOP_CONFIDENCE.items()
        if test_id not in cfg.bandit_skip and _LEVELS.index(confidence) >= floor
    )


@record
class Plan:
    """Who runs bandit's tests: the pack (`use_pack`) and a bandit process for `bandit_tests`
    (None: bandit runs every test, as with `engine: bandit`; empty: bandit does not start)."""

    use_pack: bool
    bandit_tests: tuple[str, ...] | None

    @property
    def runs_bandit(self) -> bool:
        return self.bandit_tests is None or bool(self.bandit_tests)


def plan(cfg: SastConfig, pack_covers: frozenset[str]) -> Plan:
    if not cfg.bandit:
        return Plan(use_pack=False, bandit_tests=())
    enabled = enabled_tests(cfg)
    uncovered = tuple(sorted(enabled - pack_covers))
    if cfg.bandit_engine == "bandit" or (cfg.bandit_engine == "auto" and uncovered):
        return Plan(use_pack=False, bandit_tests=None)
    return Plan(use_pack=bool(enabled & pack_covers), bandit_tests=uncovered)


def as_bandit(
    hits: Iterable[ToolHit], rules: dict[str, PackRule], cfg: SastConfig
) -> list[ToolHit]:
    """Pack hits turned into bandit hits (filtered like bandit.py's); other hits unchanged."""
    out = []
    for hit in hits:
        rule = rules.get(hit.rule)
        if rule is None:
            out.append(hit)
            continue
        if rule.test in cfg.bandit_skip or not cfg.confident_enough(rule.confidence):
            continue
        if cfg.skipped_in(rule.test, hit.path):
            continue
        out.append(
            replace(
                hit,
                tool="bandit",
                rule=f"sast.bandit.{rule.test}",
                severity=cfg.severity_for(rule.severity, rule.confidence),
                properties=(
                    ("bandit_confidence", rule.confidence),
                    ("bandit_engine", "semgrep"),
                    ("bandit_severity", rule.severity),
                    ("cwe", f"CWE-{_CWE[rule.test]}"),
                ),
            )
        )
    return out


def impersonators(local: Sequence[Path], rules: dict[str, PackRule]) -> list[tuple[Path, str]]:
    """(file, rule id) of local rules whose id is a pack rule's: their hits would be reported
    as bandit's."""
    out = []
    for path in local:
        for rule in rule_files.load(path) or ():
            rule_id = rule.get("id") if isinstance(rule, dict) else None
            if f"sast.{rule_id}" in rules:
                out.append((path, str(rule_id)))
    return out
