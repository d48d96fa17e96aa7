"""TEMPORARY stub until the approvals branch lands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from gates.model import ApprovalNote, Waiver
from gates.policy import Policy


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalSet:
    waivers: tuple[Waiver, ...] = ()
    notes: tuple[ApprovalNote, ...] = ()


def load_waivers(
    root: Path, policy: Policy, now: datetime, *, trust_ref: str | None
) -> ApprovalSet:
    return ApprovalSet()
