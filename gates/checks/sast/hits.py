"""A tool's raw finding, before fingerprinting and suppression detection."""

from __future__ import annotations

from gates.model import Severity
from gates.record import record


@record
class ToolHit:
    tool: str  # "semgrep" | "bandit"
    rule: str  # our rule id: sast.<semgrep-id> or sast.bandit.<Bxxx>
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    severity: Severity
    message: str
    properties: tuple[tuple[str, str], ...] = ()
    # A proof rule's match (policies/semgrep/proofs.yaml): never reported; it proves these rules'
    # hits on its lines wrong, unless a rule in `unless` matched there too (merge.Proof).
    proves_safe: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
