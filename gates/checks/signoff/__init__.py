"""The signoff gate: a change to protected code ships only with a valid, current sign-off.

Proves: when the change touches the policy's protected paths (or, when the change is unknown, when
any protected file exists), a sign-off statement under `.release-gates/signoffs/<ID>/` binds the
digest of every protected file at the tree being released (see digest.py) and is signed in
namespace `release-gates-signoff@v1` by the required quorum, verified against the trust root read
from the change's base (`ctx.base_ref`) when there is one. The digest also covers every trust file
(policy, allowed_signers, baseline, ignore and rule files: `gates.trust`), so a valid sign-off is
what clears the run's `trust.changed` findings (see clearance.py).

Config (`gates.signoff`): `protected_paths` (globs, default payments/** and migrations/**),
`required` ({role: count}, default {compliance: 1}); roles, repository, allowed_signers,
revocations and commit_author_counts come from the top-level `approvals:` and `roles:` sections.
Without them a protected change blocks with signoff.missing naming the configuration as the fix;
written wrongly, they are invalid input (exit 2).
A plain directory without git is digested from its files on disk.

Rules: signoff.missing, signoff.stale, signoff.quorum, signoff.rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gates.checks.signoff.spec import CONFIG_SCHEMA, RULES
from gates.model import Finding
from gates.registry import GateContext, GateSpec, Scope


def run(ctx: GateContext) -> Iterable[Finding]:
    from gates.checks.signoff.gate import run as run_gate  # heavy: only when the gate runs

    return run_gate(ctx)


def _check(config: Mapping[str, Any], source: str, root: Path) -> None:
    from gates.checks.signoff.settings import protected_paths

    protected_paths(config, source)


GATE = GateSpec(
    id="signoff",
    summary="Changes to protected payment code need a current compliance sign-off.",
    config_schema=CONFIG_SCHEMA,
    rules=RULES,
    run=run,
    scope=Scope.REPOSITORY,
    default_timeout_s=120,
    tools=("git",),
    check_config=_check,
)
