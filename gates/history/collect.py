"""The I/O shell of the history scan: which commits, which gates and settings, git streamed.

`findings(...)` streams `git log -p` of the commits to scan through the parser and the scanners
and keeps one finding per fingerprint (the oldest commit that added it: git lists newest first),
so memory grows with the findings, never with the history. A git failure is `GitFailed`, which
the pipeline records as the run's `history` error (`error`): exit 3, never "no history".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO

from gates import git, globs
from gates import policy as policy_mod
from gates.errors import GateCannotRun
from gates.fingerprint import FingerprintKey
from gates.history import patch, scan
from gates.model import Finding, GateError
from gates.policy import Policy
from gates.registry import GateSpec

SECRETS, PII = "secrets", "pii"
ERROR_ID = "history"  # how a failed history scan is named among the run's errors


def scanners_for(policy: Policy, specs: Sequence[GateSpec], key: FingerprintKey) -> scan.Scanners:
    """The secrets and pii scanners as the policy configures those gates (when they run)."""
    out = scan.Scanners(key=key)
    for spec in specs:
        if spec.id not in (SECRETS, PII):
            continue
        gs = policy_mod.settings(policy, spec)
        if not gs.enabled:
            continue

        def wanted(path: str, gs: policy_mod.GateSettings = gs) -> bool:
            if policy.exclude.matches(path):
                return False
            return bool(globs.select([path], gs.include, gs.exclude))

        source = policy.sources[-1] if policy.sources else "policy"
        if spec.id == SECRETS:
            from gates.checks.secrets import config as secrets_config
            from gates.checks.secrets.scanner import ScanSettings

            cfg = secrets_config.parse(gs.config, source=source)
            settings = ScanSettings(
                detect_secrets=cfg.detect_secrets_settings(), placeholders=cfg.placeholders
            )
            out = scan.Scanners(
                key=key,
                secrets=settings,
                secrets_paths=wanted,
                pii=out.pii,
                pii_paths=out.pii_paths,
            )
        else:
            from gates.checks.pii import config as pii_config
            from gates.checks.pii.filescan import Plan

            plan = Plan(config=pii_config.parse(gs.config, source=source), key=key)
            out = scan.Scanners(
                key=key,
                secrets=out.secrets,
                secrets_paths=out.secrets_paths,
                pii=plan,
                pii_paths=wanted,
            )
    return out


def findings(root: Path, revs: tuple[str, ...], scanners: scan.Scanners) -> tuple[Finding, ...]:
    """One finding per fingerprint over the added lines of the commits `revs` names."""
    if scanners.secrets is None and scanners.pii is None:
        return ()

    def consume(stdout: IO[bytes]) -> dict[str, Finding]:
        kept: dict[str, Finding] = {}
        for f in scan.findings(patch.added(stdout), scanners):
            kept[f.fingerprint] = f  # newest first: the last one seen is the oldest commit
        return kept

    kept = git.log_patches(root, revs, consume)
    return tuple(sorted(kept.values(), key=Finding.sort_key))


def error(exc: GateCannotRun) -> GateError:
    """A failed history scan as the run's error: it blocks (exit 3), never "no history"."""
    return GateError(
        gate=ERROR_ID,
        reason=f"the git history could not be scanned: {exc.gate}: {exc.reason}",
        fix=exc.fix,
    )
