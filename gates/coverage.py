"""What the run could not scan, turned into verdict input: errors that block, or notes.

Every unscanned file is listed in every report (`RunResult.skipped`). Submodules are the one kind
the policy rules on (`unscanned.submodules: block|warn`): a submodule's files live in another
repository, so a card number there passes unless someone scans that repository. A submodule the
policy's `exclude` names is an explicit, reviewed decision and never blocks.
"""

from __future__ import annotations

from collections.abc import Sequence

from gates.model import GateError, SkippedFile, Unscanned
from gates.policy import Policy

GATE = "coverage"


def submodule_gaps(
    policy: Policy, skipped: Sequence[SkippedFile]
) -> tuple[list[GateError], list[str]]:
    """(errors, notes) for the submodules in `skipped`, as the policy says."""
    errors: list[GateError] = []
    notes: list[str] = []
    for item in skipped:
        if item.kind is not Unscanned.SUBMODULE:
            continue
        if policy.exclude.matches(item.path):
            notes.append(f"submodule {item.path} is not scanned (excluded by the policy)")
        elif policy.unscanned_submodules == "block":
            errors.append(
                GateError(
                    gate=GATE,
                    reason=f"submodule {item.path} is not scanned "
                    "(policy unscanned.submodules: block)",
                    fix=f"scan the submodule's own repository with `gates run`, then exclude it "
                    f"explicitly in the policy (exclude: [{item.path!r}]); or set "
                    "unscanned.submodules: warn",
                )
            )
        else:
            notes.append(
                f"submodule {item.path} is not scanned (policy unscanned.submodules: warn)"
            )
    return errors, notes
