"""The I/O shell of the history scan: which commits, which gates and settings, git streamed.

`scanners_for` resolves, per path, the secrets and pii settings the runner would give that
path (the gate's section merged with the `overrides` matching it, its `paths`/`exclude` and the
policy's `exclude`). `findings(...)` streams `git log -p` of the commits to scan through the
parser and the scanners and keeps one finding per fingerprint (the oldest commit that added it:
git lists newest first), so memory grows with the findings, never with the history. A git
failure is `GitFailed`, which the pipeline records as the run's `history` error (`error`): exit
3, never "no history".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

from gates import git, globs
from gates import policy as policy_mod
from gates.errors import GateCannotRun
from gates.fingerprint import FingerprintKey
from gates.history import patch, scan
from gates.model import Finding, GateError
from gates.policy import GateSettings, Policy
from gates.registry import GateSpec

T = TypeVar("T")
SECRETS, PII = "secrets", "pii"
ERROR_ID = "history"  # how a failed history scan is named among the run's errors


def _resolver(
    policy: Policy, spec: GateSpec, build: Callable[[dict[str, Any]], T]
) -> Callable[[str], scan.Applied[T] | None]:
    """path -> the gate's scanner for it (None: the gate does not scan that path), built once
    per combination of matching `overrides`."""
    overlays = policy_mod.overlays(policy, spec.id)
    built: dict[tuple[int, ...], tuple[scan.Applied[T] | None, GateSettings]] = {}

    def resolve(path: str) -> scan.Applied[T] | None:
        if policy.exclude.matches(path):
            return None
        key = tuple(i for i, (pats, _) in enumerate(overlays) if pats.matches(path))
        if key not in built:
            overlay: dict[str, Any] = {}
            for i in key:
                overlay = policy_mod.merge(overlay, overlays[i][1])
            gs = policy_mod.settings(policy, spec, overlay)
            applied = (
                scan.Applied(key=key, scanner=build(dict(gs.config)), severity=gs.severity)
                if gs.enabled
                else None
            )
            built[key] = (applied, gs)
        applied, gs = built[key]
        return applied if globs.select([path], gs.include, gs.exclude) else None

    return resolve


def scanners_for(policy: Policy, specs: Sequence[GateSpec], key: FingerprintKey) -> scan.Scanners:
    """The secrets and pii scanners as the policy configures those gates (when they run)."""
    source = policy.sources[-1] if policy.sources else "policy"
    out = scan.Scanners(key=key)
    for spec in specs:
        if spec.id == SECRETS:
            from gates.checks.secrets import config as secrets_config
            from gates.checks.secrets import offline

            offline.preload()
            from gates.checks.secrets.hits import ScanSettings

            def secrets_settings(config: dict[str, Any]) -> ScanSettings:
                cfg = secrets_config.parse(config, source=source)
                return ScanSettings(
                    detect_secrets=cfg.detect_secrets_settings(), placeholders=cfg.placeholders
                )

            out = scan.Scanners(
                key=key,
                secrets=_resolver(policy, spec, secrets_settings),
                pii=out.pii,
                active=True,
            )
        elif spec.id == PII:
            from gates.checks.pii import config as pii_config
            from gates.checks.pii.filescan import Plan

            def pii_plan(config: dict[str, Any]) -> Plan:
                return Plan(config=pii_config.parse(config, source=source), key=key)

            out = scan.Scanners(
                key=key, secrets=out.secrets, pii=_resolver(policy, spec, pii_plan), active=True
            )
    return out


def findings(root: Path, revs: tuple[str, ...], scanners: scan.Scanners) -> tuple[Finding, ...]:
    """One finding per fingerprint over the added lines of the commits `revs` names."""
    if not scanners.active:
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
