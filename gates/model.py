"""The values that cross module boundaries: findings, rules, gate outcomes and the run's verdict.

All are frozen dataclasses (`@record`, see gates/record.py) with tuples instead of lists, so a
value handed to a report or a worker process can't be changed behind anyone's back. Severities,
verdicts and statuses are `StrEnum`s, dispatched with `match` + `assert_never`.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import assert_never

from gates.record import record


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        match self:
            case Severity.LOW:
                return 1
            case Severity.MEDIUM:
                return 2
            case Severity.HIGH:
                return 3
            case Severity.CRITICAL:
                return 4
            case _:
                assert_never(self)

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    BLOCKED = "blocked"
    ERROR = "error"


class ExitCode(IntEnum):
    PASS = 0
    BLOCKED = 1
    INVALID_INPUT = 2
    GATE_ERROR = 3
    INTERRUPTED = 130


class Status(StrEnum):
    """What the filtering path decided about one finding."""

    NEW = "new"  # not covered by the baseline or an approval
    BASELINED = "baselined"  # accepted pre-existing finding
    WAIVED = "waived"  # covered by a valid signed approval


@record
class Location:
    """Repo-relative POSIX path; lines and columns are 1-based, 0 means 'whole file'."""

    path: str
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0


@record
class Finding:
    """One occurrence of a rule match.

    `fingerprint` identifies the finding without line numbers (see fingerprint.py); identical
    occurrences in one file share it and are counted by the filtering path. `snippet` is already
    masked by the gate: it must never hold a secret, a card number or other PII in clear.
    `suppression_requests` records inline comments (`# nosec`, `# gates: allow pii`): they are
    shown in reports but never unblock.
    """

    gate: str
    rule: str
    severity: Severity
    message: str
    location: Location
    fingerprint: str
    snippet: str = ""
    # keys starting with "sensitive." are never rendered in any report; `sensitive.value` and
    # `sensitive.kind` hand the raw value to the masking boundary (gates.redact), memory only
    properties: tuple[tuple[str, str], ...] = ()
    suppression_requests: tuple[str, ...] = ()
    # How large the problem is, for findings that stand for many cases (a reconcile class counts
    # payments). A baseline entry, or the --diff base, covers such a finding only up to the size
    # recorded there: a class that grows is new again. None: one occurrence, nothing to compare.
    magnitude: int | None = None
    # Other places the finding cites (SARIF relatedLocations): a reconcile class's sampled data
    # rows, as (location, what is there). Not part of the fingerprint.
    related: tuple[tuple[Location, str], ...] = ()

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.gate, self.rule, self.fingerprint)


@record
class RuleInfo:
    """What `gates list` / `gates explain` and SARIF `rules` show for one rule id (`gate.name`)."""

    id: str
    name: str
    summary: str
    help: str  # why it matters and how to fix it
    default_severity: Severity
    tags: tuple[str, ...] = ()  # e.g. CWE ids: ("CWE-312",)
    # Set when findings of this rule carry another rule id (the sast gate reports bandit B602
    # as sast.shell-injection, the same problem): a policy severity override must name that id.
    reported_as: str = ""


@record
class GateError:
    """Why a gate produced no trustworthy answer. Always blocks."""

    gate: str
    reason: str
    fix: str


@record
class GateOutcome:
    gate: str
    findings: tuple[Finding, ...] = ()
    error: GateError | None = None
    notes: tuple[str, ...] = ()  # shown in reports: e.g. "key derived from root commit"
    tool_versions: tuple[tuple[str, str], ...] = ()


@record
class Waiver:
    """A verified, signed approval: covers findings by (gate, rule, fingerprint) up to a count."""

    id: str
    covers: tuple[WaiverEntry, ...]
    reason: str
    ticket: str
    signers: tuple[str, ...]  # principals whose signatures verified and counted
    expires_at: str  # RFC 3339, UTC
    expiring_soon: bool = False


@record
class WaiverEntry:
    gate: str
    rule: str
    fingerprint: str
    max_occurrences: int
    # The severity the signers approved (it set the lifetime cap): a finding more severe than
    # this is not covered, so a critical finding can't ride on a waiver labelled "low".
    severity: Severity = Severity.CRITICAL


@record
class ApprovalNote:
    """An approval that was rejected, expired, expiring or unused, with the reason: all reported."""

    id: str
    state: str  # "rejected" | "expired" | "expiring" | "unused"
    reason: str


@record
class ReportedFinding:
    finding: Finding
    status: Status
    blocking: bool
    waiver_id: str = ""
    justification: str = ""
    signers: tuple[str, ...] = ()


class Unscanned(StrEnum):
    """Why a tracked file is listed as not (fully) scanned.

    BINARY and LARGE files still reach the gates that read raw bytes (`GateSpec.reads_raw`: pii
    and secrets scan a binary's printable strings and stream a large text file); every other
    gate skips them. SUBMODULE is never scanned; the policy's `unscanned.submodules` decides
    whether that blocks.
    """

    BINARY = "binary"
    LARGE = "large"
    SUBMODULE = "submodule"
    OTHER = "other"


RAW_KINDS = frozenset({Unscanned.BINARY, Unscanned.LARGE})


@record
class SkippedFile:
    path: str
    reason: str  # "binary: ...", "large (3.2 MB > 1 MB): ...", "symlink out of repository"
    kind: Unscanned = Unscanned.OTHER


@record
class RunResult:
    """Everything every report renders, from one object."""

    verdict: Verdict
    exit_code: ExitCode
    gates: tuple[str, ...]  # ids of the gates that ran (a disabled gate is named in `notes`)
    findings: tuple[ReportedFinding, ...]
    errors: tuple[GateError, ...]
    rules: tuple[RuleInfo, ...]  # metadata for every rule that appears in findings
    skipped: tuple[SkippedFile, ...] = ()
    stale_baseline: tuple[str, ...] = ()  # fingerprints in the baseline that matched nothing
    approvals: tuple[ApprovalNote, ...] = ()
    notes: tuple[str, ...] = ()
    tool_versions: tuple[tuple[str, str], ...] = ()
    policy_digest: str = ""
    fail_on: Severity = Severity.HIGH
    scanned_files: int = 0
    clock: str = ""  # the time approval expiry was judged at (RFC 3339, UTC)
    clock_source: str = ""  # "system clock" or "--now"
    tree_state: str = ""  # evidence runs: "clean" or "dirty" (tracked files differ from HEAD)
